import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { api } from '../../functions/generate/handler';
import { buildChatRequest } from '../../functions/generate/prompt';
import { resetClients } from '../../functions/shared/clients';
import { resetConfig } from '../../functions/shared/config';
import { type CopyBrief, parseCompletionDetails } from '../../model/contract';
import { buildTinyModel } from '../support/tiny-gguf';

/**
 * A real language model in the loop, offline: the test writes a tiny llama-architecture GGUF
 * (test/support/tiny-gguf.ts), the local model server loads it through node-llama-cpp in its
 * own process (model/serve.ts, which `tailor model serve` runs, with the backend `npm start` uses with TAILOR_MODEL_BACKEND=gguf),
 * and POST /generate runs through the SageMaker protocol on it. The weights are random, so the
 * copy is nonsense; what is proven is the loading code, the chat template, the grammar that
 * makes any weights answer contract-valid JSON, and the guardrails judging what comes out.
 *
 * node-llama-cpp is ESM with a native binding, which Jest's CommonJS runtime cannot load: that is
 * one more reason the model runs in a child process, as the serving container does on AWS.
 */
jest.setTimeout(120_000);

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
let dir: string;
let modelFile: string;
let server: ChildProcessWithoutNullStreams | undefined;
let endpoint: string;

/** `tailor model serve` on a free port; resolves with its URL, or rejects with what it printed. */
function serve(model: string): Promise<{ url: string; child: ChildProcessWithoutNullStreams }> {
  const child = spawn(tsx, ['model/serve.ts', '--model', model, '--port', '0'], {
    cwd: root,
    // The CPU build, one thread: the test's timing does not depend on how busy the machine is
    // (llama.cpp's threads spin-wait, which stalls when cores are oversubscribed).
    env: { ...process.env, TAILOR_MODEL_GPU: 'cpu', TAILOR_MODEL_THREADS: '1' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /Model endpoint (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ url, child });
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(Object.assign(new Error(err.trim() || out.trim()), { code })));
  });
}

/** The exit code and output of a start that should fail. */
async function refused(model: string): Promise<{ code: number; stderr: string }> {
  try {
    const { child } = await serve(model);
    child.kill();
    throw new Error(`${model} was served`);
  } catch (error) {
    return { code: (error as { code: number }).code, stderr: (error as Error).message };
  }
}

/** The refused starts, begun in beforeAll beside the good one (each costs a process start). */
const refusals = new Map<string, Promise<{ code: number; stderr: string }>>();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tailor-gguf-'));
  modelFile = path.join(dir, 'tiny.gguf');
  writeFileSync(modelFile, buildTinyModel());
  const cut = path.join(dir, 'cut.gguf');
  writeFileSync(cut, buildTinyModel().subarray(0, 300_000));
  const alien = path.join(dir, 'alien.gguf');
  writeFileSync(alien, buildTinyModel({ architecture: 'tailorformer' }));
  refusals.set('cut', refused(cut));
  refusals.set('alien', refused(alien));
  const started = await serve(modelFile);
  server = started.child;
  endpoint = started.url;
  process.env['MODEL_ENDPOINT_NAME'] = 'tailor-copy';
  process.env['CATALOG_TABLE'] = 'catalog';
  process.env['AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME'] = endpoint;
  process.env['AWS_ACCESS_KEY_ID'] = 'local';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'local';
  process.env['LOG_LEVEL'] = 'SILENT';
  resetConfig();
  resetClients();
});

afterAll(() => {
  server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const brief: CopyBrief = {
  language: 'en',
  goal: 'promotion',
  channel: 'push',
  tone: 'friendly',
  variants: 1,
  products: [
    { productId: 'p1', title: 'Acme Trail Runner 2', category: 'Running shoes', price: 89.9, brand: 'Acme' },
  ],
};

test('the tiny model answers contract-valid copy JSON under the grammar, for every seed tried', async () => {
  const client = new SageMakerRuntimeClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  for (const seed of [1, 2, 3]) {
    const answer = await client.send(
      new InvokeEndpointCommand({
        EndpointName: 'tailor-copy',
        ContentType: 'application/json',
        Body: new TextEncoder().encode(JSON.stringify(buildChatRequest(brief, seed))),
      }),
    );
    // Throws unless the envelope and the copy parse strictly and the answer was not cut off.
    const parsed = parseCompletionDetails(answer.Body!);
    expect(parsed.model).toBe('tailor-tiny-test');
    expect(parsed.output.variants).toHaveLength(1);
    expect(parsed.usage.prompt_tokens).toBeGreaterThan(1000); // the byte-level vocabulary: one token per byte
    expect(parsed.usage.completion_tokens).toBeGreaterThan(40);
  }
  client.destroy();
});

test('POST /generate runs on the GGUF model through the SageMaker protocol, and the guardrails judge its copy', async () => {
  const event = {
    version: '2.0',
    routeKey: 'POST /generate',
    rawPath: '/generate',
    body: JSON.stringify({
      products: brief.products,
      goal: 'promotion',
      channel: 'push',
      language: 'en',
      seed: 5,
    }),
    requestContext: { requestId: 'r1', http: { method: 'POST', path: '/generate' } },
    headers: {},
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const result = (await api(event, {
    functionName: 'generate',
    awsRequestId: 'r1',
  } as Context)) as APIGatewayProxyStructuredResultV2;
  const body = JSON.parse(result.body ?? '{}');
  expect(result.statusCode).toBe(200);
  expect(body.backend).toBe('tailor-tiny-test');
  expect(body.fallback).toBeUndefined();
  // Every variant the model wrote was judged: kept with every check passed, or dropped with why.
  const judged = body.variants.length + body.dropped.length;
  expect(judged).toBeGreaterThanOrEqual(1);
  for (const v of body.variants) {
    expect(v.checks.length).toBeGreaterThan(3);
    expect(v.checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
  }
  for (const d of body.dropped) expect(d.reason).toMatch(/\w+: /);
});

// Missing, unreadable and not-GGUF files are refused by the same header check, in-process:
// test/unit/model/gguf.test.ts.
describe('a bad model file is refused at start in one line naming it', () => {
  const oneLine = (stderr: string, file: string, reason: RegExp) => {
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toContain(file);
    expect(stderr).toMatch(reason);
    expect(stderr).not.toMatch(/\n\s+at /);
  };

  test('corrupt: cut short in its tensor data', async () => {
    const file = path.join(dir, 'cut.gguf');
    const { code, stderr } = await refusals.get('cut')!;
    expect(code).toBe(1);
    oneLine(stderr, file, /is corrupt: tensor .* ends at byte \d+ but the file has 300000/);
  });

  test('an architecture llama.cpp cannot load', async () => {
    const file = path.join(dir, 'alien.gguf');
    const { code, stderr } = await refusals.get('alien')!;
    expect(code).toBe(1);
    oneLine(stderr, file, /unknown model architecture: 'tailorformer'/);
  });
});
