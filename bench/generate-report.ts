/**
 * The generation report: 200 requests across goals × channels × languages, then the speed of
 * the embedded generator, of generateCopy in-process, and of POST /generate on the local system.
 *
 *   npx tsx bench/generate-report.ts [--requests 200] [--variants 3] [--seed 11]
 *
 * Request i: language (zh, en) alternating, goal cycling within it, channel cycling over the
 * 12 language × goal pairs, so 200 requests cover all 60 combinations. English requests feature
 * a seeded sample of Myntra products, Chinese ones AdvertiseGen attribute sets (price 0: the
 * data has none), one product each; every request carries a persona with two interests and a
 * tone. Quality figures are over the variants generateCopy returns (catalog and model ports in
 * memory, the model port calling completeEmbedded); the pass rate is returned over reviewed.
 *
 * Speed: variants per second of completeEmbedded alone on the 200 prepared chat requests
 * (repeated for at least two seconds); p50/p99 of generateCopy per request in-process; p50/p99
 * of POST /generate through the local system (startLocal, in memory, every port 0; products
 * inline; requests sent one after another).
 */
import { parseArgs } from 'node:util';
import { table } from '../cli/output';
import { Rng } from '../core/random';
import {
  type CatalogPort,
  type GenerateResult,
  generateCopy,
  type ModelPort,
  toBrief,
} from '../functions/generate/core';
import { buildChatRequest } from '../functions/generate/prompt';
import type { GenerateInput, Product } from '../functions/generate/schema';
import { startLocal } from '../local/runtime';
import { type ChatRequest, channels, goals, languages } from '../model/contract';
import { completeEmbedded } from '../model/embedded';
import {
  advertiseGenProduct,
  generateInput,
  loadAdvertiseGen,
  loadMyntra,
  productType,
  sampleIndices,
} from './generate-data';
import { distinctN, quantile, tokenize } from './lib/text-metrics';
import { progress } from './lib/timing';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200' },
    variants: { type: 'string', default: '3' },
    seed: { type: 'string', default: '11' },
  },
});
const count = Number(values.requests);
const seed = Number(values.seed);
const log = progress();
const rng = new Rng(seed);

const interests = {
  en: ['running', 'street style', 'office wear', 'travel', 'yoga', 'festive looks', 'sneakers', 'denim'],
  zh: ['复古风', '通勤穿搭', '户外运动', '文艺风', '约会', '旅行', '极简主义', '甜美风'],
} as const;
const labels = { en: 'Style-conscious shopper', zh: '时尚达人' } as const;
const tones = ['friendly', 'playful', 'premium', 'warm'];

const myntra = loadMyntra();
const adgen = loadAdvertiseGen();
const enProducts = sampleIndices(myntra.length, count, rng).map((i) => myntra[i]!.product);
const zhProducts = sampleIndices(adgen.length, count, rng).map((i) =>
  advertiseGenProduct(adgen[i]!, `adgen-${i}`),
);

interface Case {
  readonly input: GenerateInput;
  readonly product: Product;
  readonly body: Record<string, unknown>;
}

const cases: Case[] = Array.from({ length: count }, (_, i) => {
  const language = languages[i % languages.length]!;
  const goal = goals[Math.floor(i / languages.length) % goals.length]!;
  const channel = channels[Math.floor(i / (languages.length * goals.length)) % channels.length]!;
  const product = (language === 'en' ? enProducts : zhProducts)[i]!;
  const pool = interests[language];
  const picked = rng.shuffle(pool).slice(0, 2);
  const body = {
    products: [product],
    goal,
    channel,
    language,
    tone: tones[i % tones.length]!,
    variants: Number(values.variants),
    persona: { label: labels[language], interests: picked },
    seed: 5000 + i,
  };
  return { input: generateInput(body), product, body };
});

const noCatalog: CatalogPort = { getProducts: async () => [] };
const modelPort: ModelPort = {
  invoke: async (request) => new TextEncoder().encode(JSON.stringify(completeEmbedded(request))),
};

