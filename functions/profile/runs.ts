import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Workflow } from '../shared/adapters/workflow';
import { NotFoundError, TailorError } from '../shared/errors';
import type { ObjectStore, Table } from '../shared/ports';
import { shardPrefix } from './raw-store';
import type { BehaviourEvent } from './schema';

/** A shard's data could not be read: the state machine retries, then fails the run. */
export class ShardReadError extends TailorError {
  override readonly code = 'ShardReadError';
}

export type RunTrigger = 'api' | 'schedule' | 'ingestion';
export type RunStatus = 'starting' | 'running' | 'succeeded' | 'failed';

export interface RunRecord {
  readonly runId: string;
  readonly status: RunStatus;
  readonly trigger: RunTrigger;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly executionArn?: string;
  readonly shardCount?: number;
  readonly shardsDone?: number;
  readonly figures?: RunFigures;
  readonly reportKey?: string;
  readonly error?: string;
}

export interface RunFigures {
  readonly eventsRead: number;
  readonly duplicateEvents: number;
  readonly events: number;
  readonly users: number;
  readonly purchases: number;
  readonly byType: Record<string, number>;
}

export const runKey = (runId: string) => ({ pk: `RUN#${runId}`, sk: 'RUN' });

export interface RunPorts {
  readonly objects: ObjectStore;
  readonly operations: Table;
  readonly rawPrefix: string;
  readonly now?: () => Date;
}

const clock = (ports: { now?: () => Date }) => (ports.now ?? (() => new Date()))().toISOString();

/** Step Functions execution names allow letters, digits, '-' and '_'; the run id is one. */
export function newRunId(now: Date): string {
  return `run-${now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomBytes(4).toString('hex')}`;
}

/** Record a run and start its state machine execution. */
export async function startProfilingRun(
  trigger: RunTrigger,
  ports: { operations: Table; workflow: Workflow; now?: () => Date },
): Promise<RunRecord> {
  const createdAt = clock(ports);
  const runId = newRunId(new Date(createdAt));
  const record: RunRecord = { runId, status: 'starting', trigger, createdAt, updatedAt: createdAt };
  await ports.operations.put({ ...runKey(runId), ...record });
  const { executionArn } = await ports.workflow.start(runId, { runId, trigger });
  await ports.operations.update(runKey(runId), { executionArn });
  return { ...record, executionArn };
}

export async function getRun(runId: string, operations: Table): Promise<RunRecord> {
  const item = await operations.get(runKey(runId));
  if (!item) throw new NotFoundError(`no profiling run ${runId}`);
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as RunRecord;
}

/** First state: list the shards that hold data and write the manifest the Distributed Map reads. */
export async function prepareRun(runId: string, ports: RunPorts) {
  const objects = await ports.objects.list(`${ports.rawPrefix}events/`);
  const shards = new Map<string, { objects: number; bytes: number }>();
  for (const { key, size } of objects) {
    const name = /\/(shard=\d+)\//.exec(key)?.[1];
    if (!name) continue;
    const entry = shards.get(name) ?? { objects: 0, bytes: 0 };
    entry.objects++;
    entry.bytes += size;
    shards.set(name, entry);
  }
  const manifest = [...shards.entries()].sort().map(([shard, stats]) => ({ shard, ...stats }));
  const manifestKey = `runs/${runId}/shards.json`;
  await ports.objects.put(manifestKey, JSON.stringify(manifest), 'application/json');
  await ports.operations.update(runKey(runId), {
    status: 'running',
    shardCount: manifest.length,
    shardsDone: 0,
    updatedAt: clock(ports),
  });
  return { runId, bucket: ports.objects.bucket, manifestKey, shardCount: manifest.length };
}

