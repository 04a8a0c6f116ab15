import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type ServerOptions as TlsOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** One request a loopback server received: what it asked for, with which credentials, over which connection. */
export interface SeenRequest {
  method: string;
  path: string;
  authorization?: string;
  /** Common name of the client certificate (mutual TLS), when one was presented. */
  clientCertificate?: string;
}

/** A real HTTP(S) server on 127.0.0.1 that records what reaches it. */
export interface LoopbackServer {
  /** `http(s)://127.0.0.1:<port>` */
  origin: string;
  seen: SeenRequest[];
  /** TCP connections accepted (keep-alive reuses one). */
  connections(): number;
  close(): Promise<void>;
}

/** Starts a server on a free loopback port; `tls` makes it HTTPS (with `requestCert` for mutual TLS). */
export async function startLoopbackServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls?: TlsOptions,
): Promise<LoopbackServer> {
  const seen: SeenRequest[] = [];
  let connections = 0;
  const record = (req: IncomingMessage, res: ServerResponse) => {
    const peer = tls ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
    const clientCertificate = peer?.subject?.CN;
    seen.push({
      method: req.method ?? '',
      path: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(typeof clientCertificate === 'string' ? { clientCertificate } : {}),
    });
    handler(req, res);
  };
  const server: Server = tls ? createTlsServer(tls, record) : createServer(record);
  server.on(tls ? 'secureConnection' : 'connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
