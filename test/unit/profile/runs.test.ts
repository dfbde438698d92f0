import { acceptEvents } from '../../../functions/profile/events';
import {
  failRun,
  finishRun,
  prepareRun,
  profileShard,
  startProfilingRun,
} from '../../../functions/profile/runs';
import { MemoryObjectStore, MemoryTable } from '../../support/memory';

describe('a profiling run, step by step', () => {
  it('lists shards, summarizes each once per event, and reports the totals', async () => {
    const objects = new MemoryObjectStore();
    const operations = new MemoryTable();
    const ports = { objects, operations, rawPrefix: 'raw/' };
    const events = ['u1', 'u2', 'u3', 'u1'].map((userId, i) => ({
      eventId: `e${i}`,
      userId,
      type: i % 2 ? 'view' : 'purchase',
      productId: 'p',
      timestamp: '2026-01-01T00:00:00Z',
    }));
    await acceptEvents(events, { ...ports, shards: 2, dedupTtlDays: 1 }, 'a');
    // The same events arriving through a second path (a file) are counted once by the run.
    await acceptEvents(events, { ...ports, operations: new MemoryTable(), shards: 2, dedupTtlDays: 1 }, 'b');

    const workflow = { start: jest.fn(async () => ({ executionArn: 'arn:exec' })), describe: jest.fn() };
    const run = await startProfilingRun('api', { operations, workflow });
    expect(workflow.start).toHaveBeenCalledWith(run.runId, { runId: run.runId, trigger: 'api' });

    const prepared = await prepareRun(run.runId, ports);
    const manifest = JSON.parse(objects.text(prepared.manifestKey) ?? '[]') as Array<{ shard: string }>;
    expect(manifest.length).toBe(prepared.shardCount);
    for (const item of manifest) await profileShard(run.runId, item.shard, ports);
    const finished = await finishRun(run.runId, ports);

    expect(finished.figures).toMatchObject({
      eventsRead: 8,
      duplicateEvents: 4,
      events: 4,
      users: 3,
      purchases: 2,
    });
    expect(await operations.get({ pk: `RUN#${run.runId}`, sk: 'RUN' })).toMatchObject({
      status: 'succeeded',
      shardsDone: manifest.length,
    });
    expect(objects.text(finished.reportKey)).toContain('users: 3');
  });

  it('records the error of a failed run', async () => {
    const operations = new MemoryTable();
    const ports = { objects: new MemoryObjectStore(), operations, rawPrefix: 'raw/' };
    await failRun('run-1', { Error: 'ShardReadError', Cause: 'could not read' }, ports);
    expect(await operations.get({ pk: 'RUN#run-1', sk: 'RUN' })).toMatchObject({
      status: 'failed',
      error: 'ShardReadError: could not read',
    });
  });
});