/** Read every event of a shard, each event once (by id, whichever copy came first). */
export async function readShardEvents(
  shard: string,
  ports: RunPorts,
): Promise<{ events: BehaviourEvent[]; read: number; duplicates: number }> {
  const objects = await ports.objects.list(shardPrefix(ports.rawPrefix, shard));
  const byId = new Map<string, BehaviourEvent>();
  let read = 0;
  for (const { key } of objects) {
    let stream: Awaited<ReturnType<ObjectStore['getStream']>>;
    try {
      stream = await ports.objects.getStream(key);
    } catch (error) {
      throw new ShardReadError(`could not read ${key}: ${(error as Error).message}`);
    }
    for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      if (!line) continue;
      read++;
      const event = JSON.parse(line) as BehaviourEvent;
      if (!byId.has(event.eventId)) byId.set(event.eventId, event);
    }
  }
  return { events: [...byId.values()], read, duplicates: read - byId.size };
}

/** One Distributed Map item: summarize one shard and leave the result in S3 for the last state. */
export async function profileShard(runId: string, shard: string, ports: RunPorts) {
  const { events, read, duplicates } = await readShardEvents(shard, ports);
  const users = new Set<string>();
  const byType: Record<string, number> = {};
  for (const event of events) {
    users.add(event.userId);
    byType[event.type] = (byType[event.type] ?? 0) + 1;
  }
  const figures: RunFigures = {
    eventsRead: read,
    duplicateEvents: duplicates,
    events: events.length,
    users: users.size,
    purchases: byType['purchase'] ?? 0,
    byType,
  };
  await ports.objects.put(`runs/${runId}/shards/${shard}.json`, JSON.stringify(figures), 'application/json');
  await ports.operations.increment(runKey(runId), { shardsDone: 1 });
  return { runId, shard, users: figures.users, events: figures.events };
}

export function addFigures(a: RunFigures, b: RunFigures): RunFigures {
  const byType = { ...a.byType };
  for (const [type, n] of Object.entries(b.byType)) byType[type] = (byType[type] ?? 0) + n;
  return {
    eventsRead: a.eventsRead + b.eventsRead,
    duplicateEvents: a.duplicateEvents + b.duplicateEvents,
    events: a.events + b.events,
    users: a.users + b.users,
    purchases: a.purchases + b.purchases,
    byType,
  };
}

const noFigures: RunFigures = {
  eventsRead: 0,
  duplicateEvents: 0,
  events: 0,
  users: 0,
  purchases: 0,
  byType: {},
};

/** Last state: add up the shards, write the run report, mark the run succeeded. */
export async function finishRun(runId: string, ports: RunPorts) {
  const parts = await ports.objects.list(`runs/${runId}/shards/`);
  let figures = noFigures;
  for (const { key } of parts) {
    const text = await ports.objects.getText(key);
    if (text) figures = addFigures(figures, JSON.parse(text) as RunFigures);
  }
  const reportKey = `runs/${runId}/report.md`;
  await ports.objects.put(reportKey, renderRunReport(runId, figures), 'text/markdown; charset=utf-8');
  await ports.operations.update(runKey(runId), {
    status: 'succeeded',
    figures,
    reportKey,
    updatedAt: clock(ports),
  });
  return { runId, status: 'succeeded', figures, reportKey };
}

/** The Catch path: record why the run failed, then the state machine ends in its Fail state. */
export async function failRun(runId: string, error: { Error?: string; Cause?: string }, ports: RunPorts) {
  const message = [error.Error, error.Cause].filter(Boolean).join(': ') || 'unknown error';
  await ports.operations.update(runKey(runId), {
    status: 'failed',
    error: message.slice(0, 2000),
    updatedAt: clock(ports),
  });
  return { runId, status: 'failed' };
}

export function renderRunReport(runId: string, f: RunFigures): string {
  const rows = Object.entries(f.byType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => `| ${type} | ${n} |`);
  return [
    `# Profiling run ${runId}`,
    '',
    `- events read: ${f.eventsRead} (duplicates dropped: ${f.duplicateEvents})`,
    `- events kept: ${f.events}`,
    `- users: ${f.users}`,
    `- purchases: ${f.purchases}`,
    '',
    '| event type | events |',
    '| --- | ---: |',
    ...rows,
    '',
  ].join('\n');
}