// ---------------------------------------------------------------------------------------------
// Quality, and generateCopy latency in-process
// ---------------------------------------------------------------------------------------------

const results: GenerateResult[] = [];
const inProcessMs: number[] = [];
for (const c of cases) await generateCopy(c.input, { catalog: noCatalog, model: modelPort }); // warm-up
for (const c of cases) {
  const start = performance.now();
  results.push(await generateCopy(c.input, { catalog: noCatalog, model: modelPort }));
  inProcessMs.push(performance.now() - start);
}
log(`${results.length} requests through generateCopy`);

interface Variant {
  readonly c: Case;
  readonly headline: string;
  readonly body: string;
  readonly callToAction: string;
  readonly factsUsed: readonly string[];
}
const variants: Variant[] = results.flatMap((r, i) => r.variants.map((v) => ({ c: cases[i]!, ...v })));
const reviewed = results.reduce((n, r) => n + r.variants.length + r.dropped.length, 0);
const text = (v: Variant) => `${v.headline}\n${v.body}`;
const has = (t: string, term: string | undefined) =>
  term !== undefined && term !== '' && t.toLowerCase().includes(term.toLowerCase());
const pct = (n: number, of: number) => (of === 0 ? '–' : ((n / of) * 100).toFixed(1));

function qualityRow(label: string, vs: readonly Variant[], language: 'en' | 'zh' | 'all') {
  const share = (pred: (v: Variant) => boolean) => pct(vs.filter(pred).length, vs.length);
  const bigrams = (lang: 'en' | 'zh') =>
    distinctN(
      vs.filter((v) => v.c.input.language === lang).map((v) => tokenize(text(v), lang)),
      2,
    );
  const d2 =
    language === 'all'
      ? `en ${pct(bigrams('en'), 1)} / zh ${pct(bigrams('zh'), 1)}`
      : pct(bigrams(language), 1);
  return [
    label,
    vs.length,
    pct(new Set(vs.map((v) => v.headline)).size, vs.length),
    pct(new Set(vs.map((v) => v.body)).size, vs.length),
    d2,
    share((v) => (v.c.input.persona?.interests ?? []).some((t) => has(text(v), t))),
    share((v) => has(text(v), v.c.product.title)),
    share((v) => has(text(v), v.c.product.brand ?? v.c.product.category)),
    share((v) =>
      v.c.input.language === 'en'
        ? has(text(v), productType(v.c.product.title))
        : has(text(v), v.c.product.category),
    ),
    share((v) => has(text(v), String(v.c.product.price))),
    share((v) => Object.values(v.c.product.attributes ?? {}).some((a) => has(text(v), String(a)))),
    share((v) => v.factsUsed.every((f) => has(`${text(v)}\n${v.callToAction}`, f))),
  ];
}

const failures = new Map<string, number>();
for (const r of results) {
  for (const d of r.dropped) {
    for (const part of d.reason.split('; ')) {
      const rule = part.split(':')[0]!;
      failures.set(rule, (failures.get(rule) ?? 0) + 1);
    }
  }
}

