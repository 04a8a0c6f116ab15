import { startFaultProxy, type FaultProxy } from '../../src/sandbox/fault-proxy.js';
import { type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import type { Logger } from '../../src/shared/logger.js';
import { tasksFor, startTestStack } from '../helpers/embedded.js';

/** The embedded stack with the service reaching its EPD through a fault proxy. */
export interface ProxiedStack {
  stack: EmbeddedStack;
  proxy: FaultProxy;
  close(): Promise<void>;
}

/** Starts the embedded stack behind a fault proxy (recording every request); `env` as for startEmbeddedStack. */
export async function startProxiedStack(env: Record<string, string> = {}, log?: Logger): Promise<ProxiedStack> {
  let proxy: FaultProxy | undefined;
  const stack = await startTestStack({
    env,
    ...(log ? { log } : {}),
    epdBaseUrl: async (sandboxUrl) => {
      proxy = await startFaultProxy({ target: sandboxUrl, record: true });
      return proxy.baseUrl;
    },
  });
  const started = proxy!;
  return {
    stack,
    proxy: started,
    async close() {
      await stack.close();
      await started.close();
    },
  };
}

/** Waits (bounded) until the proxy holds no request, e.g. a delayed write still on its way to the EPD. */
export async function proxyQuiet(proxy: FaultProxy, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (proxy.counts.pending > 0) {
    if (Date.now() > deadline)
      throw new Error(`fault proxy still holds ${proxy.counts.pending} request(s) after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Invitation Tasks of a focus, grouped by invitation identifier: each list must hold exactly one Task. */
export async function tasksByInvitation(stack: EmbeddedStack, focus: string): Promise<Map<string, number>> {
  const byId = new Map<string, number>();
  for (const task of await tasksFor(stack, focus)) {
    const id = task.identifier?.[0]?.value ?? '?';
    byId.set(id, (byId.get(id) ?? 0) + 1);
  }
  return byId;
}
