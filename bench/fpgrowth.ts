/**
 * FP-growth kernel against node-fpgrowth on real baskets, in the same run.
 *
 *   npx tsx bench/fpgrowth.ts [--supports 0.02,0.01,0.005] [--runs 5] [--reference-runs 1]
 *
 * Baskets are the UCI Online Retail invoices (shared/data/uci-online-retail): the distinct
 * StockCodes of each InvoiceNo, leaving out cancelled invoices (InvoiceNo starting with 'C') and
 * lines with a non-positive Quantity. At each minimum support both implementations mine the same
 * baskets; the run fails unless they find the same itemsets with the same counts. Times are of the
 * mining only (our median of `runs` after a warm-up; node-fpgrowth's median of `reference-runs`,
 * it is far slower). Then the strongest cross-sell rules at the lowest support, with the products'
 * descriptions.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { FPGrowth, type Itemset } from 'node-fpgrowth';
import { table } from '../cli/output';
import {
  type AssociationRule,
  associationRules,
  type FrequentItemset,
  frequentItemsets,
  rulesFor,
} from '../functions/profile/kernels/fpgrowth';
import { progress, ratio, timed } from './lib/timing';

const DATA = join(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'data',
  'uci-online-retail',
  'online_retail.csv.gz',
);

const { values } = parseArgs({
  options: {
    supports: { type: 'string', default: '0.02,0.01,0.005' },
    runs: { type: 'string', default: '5' },
    'reference-runs': { type: 'string', default: '1' },
  },
});
const supports = values.supports.split(',').map(Number);
const runs = Number(values.runs);
const referenceRuns = Number(values['reference-runs']);
const log = progress();

interface Retail {
  baskets: string[][];
  descriptions: Map<string, string>;
  lines: number;
  keptLines: number;
}

/** Baskets of distinct StockCodes per InvoiceNo, and the first description seen per StockCode. */
async function loadRetail(path: string): Promise<Retail> {
  const byInvoice = new Map<string, Set<string>>();
  const descriptions = new Map<string, string>();
  let lines = 0;
  let keptLines = 0;
  const rows = createReadStream(path)
    .pipe(createGunzip())
    .pipe(parse({ columns: true }));
  for await (const row of rows as AsyncIterable<Record<string, string>>) {
    lines++;
    const invoice = row['InvoiceNo'] ?? '';
    const code = row['StockCode'] ?? '';
    const description = (row['Description'] ?? '').trim();
    if (description && !descriptions.has(code)) descriptions.set(code, description);
    if (invoice.startsWith('C') || !(Number(row['Quantity']) > 0) || !code) continue;
    keptLines++;
    const basket = byInvoice.get(invoice);
    if (basket) basket.add(code);
    else byInvoice.set(invoice, new Set([code]));
  }
  return { baskets: [...byInvoice.values()].map((b) => [...b]), descriptions, lines, keptLines };
}

/** The median seconds of `n` runs, and the last run's value. */
function medianOf<T>(n: number, fn: () => T): { value: T; seconds: number } {
  const results = Array.from({ length: n }, () => timed(fn));
  const seconds = results.map((r) => r.seconds).sort((a, b) => a - b);
  const mid = seconds.length >> 1;
  const median = seconds.length % 2 ? seconds[mid]! : (seconds[mid - 1]! + seconds[mid]!) / 2;
  return { value: results[results.length - 1]!.value, seconds: median };
}

const keyOf = (items: ReadonlyArray<string>) => [...items].sort().join(' ');

/** How two results differ, as readable lines; empty when they hold the same itemsets and counts. */
function differences(ours: FrequentItemset[], theirs: Array<Itemset<string>>): string[] {
  const mine = new Map(ours.map((s) => [keyOf(s.items), s.count]));
  // node-fpgrowth's `support` is an absolute count.
  const other = new Map(theirs.map((s) => [keyOf(s.items), s.support]));
  const out: string[] = [];
  if (mine.size !== ours.length) out.push(`ours repeats ${ours.length - mine.size} itemsets`);
  if (other.size !== theirs.length) out.push(`node-fpgrowth repeats ${theirs.length - other.size} itemsets`);
  for (const [key, count] of mine) {
    const c = other.get(key);
    if (c !== count) out.push(`{${key}}: ours ${count}, node-fpgrowth ${c ?? 'missing'}`);
  }
  for (const key of other.keys()) if (!mine.has(key)) out.push(`{${key}}: node-fpgrowth only`);
  return out;
}

/** The smallest count c with c / n >= minSupport: our threshold (node-fpgrowth takes ceil(s · n)). */
function minCountFor(minSupport: number, n: number): number {
  let c = Math.max(1, Math.ceil(minSupport * n));
  while (c / n < minSupport) c++;
  while (c > 1 && (c - 1) / n >= minSupport) c--;
  return c;
}

