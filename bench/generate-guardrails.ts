/**
 * What the guardrails say about the embedded generator's copy on real products with a price:
 * how many variants fail each rule, with the rules that existed before issue 13 (length, banned
 * words, catalog prices, ...) and the ones it added (unsupported claims, price currency, Latin
 * words in Chinese copy) side by side.
 *
 *   npx tsx bench/generate-guardrails.ts [--products 60] [--variants 2] [--seed 13]
 *
 * Chinese: `--products` attribute sets drawn (seeded) from AdvertiseGen's dev split (the
 * generator never learns from dev), each a product (bench/generate-data.ts) priced in CNY with a
 * seeded shop price (29 to 1,009, ending in 9: AdvertiseGen has no prices); and as many products
 * of Online Retail's first invoice lines (English titles, GBP, through the preset), written in
 * Chinese. English: as many Myntra products with their own INR prices. Goals cycle over the six, channels over the five,
 * `--variants` variants per request through the request contract (toBrief → buildChatRequest →
 * completeEmbedded → parseCompletion), before the generate core regenerates or drops anything.
 * Nothing is learned here, so there is no train split; dev is only read.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { table } from '../cli/output';
import { hash32 } from '../core/hash';
import { Rng } from '../core/random';
import {
  checkVariant,
  claimsMade,
  type GuardrailRule,
  guardrailRules,
  priceMentions,
} from '../functions/generate/guardrails';
import type { Product } from '../functions/generate/schema';
import { checkProduct } from '../functions/profile/catalog';
import { readRows } from '../functions/profile/ingest';
import { presets } from '../functions/profile/mappings';
import { channels, goals, type Language } from '../model/contract';
import {
  advertiseGenProduct,
  dataDir,
  embeddedCopy,
  generateInput,
  loadAdvertiseGen,
  loadMyntra,
  sampleIndices,
} from './generate-data';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '60' },
    variants: { type: 'string', default: '2' },
    seed: { type: 'string', default: '13' },
  },
});
const count = Number(values.products);
const variants = Number(values.variants);
const seed = Number(values.seed);

/** The rules the guardrails had before issue 13. */
const earlierRules: readonly GuardrailRule[] = [
  'length',
  'sms_segments',
  'banned_words',
  'must_avoid',
  'must_include',
  'catalog_prices',
  'catalog_discounts',
  'personal_data',
];

function chineseProducts(rng: Rng): Product[] {
  const records = loadAdvertiseGen();
  return sampleIndices(records.length, count, rng).map((i) => ({
    ...advertiseGenProduct(records[i]!, `adgen-${i}`),
    price: (3 + rng.int(98)) * 10 - 1,
    currency: 'CNY',
  }));
}

/** Distinct products of the first Online Retail invoice lines, through the `uci-online-retail` preset. */
async function onlineRetailProducts(rng: Rng): Promise<Product[]> {
  const mapping = presets['uci-online-retail']!;
  const stream = createReadStream(join(dataDir, 'uci-online-retail', 'online_retail.csv.gz')).pipe(
    createGunzip(),
  );
  const byId = new Map<string, Product>();
  for await (const source of readRows(stream, 'csv')) {
    const mapped = source.row ? mapping.map(source.row) : undefined;
    const checked =
      mapped && 'product' in mapped && mapped.product ? checkProduct(mapped.product) : undefined;
    if (checked && 'product' in checked) byId.set(checked.product.productId, checked.product);
    if (byId.size >= 2000) break;
  }
  stream.destroy();
  const all = [...byId.values()];
  return sampleIndices(all.length, count, rng).map((i) => all[i]!);
}

function englishProducts(rng: Rng): Product[] {
  const catalog = loadMyntra();
  return sampleIndices(catalog.length, count, rng).map((i) => ({
    ...catalog[i]!.product,
    description: undefined,
    currency: 'INR',
  }));
}

interface Tally {
  readonly language: Language;
  readonly source: string;
  variants: number;
  passedAll: number;
  passedEarlier: number;
  readonly failed: Map<GuardrailRule, number>;
  statingPrice: number;
  priceWithoutCurrency: number;
  readonly claims: Map<string, number>;
  readonly examples: string[];
}

