import { getRun, listRuns, startProfilingRun } from '../../../functions/profile/runs';
import { createUpload, listUploads, newestFirstKey } from '../../../functions/profile/uploads';
import { MemoryObjectStore, MemoryTable } from '../../support/memory';

const hour = 3600 * 1000;
const t0 = Date.parse('2026-03-01T08:00:00Z');

async function uploadAt(operations: MemoryTable, at: number, fileName: string) {
  return createUpload(
    { fileName, kind: 'events' },
    { objects: new MemoryObjectStore(), operations, batchPrefix: 'batch/', urlTtlSeconds: 900 },
    new Date(at),
  );
}

describe('newestFirstKey', () => {
  it('sorts later times before earlier ones as plain text', () => {
    const keys = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.001Z', '2031-06-01T00:00:00.000Z'].map(
      (at, i) => newestFirstKey(at, `id${i}`),
    );
    expect([...keys].sort()).toEqual([keys[2], keys[1], keys[0]]);
  });

  it('keeps a fixed width so that text order is time order', () => {
    expect(newestFirstKey('2001-01-01T00:00:00Z', 'a').split('#')[0]).toHaveLength(13);
    expect(newestFirstKey('2200-01-01T00:00:00Z', 'a').split('#')[0]).toHaveLength(13);
  });
});

describe('listUploads', () => {
  it('lists uploads newest first, each as its record now stands', async () => {
    const operations = new MemoryTable();
    const first = await uploadAt(operations, t0, 'a.csv');
    const second = await uploadAt(operations, t0 + hour, 'b.csv');
    const third = await uploadAt(operations, t0 + 2 * hour, 'c.csv');
    await operations.update(
      { pk: `UPLOAD#${first.uploadId}`, sk: 'UPLOAD' },
      { status: 'succeeded', rowsRead: 10, accepted: 7, rejected: 2, duplicates: 1, rejectionReportKey: 'k' },
    );

    const uploads = await listUploads(operations, 50);

    expect(uploads.map((u) => u.uploadId)).toEqual([third.uploadId, second.uploadId, first.uploadId]);
    expect(uploads[2]).toMatchObject({
      fileName: 'a.csv',
      status: 'succeeded',
      rowsRead: 10,
      accepted: 7,
      rejected: 2,
      duplicates: 1,
      rejectionReportKey: 'k',
    });
    expect(uploads[0]).not.toHaveProperty('pk');
    expect(uploads[0]).not.toHaveProperty('sk');
  });

  it('returns only the newest `limit` uploads', async () => {
    const operations = new MemoryTable();
    for (let i = 0; i < 5; i++) await uploadAt(operations, t0 + i * hour, `f${i}.csv`);
    const uploads = await listUploads(operations, 2);
    expect(uploads.map((u) => u.fileName)).toEqual(['f4.csv', 'f3.csv']);
  });

  it('returns an empty list when nothing was uploaded', async () => {
    expect(await listUploads(new MemoryTable(), 10)).toEqual([]);
  });
});

describe('listRuns', () => {
  it('lists profiling runs newest first with their status', async () => {
    const operations = new MemoryTable();
    const workflow = { start: jest.fn(async () => ({ executionArn: 'arn' })), describe: jest.fn() };
    // Three hours apart: each earlier run's lock has expired, so each start succeeds.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const run = await startProfilingRun('api', {
        operations,
        workflow,
        now: () => new Date(t0 + i * 3 * hour),
      });
      ids.push(run.runId);
    }
    await operations.update({ pk: `RUN#${ids[0]}`, sk: 'RUN' }, { status: 'succeeded', phase: 'done' });

    const runs = await listRuns(operations, 50);

    expect(runs.map((r) => r.runId)).toEqual([...ids].reverse());
    expect(runs[2]).toEqual(await getRun(ids[0]!, operations));
    expect(runs[2]?.status).toBe('succeeded');
    expect(runs[0]?.status).toBe('starting');
  });

  it('returns only the newest `limit` runs', async () => {
    const operations = new MemoryTable();
    const workflow = { start: jest.fn(async () => ({ executionArn: 'arn' })), describe: jest.fn() };
    for (let i = 0; i < 3; i++) {
      await startProfilingRun('schedule', { operations, workflow, now: () => new Date(t0 + i * 3 * hour) });
    }
    const runs = await listRuns(operations, 1);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.createdAt).toBe(new Date(t0 + 6 * hour).toISOString());
  });
});