log(`reading ${DATA}`);
const { baskets, descriptions, lines, keptLines } = await loadRetail(DATA);
const n = baskets.length;
const meanSize = baskets.reduce((s, b) => s + b.length, 0) / n;
console.log(
  `\nUCI Online Retail: ${lines.toLocaleString('en')} invoice lines, ${keptLines.toLocaleString('en')} kept → ` +
    `${n.toLocaleString('en')} baskets over ${new Set(baskets.flat()).size.toLocaleString('en')} StockCodes ` +
    `(mean ${meanSize.toFixed(1)} distinct per basket)\n`,
);

const rows: Array<Array<string | number>> = [];
const failures: string[] = [];
let lowest: FrequentItemset[] = [];
for (const minSupport of supports) {
  log(`minSupport ${minSupport}: ours`);
  frequentItemsets(baskets, { minSupport }); // warm-up
  const ours = medianOf(runs, () => frequentItemsets(baskets, { minSupport }));
  log(`minSupport ${minSupport}: node-fpgrowth`);
  // exec mines synchronously inside its Promise executor: timing the call times the mining.
  const reference = medianOf(referenceRuns, () => new FPGrowth<string>(minSupport).exec(baskets));
  const theirs = await reference.value;
  const diff = differences(ours.value, theirs);
  const minCount = minCountFor(minSupport, n);
  if (minCount !== Math.ceil(minSupport * n)) {
    diff.unshift(`thresholds differ: ours ${minCount}, node-fpgrowth ${Math.ceil(minSupport * n)}`);
  }
  if (diff.length > 0)
    failures.push(`minSupport ${minSupport}: ${diff.length} differences\n  ${diff.slice(0, 5).join('\n  ')}`);
  rows.push([
    minSupport,
    minCount,
    ours.value.length,
    theirs.length,
    diff.length === 0 ? 'yes' : 'NO',
    (ours.seconds * 1000).toFixed(1),
    (reference.seconds * 1000).toFixed(1),
    ratio(reference.seconds, ours.seconds, 1),
  ]);
  lowest = ours.value;
}

console.log(
  `FP-growth on ${n.toLocaleString('en')} baskets: milliseconds of the mining; ` +
    `ours median of ${runs} after a warm-up, node-fpgrowth median of ${referenceRuns}\n`,
);
console.log(
  table(
    [
      'minSupport',
      'min count',
      'itemsets (ours)',
      'itemsets (node-fpgrowth)',
      'identical',
      'ours ms',
      'node-fpgrowth ms',
      'node-fpgrowth ÷ ours',
    ],
    rows,
  ),
);

const minSupport = supports[supports.length - 1]!;
const minConfidence = 0.5;
const rules = medianOf(runs, () => associationRules(lowest, n, { minConfidence }));
const label = (codes: string[]) => codes.map((c) => `${c} ${descriptions.get(c) ?? '?'}`).join(' + ');
const ruleHeader = ['#', 'bought', 'also buy', 'support', 'confidence', 'lift', 'baskets'];
const ruleRow = (r: AssociationRule, i: number) => [
  i + 1,
  label(r.antecedent),
  label(r.consequent),
  r.support.toFixed(4),
  r.confidence.toFixed(3),
  r.lift.toFixed(1),
  r.count,
];
console.log(
  `\nTop 10 rules by lift at minSupport ${minSupport}, minConfidence ${minConfidence}, one-item consequent: ` +
    `${rules.value.length.toLocaleString('en')} rules from ${lowest.length.toLocaleString('en')} itemsets ` +
    `in ${(rules.seconds * 1000).toFixed(1)} ms\n`,
);
console.log(table(ruleHeader, rules.value.slice(0, 10).map(ruleRow)));

// The best seller, as a "bought X, also buy Y" widget would show it: a best seller's rules have
// low confidence (it is in many baskets without any one companion), so the widget's threshold is lower.
const best = lowest.filter((s) => s.items.length === 1).sort((a, b) => b.count - a.count)[0];
if (best) {
  const product = best.items[0]!;
  const widgetConfidence = 0.1;
  const widgetRules = associationRules(lowest, n, { minConfidence: widgetConfidence });
  console.log(
    `\nBought ${label([product])} (in ${best.count.toLocaleString('en')} baskets), also buy ` +
      `(minConfidence ${widgetConfidence}):\n`,
  );
  console.log(table(ruleHeader, rulesFor(product, widgetRules, 5).map(ruleRow)));
}

if (failures.length > 0) {
  console.error(`\nItemsets differ from node-fpgrowth:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
