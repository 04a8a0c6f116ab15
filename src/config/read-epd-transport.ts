import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** How requests to the EPD travel, besides base URL, auth and timeout. */
export interface EpdTransportConfig {
  /** Largest answer body (after decompression) the service reads from the EPD. */
  maxResponseBytes: number;
  /** Other base URLs that name the EPD in paging links (a proxy, an internal service name). */
  trustedBaseUrls: string[];
  /** PEM text read at start: extra CAs, and a client certificate and key for mutual TLS. */
  tls?: { ca?: string; cert?: string; key?: string };
}

/** The environment keys this reads; empty means unset. */
export interface EpdTransportEnv {
  EPD_MAX_RESPONSE_BYTES: number;
  EPD_TRUSTED_BASE_URLS?: string;
  EPD_CA_FILE?: string;
  EPD_CLIENT_CERT_FILE?: string;
  EPD_CLIENT_KEY_FILE?: string;
}

/**
 * Reads the EPD transport settings. The TLS files are read and parsed here, once, so a missing
 * file, a file that is not PEM, or a key that does not belong to the certificate stops the start
 * with a clear problem instead of failing every EPD call later.
 */
export function readEpdTransport(e: EpdTransportEnv, problems: string[]): EpdTransportConfig {
  const tls = { ...readCa(e, problems), ...readClientCertificate(e, problems) };
  return {
    maxResponseBytes: e.EPD_MAX_RESPONSE_BYTES,
    trustedBaseUrls: readTrustedBases(e.EPD_TRUSTED_BASE_URLS, problems),
    ...(tls.ca || tls.cert ? { tls } : {}),
  };
}

function readCa(e: EpdTransportEnv, problems: string[]): { ca?: string } {
  if (!e.EPD_CA_FILE) return {};
  const pem = readPemFile('EPD_CA_FILE', e.EPD_CA_FILE, problems);
  if (pem === undefined) return {};
  if (!certificateOf(pem)) {
    problems.push('EPD_CA_FILE: not a PEM certificate (-----BEGIN CERTIFICATE-----)');
    return {};
  }
  return { ca: pem };
}

function readClientCertificate(e: EpdTransportEnv, problems: string[]): { cert?: string; key?: string } {
  if (!e.EPD_CLIENT_CERT_FILE && !e.EPD_CLIENT_KEY_FILE) return {};
  if (!e.EPD_CLIENT_CERT_FILE || !e.EPD_CLIENT_KEY_FILE) {
    problems.push('EPD_CLIENT_CERT_FILE and EPD_CLIENT_KEY_FILE: mutual TLS needs both, or neither');
    return {};
  }
  const cert = readPemFile('EPD_CLIENT_CERT_FILE', e.EPD_CLIENT_CERT_FILE, problems);
  const key = readPemFile('EPD_CLIENT_KEY_FILE', e.EPD_CLIENT_KEY_FILE, problems);
  if (cert === undefined || key === undefined) return {};
  const certificate = certificateOf(cert);
  if (!certificate) problems.push('EPD_CLIENT_CERT_FILE: not a PEM certificate (-----BEGIN CERTIFICATE-----)');
  const privateKey = privateKeyOf(key);
  // The parser's message could quote the key: say only what is wrong.
  if (!privateKey) problems.push('EPD_CLIENT_KEY_FILE: not an unencrypted PEM private key');
  if (!certificate || !privateKey) return {};
  if (!certificate.checkPrivateKey(privateKey)) {
    problems.push('EPD_CLIENT_KEY_FILE: does not belong to the certificate in EPD_CLIENT_CERT_FILE');
    return {};
  }
  return { cert, key };
}

/** `EPD_TRUSTED_BASE_URLS=http://fhir-internal:8103/fhir/R4,https://…`: http(s) bases without query or credentials. */
function readTrustedBases(value: string | undefined, problems: string[]): string[] {
  const bases: string[] = [];
  for (const entry of (value ?? '').split(',').map((v) => v.trim())) {
    if (!entry) continue;
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
      problems.push(`EPD_TRUSTED_BASE_URLS: "${entry.slice(0, 80)}" is not an http(s) base URL without query`);
      continue;
    }
    bases.push(entry.replace(/\/+$/, ''));
  }
  return bases;
}

function readPemFile(name: string, path: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`${name}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

function certificateOf(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function privateKeyOf(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
}
