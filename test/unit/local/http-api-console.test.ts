import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHttpApi } from '../../../local/http-api';
import type { LocalFunctions } from '../../../local/lambdas';

// The API side is a stub: one function answering every route with the route key it got.
const functions = {
  apiFunction: () => ({ arn: 'arn:local:api' }),
  invoke: async (_arn: string, event: { routeKey: string }) => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ route: event.routeKey }),
  }),
} as unknown as LocalFunctions;

let dir: string;
const servers: LocalHttpApi[] = [];

async function start(consoleDir: string): Promise<string> {
  const api = new LocalHttpApi(functions, () => undefined, { consoleDir });
  servers.push(api);
  return api.listen('127.0.0.1', 0);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(join(dirname(dir), 'secret.txt'), 'outside');
});

function dirname(path: string): string {
  return join(path, '..');
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(dirname(dir), 'secret.txt'), { force: true });
});

describe('the local HTTP API serving the console', () => {
  it('serves index.html at / as HTML, not cached, with security headers', async () => {
    const url = await start(dir);
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>console</title>');
  });

  it('serves built assets with their content types, cached as immutable', async () => {
    const url = await start(dir);
    const js = await fetch(`${url}/assets/index-abc.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toBe('console.log(1)');
    const css = await fetch(`${url}/assets/index-abc.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers config.json telling the console to call this origin without authentication', async () => {
    const url = await start(dir);
    const res = await fetch(`${url}/config.json`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ apiUrl: '', auth: 'none' });
  });

  it('answers index.html for an unknown path that accepts HTML (the SPA fallback)', async () => {
    const url = await start(dir);
    const res = await fetch(`${url}/campaigns-board`, { headers: { accept: 'text/html,*/*' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>console</title>');
  });

  it('keeps answering 404 JSON for an unknown path that does not accept HTML', async () => {
    const url = await start(dir);
    const res = await fetch(`${url}/nope`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NotFound', message: 'no route GET /nope' } });
  });

  it('routes API paths to the functions even when the browser asks for HTML', async () => {
    const url = await start(dir);
    const res = await fetch(`${url}/segments`, { headers: { accept: 'text/html' } });
    expect(await res.json()).toEqual({ route: 'GET /segments' });
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toEqual({ route: 'GET /health' });
  });

  it('never serves a file outside the console folder', async () => {
    const url = await start(dir);
    for (const path of ['/..%2Fsecret.txt', '/assets/..%2F..%2Fsecret.txt', '/%2e%2e/secret.txt']) {
      const res = await fetch(`${url}${path}`, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('outside');
    }
  });

  it('says how to build the console when it is not built', async () => {
    const url = await start(join(dir, 'missing'));
    const res = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:console');
  });
});
