/**
 * Latency of the generate path on the local model endpoint, per backend: POST /generate (the
 * real handler, its SageMaker Runtime client, guardrails and rendering) against the local
 * SageMaker-protocol server, backed by the embedded generator (the reference, measured in the
 * same run) and by a GGUF model through node-llama-cpp.
 *
 *   npx tsx bench/generate-latency.ts [--requests 40] [--model FILE.gguf] [--threads 1] [--gpu cpu]
 *
 * Without --model the GGUF backend runs the tiny random-weight model the tests build
 * (test/support/tiny-gguf.ts): its copy is nonsense, so its figures measure the runtime (prompt
 * evaluation of a byte-level vocabulary, grammar-constrained sampling, the queue), not a real
 * model's speed. With --model, a real instruct model (`tailor model pull`) is measured.
 * Requests are sent one after another (the backend queues them anyway); the first request of
 * each backend is a warm-up and not counted. Tokens per second are the completion tokens the
 * endpoint reports over the wall time of direct invocations (prompt evaluation included).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { table } from '../cli/output';
import { api } from '../functions/generate/handler';
import { buildChatRequest } from '../functions/generate/prompt';
import { resetClients } from '../functions/shared/clients';
import { resetConfig } from '../functions/shared/config';
import type { GenerationBackend } from '../model/backend';
import { ggufBackend } from '../model/backends';
import { type BriefProduct, type CopyBrief, chatResponseSchema } from '../model/contract';
import { embeddedBackend } from '../model/embedded';
import { startModelServer } from '../model/server';
import { buildTinyModel } from '../test/support/tiny-gguf';
import { progress, ratio } from './lib/timing';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '40' },
    model: { type: 'string' },
    threads: { type: 'string', default: '1' },
    gpu: { type: 'string', default: 'cpu' },
  },
});
const requests = Number(values.requests);
const log = progress();

const products: BriefProduct[] = [
  { productId: 'p1', title: 'Acme Trail Runner 2', category: 'Running shoes', price: 89.9, brand: 'Acme' },
  {
    productId: 'p2',
    title: 'Linen Shirt',
    category: 'Shirts',
    price: 39.5,
    brand: 'Northwind',
    attributes: { colour: 'blue' },
  },
  {
    productId: 'p3',
    title: '纯棉直筒裤',
    category: '裤子',
    price: 259,
    attributes: { 材质: '纯棉', 版型: '直筒' },
  },
];
const goals = ['promotion', 'recommendation', 'new_arrival'] as const;

function request(i: number) {
  const product = products[i % products.length]!;
  return {
    products: [product],
    goal: goals[i % goals.length],
    channel: 'push',
    language: product.productId === 'p3' ? 'zh' : 'en',
    seed: 100 + i,
  };
}

function event(body: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /generate',
    rawPath: '/generate',
    body: JSON.stringify(body),
    requestContext: { requestId: 'bench', http: { method: 'POST', path: '/generate' } },
    headers: {},
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

interface Measured {
  readonly name: string;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly ok: number;
  readonly kept: number;
  readonly dropped: number;
  readonly tokensPerSecond?: number;
  readonly sample?: string;
}

async function measure(name: string, backend: GenerationBackend): Promise<Measured> {
  const loadStart = performance.now();
  const server = await startModelServer({ backend, endpointName: 'tailor-copy' });
  log(`${name}: ready in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
  Object.assign(process.env, {
    MODEL_ENDPOINT_NAME: 'tailor-copy',
    CATALOG_TABLE: 'catalog',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: server.url,
    LOG_LEVEL: 'SILENT',
  });
  resetConfig();
  resetClients();
  const context = { functionName: 'generate', awsRequestId: 'bench' } as Context;
  const times: number[] = [];
  let ok = 0;
  let kept = 0;
  let dropped = 0;
  let sample: string | undefined;
  for (let i = 0; i <= requests; i++) {
    const start = performance.now();
    const result = (await api(event(request(i)), context)) as APIGatewayProxyStructuredResultV2;
    const ms = performance.now() - start;
    if (i === 0) continue; // warm-up
    times.push(ms);
    const body = JSON.parse(result.body ?? '{}');
    if (result.statusCode === 200) {
      ok++;
      kept += body.variants.length;
      dropped += body.dropped.length;
      sample ??= JSON.stringify({
        variants: body.variants.map((v: { headline: string; body: string; callToAction: string }) => ({
          headline: v.headline,
          body: v.body,
          callToAction: v.callToAction,
        })),
        dropped: body.dropped,
      });
    }
  }
  // Tokens per second, from the endpoint's own usage figures.
  let tokensPerSecond: number | undefined;
  if (backend.name === 'gguf') {
    let tokens = 0;
    let seconds = 0;
    for (let i = 0; i < Math.min(requests, 10); i++) {
      const brief: CopyBrief = {
        language: 'en',
        goal: 'promotion',
        channel: 'push',
        tone: 'friendly',
        variants: 1,
        products: [products[0]!],
      };
      const start = performance.now();
      const answer = await fetch(`${server.url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(buildChatRequest(brief, 500 + i)),
      });
      const parsed = chatResponseSchema.parse(await answer.json());
      seconds += (performance.now() - start) / 1000;
      tokens += parsed.usage.completion_tokens;
    }
    tokensPerSecond = tokens / seconds;
  }
  await server.close();
  const sorted = [...times].sort((a, b) => a - b);
  return {
    name,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    mean: times.reduce((a, b) => a + b, 0) / times.length,
    ok,
    kept,
    dropped,
    ...(tokensPerSecond !== undefined ? { tokensPerSecond } : {}),
    ...(sample ? { sample } : {}),
  };
}

const dir = mkdtempSync(path.join(tmpdir(), 'tailor-bench-gguf-'));
try {
  let modelPath = values.model;
  if (!modelPath) {
    modelPath = path.join(dir, 'tiny.gguf');
    writeFileSync(modelPath, buildTinyModel());
  }
  const embedded = await measure('embedded', embeddedBackend());
  const gpu = values.gpu === 'cpu' ? false : (values.gpu as 'auto');
  const gguf = await measure(
    `gguf (${values.model ? path.basename(values.model) : 'tiny random llama, 2×64'})`,
    ggufBackend({ modelPath, gpu, threads: Number(values.threads) }),
  );
  console.log(
    `POST /generate through the local SageMaker-protocol endpoint, ${requests} requests each (one variant, push, en/zh), after one warm-up`,
  );
  console.log(
    table(
      [
        'backend',
        'p50 ms',
        'p99 ms',
        'mean ms',
        '200s',
        'kept',
        'dropped',
        'completion tok/s',
        'p50 vs embedded',
      ],
      [embedded, gguf].map((m) => [
        m.name,
        m.p50.toFixed(1),
        m.p99.toFixed(1),
        m.mean.toFixed(1),
        `${m.ok}/${requests}`,
        m.kept,
        m.dropped,
        m.tokensPerSecond?.toFixed(1) ?? '–',
        ratio(m.p50, embedded.p50),
      ]),
    ),
  );
  console.log(`gguf sample answer (after guardrails): ${gguf.sample}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