console.log(
  `\n${count} generation requests × ${values.variants} variants across ${goals.length} goals × ${channels.length} channels × ${languages.length} languages (personas with two interests each)`,
);
console.log(
  table(
    [
      'slice',
      'variants',
      'distinct headlines %',
      'distinct bodies %',
      'distinct-2 %',
      'persona interest %',
      'title %',
      'brand (zh: category) %',
      'product type %',
      'price %',
      'an attribute value %',
      'factsUsed all in copy %',
    ],
    [
      qualityRow(
        'en',
        variants.filter((v) => v.c.input.language === 'en'),
        'en',
      ),
      qualityRow(
        'zh',
        variants.filter((v) => v.c.input.language === 'zh'),
        'zh',
      ),
      ...channels.map((ch) =>
        qualityRow(
          ch,
          variants.filter((v) => v.c.input.channel === ch),
          'all',
        ),
      ),
      qualityRow('all', variants, 'all'),
    ],
  ),
);
console.log(
  table(
    ['guardrails', 'value'],
    [
      ['variants reviewed (first answers + regenerated)', reviewed],
      ['variants passing every guardrail (returned)', variants.length],
      ['share passing every guardrail %', pct(variants.length, reviewed)],
      [
        'requests that got every variant asked for %',
        pct(results.filter((r) => r.variants.length === Number(values.variants)).length, results.length),
      ],
      ...[...failures].map(([rule, n]): [string, number] => [`dropped for ${rule}`, n]),
    ],
  ),
);
console.log(
  'distinct-2 on lower-case words (en) and characters (zh); product type: the end of the Myntra name (en), 类型 (zh); zh products have price 0.',
);

// ---------------------------------------------------------------------------------------------
// Speed
// ---------------------------------------------------------------------------------------------

const requests: ChatRequest[] = cases.map((c, i) =>
  buildChatRequest(toBrief(c.input, [c.product]), 5000 + i),
);
for (const r of requests) completeEmbedded(r); // warm-up
let completions = 0;
const speedStart = performance.now();
while (performance.now() - speedStart < 2000) {
  for (const r of requests) {
    completeEmbedded(r);
    completions++;
  }
}
const speedSeconds = (performance.now() - speedStart) / 1000;
log(`embedded generator: ${completions} completions in ${speedSeconds.toFixed(2)} s`);

const system = await startLocal({
  inMemory: true,
  schedules: false,
  ports: { api: 0, dynamodb: 0, s3: 0, stepfunctions: 0, model: 0 },
  log: () => {},
});
const httpMs: number[] = [];
let httpErrors = 0;
try {
  log(`local system up at ${system.apiUrl} (model backend ${system.modelBackend})`);
  const post = async (body: unknown) => {
    const response = await fetch(`${system.apiUrl}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };
  for (const c of cases.slice(0, 10)) await post(c.body); // warm-up
  for (const c of cases) {
    const start = performance.now();
    const status = await post(c.body);
    httpMs.push(performance.now() - start);
    if (status !== 200) httpErrors++;
  }
} finally {
  await system.close();
}
log(`${httpMs.length} POST /generate requests, ${httpErrors} not 200`);

const ms = (x: number) => x.toFixed(2);
console.log(
  `\nSpeed (${count} requests × ${values.variants} variants; 2-core machine shared with other work)`,
);
console.log(
  table(
    ['path', 'measure', 'value'],
    [
      [
        'completeEmbedded alone',
        'variants / s',
        Math.round((completions * Number(values.variants)) / speedSeconds),
      ],
      ['completeEmbedded alone', 'completions / s', Math.round(completions / speedSeconds)],
      ['generateCopy in-process (ports in memory)', 'p50 ms / request', ms(quantile(inProcessMs, 0.5))],
      ['generateCopy in-process (ports in memory)', 'p99 ms / request', ms(quantile(inProcessMs, 0.99))],
      ['POST /generate, local system', 'p50 ms / request', ms(quantile(httpMs, 0.5))],
      ['POST /generate, local system', 'p99 ms / request', ms(quantile(httpMs, 0.99))],
      ['POST /generate, local system', 'non-200 answers', httpErrors],
    ],
  ),
);

const examples = sampleIndices(variants.length, 10, new Rng(seed + 1));
console.log('\nExample variants (seeded sample):');
for (const i of examples) {
  const v = variants[i]!;
  const { input, product } = v.c;
  console.log(
    `\n[${input.language} / ${input.goal} / ${input.channel} / ${input.tone}; interests ${input.persona?.interests.join(', ')}] ${product.title}`,
  );
  console.log(`  headline: ${v.headline}`);
  console.log(`  body:     ${v.body}`);
}
