import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PullError, pullModel, readManifest } from '../../../model/pull';

/**
 * `tailor model pull` against a local server that behaves as Hugging Face does: the resolve URL
 * redirects to a CDN URL, declaring the file's SHA-256 and size in X-Linked-Etag / X-Linked-Size;
 * the CDN honours Range requests. It can cut a connection partway, or declare a wrong digest.
 */
const payload = Buffer.alloc(300_000);
for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) % 251;
const digest = createHash('sha256').update(payload).digest('hex');

let server: Server;
let base: string;
let dir: string;
const behaviour = { cutAfter: 0, etag: digest, ranges: [] as string[] };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tailor-pull-'));
  server = createServer((req, res) => {
    if (req.url === '/repo/resolve/main/model.gguf') {
      res.writeHead(302, {
        location: '/cdn/model.gguf',
        'x-linked-etag': `"${behaviour.etag}"`,
        'x-linked-size': String(payload.length),
      });
      res.end();
      return;
    }
    if (req.url !== '/cdn/model.gguf') {
      res.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    behaviour.ranges.push(req.headers.range ?? 'none');
    const from = range ? Number(range[1]) : 0;
    const body = payload.subarray(from);
    res.writeHead(range ? 206 : 200, {
      'content-length': body.length,
      ...(range ? { 'content-range': `bytes ${from}-${payload.length - 1}/${payload.length}` } : {}),
    });
    if (behaviour.cutAfter > 0) {
      // Send part of the body, then drop the connection (after a pause: a body stream that errors
      // drops the chunks it has not handed out yet).
      res.write(body.subarray(0, behaviour.cutAfter), () => setTimeout(() => res.socket?.destroy(), 500));
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  behaviour.cutAfter = 0;
  behaviour.etag = digest;
  behaviour.ranges = [];
});

test('downloads through the redirect, checks the declared SHA-256 and size, and records them', async () => {
  const dest = path.join(dir, 'a', 'model.gguf');
  const progress: number[] = [];
  const result = await pullModel({
    url: `${base}/repo/resolve/main/model.gguf`,
    dest,
    onProgress: (done) => progress.push(done),
  });
  expect(result).toMatchObject({
    bytes: payload.length,
    sha256: digest,
    verifiedBy: 'server',
    resumedFrom: 0,
  });
  expect(readFileSync(dest).equals(payload)).toBe(true);
  expect(existsSync(`${dest}.part`)).toBe(false);
  expect(progress.at(-1)).toBe(payload.length);
  expect(await readManifest(dest)).toMatchObject({
    sha256: digest,
    bytes: payload.length,
    verifiedBy: 'server',
  });
});

test('resumes with an HTTP Range request after the connection is cut', async () => {
  const dest = path.join(dir, 'b', 'model.gguf');
  const url = `${base}/repo/resolve/main/model.gguf`;
  behaviour.cutAfter = 100_000;
  const first = await pullModel({ url, dest }).catch((e: unknown) => e);
  expect(first).toBeInstanceOf(PullError);
  expect((first as Error).message).toMatch(
    /stopped at \d+ of 300000 bytes.*run the same command again to resume/,
  );
  const kept = statSync(`${dest}.part`).size;
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(payload.length);

  behaviour.cutAfter = 0;
  const second = await pullModel({ url, dest });
  expect(behaviour.ranges).toEqual(['none', `bytes=${kept}-`]);
  expect(second).toMatchObject({ resumedFrom: kept, bytes: payload.length, sha256: digest });
  expect(readFileSync(dest).equals(payload)).toBe(true);
});

test('refuses a file whose SHA-256 does not match, and removes it', async () => {
  const dest = path.join(dir, 'c', 'model.gguf');
  behaviour.etag = 'f'.repeat(64);
  await expect(pullModel({ url: `${base}/repo/resolve/main/model.gguf`, dest })).rejects.toThrow(
    new PullError(
      `SHA-256 mismatch for model.gguf: expected ${'f'.repeat(64)}, got ${digest}; the file was removed`,
    ),
  );
  expect(existsSync(dest)).toBe(false);
  expect(existsSync(`${dest}.part`)).toBe(false);
});

test("the catalog's digest, when it has one, is the one checked", async () => {
  const dest = path.join(dir, 'd', 'model.gguf');
  await expect(
    pullModel({ url: `${base}/repo/resolve/main/model.gguf`, dest, sha256: '0'.repeat(64) }),
  ).rejects.toThrow(/SHA-256 mismatch/);
  const ok = await pullModel({ url: `${base}/repo/resolve/main/model.gguf`, dest, sha256: digest });
  expect(ok.verifiedBy).toBe('catalog');
});

test('a server that cannot be reached is one PullError naming the host', async () => {
  const dest = path.join(dir, 'e', 'model.gguf');
  // A port nothing listens on: bind one, close it, use it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  await expect(pullModel({ url: `http://127.0.0.1:${port}/x.gguf`, dest })).rejects.toThrow(
    new PullError(`cannot reach 127.0.0.1:${port} (ECONNREFUSED)`),
  );
  writeFileSync(path.join(dir, 'marker'), '');
});
