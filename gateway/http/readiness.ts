import type { HttpReply } from './http.router';

/** One dependency readiness depends on; `probe` rejects when it is not usable. */
export interface ReadinessProbe {
  name: string;
  probe: () => Promise<void>;
}

function withTimeout(work: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs every probe (concurrently, each bounded by `timeoutMs`): 200 when all pass, otherwise 503
 * with a body naming each dependency that is not ready and why.
 */
export async function readinessReply(probes: readonly ReadinessProbe[], timeoutMs: number): Promise<HttpReply> {
  const results = await Promise.all(
    probes.map(async ({ name, probe }) => {
      try {
        await withTimeout(probe(), timeoutMs);
        return [name, 'ok'] as const;
      } catch (err) {
        return [name, err instanceof Error ? err.message : String(err)] as const;
      }
    }),
  );
  const checks = Object.fromEntries(results);
  const notReady = results.filter(([, outcome]) => outcome !== 'ok').map(([name]) => name);
  return notReady.length === 0 ? { status: 200, body: { status: 'ready', checks } } : { status: 503, body: { status: 'not ready', notReady, checks } };
}
