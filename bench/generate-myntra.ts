/**
 * English copy from the embedded generator for real Myntra products, through the whole
 * generate use case (generateCopy: brief, prompt, strict parse, guardrails, regeneration,
 * rendering) with an in-memory catalog port and a model port that calls completeEmbedded.
 *
 *   npx tsx bench/generate-myntra.ts [--products 200] [--variants 3] [--seed 7]
 *
 * A seeded sample of products (title, brand, price in INR, colour and gender as attributes,
 * description; the product type is read off the end of the name) is spread over the 30
 * goal × channel pairs, one request per product, asked for `variants` variants. Reported:
 * coverage of brand, colour and product type in the headline + body of every returned variant,
 * distinct-2 (lower-case words), and the guardrail pass rate: returned variants over all the
 * variants the guardrails reviewed (first answers and regenerated ones).
 */
import { parseArgs } from 'node:util';
import { table } from '../cli/output';
import { Rng } from '../core/random';
import {
  type CatalogPort,
  type GeneratedVariant,
  generateCopy,
  type ModelPort,
} from '../functions/generate/core';
import { channels, goals } from '../model/contract';
import { completeEmbedded } from '../model/embedded';
import { generateInput, loadMyntra, type MyntraProduct, sampleIndices } from './generate-data';
import { distinctN, mean, tokenize } from './lib/text-metrics';
import { progress } from './lib/timing';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '200' },
    variants: { type: 'string', default: '3' },
    seed: { type: 'string', default: '7' },
  },
});
const log = progress();
const catalog = loadMyntra();
const sample = sampleIndices(catalog.length, Number(values.products), new Rng(Number(values.seed))).map(
  (i) => catalog[i]!,
);
log(`${catalog.length} Myntra products; sampled ${sample.length}`);

const byId = new Map(sample.map((m) => [m.product.productId, m.product]));
const catalogPort: CatalogPort = {
  getProducts: async (ids) => ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
};
const modelPort: ModelPort = {
  invoke: async (request) => new TextEncoder().encode(JSON.stringify(completeEmbedded(request))),
};

interface Row {
  readonly item: MyntraProduct;
  readonly goal: string;
  readonly channel: string;
  readonly variant: GeneratedVariant;
}

const rows: Row[] = [];
let reviewed = 0;
let fullRequests = 0;
const failures = new Map<string, number>();
for (const [i, item] of sample.entries()) {
  const goal = goals[i % goals.length]!;
  const channel = channels[Math.floor(i / goals.length) % channels.length]!;
  const input = generateInput({
    productIds: [item.product.productId],
    goal,
    channel,
    language: 'en',
    variants: Number(values.variants),
    seed: 1000 + i,
  });
  const result = await generateCopy(input, { catalog: catalogPort, model: modelPort });
  reviewed += result.variants.length + result.dropped.length;
  if (result.variants.length === input.variants) fullRequests++;
  for (const d of result.dropped) {
    for (const part of d.reason.split('; ')) {
      const rule = part.split(':')[0]!;
      failures.set(rule, (failures.get(rule) ?? 0) + 1);
    }
  }
  for (const variant of result.variants) rows.push({ item, goal, channel, variant });
}
log(`${sample.length} requests, ${rows.length} variants returned, ${reviewed} reviewed`);

const has = (text: string, term: string) => term !== '' && text.toLowerCase().includes(term.toLowerCase());
const copyText = (r: Row) => `${r.variant.headline}\n${r.variant.body}`;
const pct = (x: number) => (x * 100).toFixed(1);

function coverageRow(label: string, subset: readonly Row[]): Array<string | number> {
  const withColour = subset.filter((r) => r.item.colour);
  const brand = mean(subset.map((r) => (has(copyText(r), r.item.brand) ? 1 : 0)));
  const colour = mean(withColour.map((r) => (has(copyText(r), r.item.colour) ? 1 : 0)));
  const type = mean(subset.map((r) => (has(copyText(r), r.item.type) ? 1 : 0)));
  const all = mean(
    subset.map((r) => {
      const facts = [r.item.brand, r.item.type, ...(r.item.colour ? [r.item.colour] : [])];
      return facts.filter((f) => has(copyText(r), f)).length / facts.length;
    }),
  );
  const price = mean(subset.map((r) => (copyText(r).includes(String(r.item.product.price)) ? 1 : 0)));
  // The title names brand, colour and type, so coverage is mostly the title quoted; the
  // headline column shows how often the generator names the product by its own words.
  const headline = mean(
    subset.map((r) =>
      has(r.variant.headline, r.item.brand) || has(r.variant.headline, r.item.type) ? 1 : 0,
    ),
  );
  const d2 = distinctN(
    subset.map((r) => tokenize(copyText(r), 'en')),
    2,
  );
  return [
    label,
    subset.length,
    pct(brand),
    pct(colour),
    pct(type),
    pct(all),
    pct(headline),
    pct(price),
    pct(d2),
  ];
}

console.log(
  `\nMyntra: ${sample.length} products × ${values.variants} variants, English, through generateCopy (embedded model port)`,
);
console.log(
  table(
    [
      'channel',
      'variants',
      'brand %',
      'colour %',
      'product type %',
      'attribute coverage %',
      'headline names brand or type %',
      'price %',
      'distinct-2 %',
    ],
    [
      ...channels.map((c) =>
        coverageRow(
          c,
          rows.filter((r) => r.channel === c),
        ),
      ),
      coverageRow('all', rows),
    ],
  ),
);
console.log(
  'attribute coverage: mean share of {brand, colour, product type} found in headline + body (colour only where the catalog has one); distinct-2 on lower-case words.',
);
console.log(
  table(
    ['guardrails', 'value'],
    [
      ['variants reviewed (first answers + regenerated)', reviewed],
      ['variants returned (passed every rule)', rows.length],
      ['guardrail pass rate %', pct(rows.length / reviewed)],
      ['requests that got every variant asked for %', pct(fullRequests / sample.length)],
      [
        'distinct headlines / variants %',
        pct(new Set(rows.map((r) => r.variant.headline)).size / rows.length),
      ],
      ['distinct bodies / variants %', pct(new Set(rows.map((r) => r.variant.body)).size / rows.length)],
      ...[...failures].map(([rule, n]): [string, number] => [`dropped for ${rule}`, n]),
    ],
  ),
);

const examples = sampleIndices(rows.length, 10, new Rng(Number(values.seed) + 1));
console.log('\nExample variants (seeded sample):');
for (const i of examples) {
  const r = rows[i]!;
  const p = r.item.product;
  console.log(
    `\n[${r.goal} / ${r.channel}] ${p.title} (${r.item.brand}, ${r.item.colour || 'no colour'}, ₹${p.price})`,
  );
  console.log(`  headline: ${r.variant.headline}`);
  console.log(`  body:     ${r.variant.body}`);
  console.log(`  CTA:      ${r.variant.callToAction}`);
}
