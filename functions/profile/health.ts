import { operationsKeys } from '../shared/keys';
import type { ObjectStore, Table } from '../shared/ports';

export interface Health {
  readonly status: 'ok' | 'degraded';
  readonly checks: Record<string, { ok: boolean; ms: number; error?: string }>;
}

async function timed(probe: () => Promise<unknown>): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = performance.now();
  try {
    await probe();
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, ms: Math.round(performance.now() - started), error: (error as Error).name };
  }
}

/** Reach the table and the bucket once each; degraded when either fails. */
export async function checkHealth(ports: { objects: ObjectStore; operations: Table }): Promise<Health> {
  const [table, bucket] = await Promise.all([
    timed(() => ports.operations.get(operationsKeys.health)),
    timed(() => ports.objects.head('health-check')),
  ]);
  const checks = { table, bucket };
  return { status: table.ok && bucket.ok ? 'ok' : 'degraded', checks };
}