function run(language: Language, source: string, products: readonly Product[]): Tally {
  const tally: Tally = {
    language,
    source,
    variants: 0,
    passedAll: 0,
    passedEarlier: 0,
    failed: new Map(),
    statingPrice: 0,
    priceWithoutCurrency: 0,
    claims: new Map(),
    examples: [],
  };
  for (const [i, product] of products.entries()) {
    const goal = goals[i % goals.length]!;
    const channel = channels[i % channels.length]!;
    const input = generateInput({ products: [product], goal, channel, language, variants });
    const output = embeddedCopy(input, [product], hash32('guardrails', product.productId, seed));
    for (const v of output.variants) {
      tally.variants++;
      const checks = checkVariant(v, { channel, language, products: [product] });
      const failed = checks.filter((c) => !c.passed);
      for (const c of failed) tally.failed.set(c.rule, (tally.failed.get(c.rule) ?? 0) + 1);
      if (failed.length === 0) tally.passedAll++;
      if (!failed.some((c) => earlierRules.includes(c.rule))) tally.passedEarlier++;
      const text = `${v.headline}\n${v.body}\n${v.callToAction}`;
      if (priceMentions(text).some((m) => Math.abs(m.value - product.price) < 1e-9)) {
        tally.statingPrice++;
        if (checks.some((c) => c.rule === 'price_currency' && !c.passed)) tally.priceWithoutCurrency++;
      }
      for (const kind of claimsMade(text)) tally.claims.set(kind, (tally.claims.get(kind) ?? 0) + 1);
      if (failed.length > 0 && tally.examples.length < 4) {
        tally.examples.push(
          `${JSON.stringify(`${v.headline} | ${v.body}`)}\n    ${failed.map((c) => `${c.rule}: ${c.reason}`).join('\n    ')}`,
        );
      }
    }
  }
  return tally;
}

const rng = new Rng(seed);
const tallies = [
  run('zh', 'AdvertiseGen', chineseProducts(rng)),
  run('zh', 'Online Retail', await onlineRetailProducts(rng)),
  run('en', 'Myntra', englishProducts(rng)),
];

console.log(
  `Embedded generator, ${count} products per source, ${variants} variants each (goals and channels cycled), seed ${seed}`,
);
console.log(
  'zh: AdvertiseGen dev attribute sets with seeded CNY prices, Online Retail products (English titles, GBP); en: Myntra products with their INR prices\n',
);
const pct = (n: number, of: number) => `${n} (${of === 0 ? '0' : ((100 * n) / of).toFixed(0)}%)`;
console.log(
  table(
    ['rule', 'since', ...tallies.map((t) => `${t.language} ${t.source}: failing of ${t.variants}`)],
    guardrailRules
      .filter((r) => r !== 'near_duplicate')
      .map((rule) => [
        rule,
        earlierRules.includes(rule) ? 'before' : 'issue 13',
        ...tallies.map((t) => pct(t.failed.get(rule) ?? 0, t.variants)),
      ]),
  ),
);
console.log();
console.log(
  table(
    ['figure', ...tallies.map((t) => `${t.language} ${t.source}`)],
    [
      ['variants passing the earlier rules', ...tallies.map((t) => pct(t.passedEarlier, t.variants))],
      ['variants passing every rule', ...tallies.map((t) => pct(t.passedAll, t.variants))],
      ['variants stating the price', ...tallies.map((t) => String(t.statingPrice))],
      [
        'of which a price lacks its currency',
        ...tallies.map((t) => pct(t.priceWithoutCurrency, t.statingPrice)),
      ],
      ...(['reviews', 'popularity', 'scarcity', 'deadline'] as const).map((kind) => [
        `variants claiming ${kind}`,
        ...tallies.map((t) => pct(t.claims.get(kind) ?? 0, t.variants)),
      ]),
    ],
  ),
);
for (const t of tallies) {
  console.log(`\n${t.language} ${t.source}: the first failing variants and why`);
  for (const e of t.examples) console.log(`  ${e}`);
}
