import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mulberry32 } from '../../core/random';

/**
 * Fault injection: the local system runs in a child process on one data folder; the test
 * SIGKILLs it at a seeded point of an upload's ingestion, starts it again on the same folder,
 * and asserts the upload reaches `succeeded` with exactly the counts of an uninterrupted run,
 * and that the raw store holds each accepted event once. (On dynalite: the child's DynamoDB is
 * in its process, so the kill stops it too; DynamoDB Local's Java process would outlive it,
 * so this runs in the dynalite pass of the e2e suite only.)
 */
jest.setTimeout(240_000);

interface Child {
  readonly process: ChildProcess;
  readonly apiUrl: string;
  readonly s3: string;
  readonly bucket: string;
}

const script = path.join(__dirname, '..', 'support', 'local-child.ts');

async function startChild(dataDir: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TAILOR_DYNAMODB: 'dynalite' },
  });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"apiUrl"'));
      if (line) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ process: child, ...JSON.parse(line) });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`local system exited (${code}): ${err}`)));
  });
}

async function kill(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const gone = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.kill('SIGKILL');
  await gone;
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  return (await response.json()) as Record<string, unknown>;
}

/**
 * `rows` event rows, seeded: about 1 in 400 repeats an earlier row's event id (a duplicate),
 * about 1 in 1,000 has a broken timestamp (rejected). Answers the file and its true counts.
 */
function eventsFile(rows: number, seed: number) {
  const random = mulberry32(seed);
  const lines = ['eventId,userId,type,productId,orderId,timestamp,quantity,price'];
  let rejected = 0;
  let duplicates = 0;
  const ids: string[] = [];
  for (let i = 0; i < rows; i++) {
    const user = `u${Math.floor(random() * 5000)}`;
    const r = random();
    if (r < 0.001) {
      lines.push(`bad-${i},${user},view,p${i % 50},,not-a-date,,`);
      rejected++;
    } else if (r < 0.0035 && ids.length > 0) {
      const id = ids[Math.floor(random() * ids.length)];
      lines.push(`${id},${user},view,p${i % 50},,2026-01-02T10:00:00Z,,`);
      duplicates++;
    } else {
      const id = `ev-${seed}-${i}`;
      ids.push(id);
      lines.push(`${id},${user},view,p${i % 50},,2026-01-02T10:00:00Z,,`);
    }
  }
  return {
    text: `${lines.join('\n')}\n`,
    rowsRead: rows,
    rejected,
    duplicates,
    accepted: rows - rejected - duplicates,
  };
}

let dataDir: string;
let child: Child | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'tailor-crash-'));
});

afterAll(async () => {
  if (child) await kill(child);
  rmSync(dataDir, { recursive: true, force: true });
});

// The child runs on dynalite whatever the suite's engine: run it once, in the dynalite pass.
const onDynalite = (process.env['TAILOR_DYNAMODB'] ?? 'dynalite') === 'dynalite';

(onDynalite ? describe : describe.skip)('a SIGKILL during ingestion', () => {
  it('ends, after a restart on the same data, in succeeded with the uninterrupted counts', async () => {
    const seed = 15;
    const file = eventsFile(160_000, seed);
    child = await startChild(dataDir);
    const created = (await (
      await fetch(`${child.apiUrl}/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fileName: 'events.csv', profile: false }),
      })
    ).json()) as { uploadId: string; uploadUrl: string };
    expect((await fetch(created.uploadUrl, { method: 'PUT', body: file.text })).status).toBe(200);

    // The kill point: the first progress record (50,000 rows read), mid-file.
    const uploadUrl = () => `${child!.apiUrl}/uploads/${created.uploadId}`;
    let seen: Record<string, unknown> = {};
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      seen = await getJson(uploadUrl());
      const waiting = seen['status'] === 'awaiting-upload';
      if (!waiting && (seen['status'] !== 'ingesting' || Number(seen['rowsRead'] ?? 0) >= 50_000)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await kill(child);
    expect(seen).toMatchObject({ status: 'ingesting' });
    expect(Number(seen['rowsRead'])).toBeGreaterThanOrEqual(50_000);
    expect(Number(seen['rowsRead'])).toBeLessThan(file.rowsRead);

    child = await startChild(dataDir);
    let done: Record<string, unknown> = {};
    for (const deadline = Date.now() + 150_000; Date.now() < deadline; ) {
      done = await getJson(uploadUrl());
      if (done['status'] !== 'ingesting') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(done).toMatchObject({
      status: 'succeeded',
      rowsRead: file.rowsRead,
      accepted: file.accepted,
      rejected: file.rejected,
      duplicates: file.duplicates,
    });
    expect(file.rejected).toBeGreaterThan(0);
    expect(file.duplicates).toBeGreaterThan(0);

    // The raw store holds every accepted event once: the retried parts replaced the first ones.
    const s3 = new S3Client({
      endpoint: child.s3,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    let stored = 0;
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: child.bucket, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key?.includes(`upload-${created.uploadId}-`)) continue;
        const body = await s3.send(new GetObjectCommand({ Bucket: child.bucket, Key: object.Key }));
        stored += ((await body.Body?.transformToString()) ?? '').split('\n').filter(Boolean).length;
      }
      token = page.NextContinuationToken;
    } while (token);
    expect(stored).toBe(file.accepted);
    s3.destroy();
  });
});
