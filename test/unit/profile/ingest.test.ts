import { gzipSync } from 'node:zlib';
import { ingestObject } from '../../../functions/profile/ingest';
import { MemoryObjectStore, MemoryTable } from '../../support/memory';

function setup() {
  const objects = new MemoryObjectStore();
  const operations = new MemoryTable();
  const catalog = new MemoryTable(['productId']);
  const ports = { objects, operations, catalog, batchPrefix: 'batch/', rawPrefix: 'raw/', shards: 4 };
  const ingest = async (key: string, body: string | Buffer, etag = key) => {
    await objects.put(key, body);
    return ingestObject({ key, etag, size: Buffer.byteLength(body) }, ports);
  };
  return { objects, operations, catalog, ingest };
}

const csv = [
  'userId,type,productId,timestamp,quantity,price',
  'u1,purchase,p1,2026-01-01T10:00:00Z,2,9.5',
  'u2,view,p2,2026-01-01T11:00:00Z,,',
  'u3,purchase,,2026-01-01T12:00:00Z,1,3',
  'u1,purchase,p1,2026-01-01T10:00:00Z,2,9.5',
  'u4,view,p9,not-a-date,,',
].join('\n');

describe('ingestObject', () => {
  it('accepts good CSV rows, rejects bad ones with their line numbers, and the counts add up', async () => {
    const { objects, ingest } = setup();
    const summary = await ingest('batch/upload-0001/events.csv', csv);
    expect(summary).toMatchObject({
      status: 'succeeded',
      rowsRead: 5,
      accepted: 2,
      rejected: 2,
      duplicates: 1,
    });
    const report = objects
      .text('batch/upload-0001/events.csv.rejected.jsonl')
      ?.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(report).toEqual([
      { line: 4, reason: 'productId: required for a purchase event' },
      { line: 6, reason: expect.stringMatching(/^timestamp: /) },
    ]);
    expect(JSON.parse(objects.text('batch/upload-0001/events.csv.summary.json') ?? '{}')).toMatchObject({
      rowsRead: 5,
    });
  });

  it('reads gzip-compressed JSON Lines and reports lines that are not JSON', async () => {
    const { ingest } = setup();
    const lines = [
      JSON.stringify({ userId: 'u1', type: 'view', productId: 'p1', timestamp: 1767225600000 }),
      '{not json',
      '',
      JSON.stringify({ userId: 'u2', type: 'search', text: 'red shoes', timestamp: '2026-01-01T00:00:00Z' }),
    ].join('\n');
    const summary = await ingest('batch/upload-0002/events.jsonl.gz', gzipSync(lines));
    expect(summary).toMatchObject({ status: 'succeeded', rowsRead: 3, accepted: 2, rejected: 1 });
  });

  it('records the same file uploaded again as a duplicate without counting its rows', async () => {
    const { ingest, operations } = setup();
    await ingest('batch/upload-0003/a.csv', csv, 'same-etag');
    const again = await ingest('batch/upload-0004/a.csv', csv, 'same-etag');
    expect(again).toMatchObject({ status: 'duplicate', duplicateOf: 'upload-0003', accepted: 0 });
    expect(await operations.get({ pk: 'UPLOAD#upload-0004', sk: 'UPLOAD' })).toMatchObject({
      status: 'duplicate',
    });
  });

  it('fails the whole file, with a reason, when it is neither CSV nor JSON Lines', async () => {
    const { ingest } = setup();
    expect(await ingest('batch/upload-0005/events.xlsx', 'PK...')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/unsupported file type/),
    });
  });

  it('fails the whole file when its gzip stream is broken', async () => {
    const { ingest } = setup();
    const broken = gzipSync(csv).subarray(0, 40);
    expect(await ingest('batch/upload-0006/events.csv.gz', broken)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/could not read the file/),
    });
  });

  it('upserts catalog rows for a products upload', async () => {
    const { ingest, operations, catalog } = setup();
    await operations.put({ pk: 'UPLOAD#upload-0007', sk: 'UPLOAD', kind: 'products' });
    const products = 'productId,title,category,price,brand\np1,Red Shoe,shoes,49.9,Acme\np2,,shoes,1,\n';
    expect(await ingest('batch/upload-0007/catalog.csv', products)).toMatchObject({
      accepted: 1,
      rejected: 1,
    });
    expect(await catalog.get({ productId: 'p1' })).toMatchObject({ title: 'Red Shoe', price: 49.9 });
  });

  it('ignores the reports it writes itself', async () => {
    const { ingest } = setup();
    expect(await ingest('batch/upload-0008/events.csv.rejected.jsonl', '{}')).toBeUndefined();
  });
});
