/**
 * What the words of a headline alone say about its click rate: FTRL logistic regression on
 * hashed headline n-grams, judged on held-out Upworthy headline A/B tests, with the
 * predictor's scoring latency and throughput.
 *
 *   npx tsx bench/predict-upworthy.ts [--seed 1] [--test 0.2] [--repetitions 20000]
 *
 * Data: shared/data/upworthy-archive, the Upworthy Research Archive's exploratory packages
 * (4,873 tests, 22,666 packages with impressions and clicks; see its README).
 *
 * Split by test: the test ids, sorted, are shuffled with mulberry32(seed) and the first
 * `test` share (20%) are held out; every package of a test is on one side. A validation
 * share (20% of the training tests, seed + 1) chooses the FTRL settings (alpha 0.02, 0.05,
 * 0.1 or 0.2; lambda1 0 or 1; lambda2 1 or 10; 1 to 12 epochs) by pairwise accuracy; the
 * chosen model is then refitted on all training tests.
 *
 * Rows: one per package, labelled with its click rate (clicks / impressions) and weighted
 * by its impressions (scaled to mean 1): the same gradient as one row per click and per
 * non-click. Features:
 *  - text: the headline's hashed word unigrams and bigrams (kernels/hashing.ts tokenizer),
 *    plus the length features;
 *  - length only (the baseline): word count and character count, each as a standardized
 *    number and as a bucket (words 1..25+, characters by 10 up to 150+).
 * A third model adds each training test's id as a feature while training ("within-test"):
 * the id soaks up the test's overall click rate (topic, image, week), so the words learn
 * differences within tests; held-out tests have no id, so only the words score.
 *
 * Pairwise accuracy: for each held-out test, every pair of packages whose headlines differ
 * and whose click rates differ; the model is right when it scores the one with the higher
 * click rate higher, and gets half a point when it scores both the same (a tie is a coin
 * toss). Reported for all such pairs, for pairs whose click rates differ significantly
 * (two-proportion z-test, |z| ≥ 1.96: "a real difference"), and for those among pairs
 * that share the image, so only the headline differs. The 95% intervals come from a
 * bootstrap over held-out tests (pairs of one test are not independent).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { table } from '../cli/output';
import { mulberry32 } from '../core/random';
import { logLoss } from '../functions/predict/kernels/calibration';
import { FtrlLogisticRegression, type FtrlOptions } from '../functions/predict/kernels/ftrl';
import { type FeatureNames, RowBuilder, type SparseRow } from '../functions/predict/kernels/hashing';
import { PairwiseRanker } from '../functions/predict/kernels/pairwise-ranker';
import { checkPython, runPythonJson } from './lib/python';
import { progress, timed } from './lib/timing';

const DATA = join(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'data',
  'upworthy-archive',
  'exploratory_packages_core_columns.csv.gz',
);

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    test: { type: 'string', default: '0.2' },
    repetitions: { type: 'string', default: '20000' },
  },
});
const seed = Number(values.seed);
const testShare = Number(values.test);
const repetitions = Number(values.repetitions);
const bits = 20;
const log = progress();

interface Package {
  test: string;
  headline: string;
  image: string;
  impressions: number;
  clicks: number;
}

log(`reading ${DATA}`);
const records = parse(gunzipSync(readFileSync(DATA)), { columns: true }) as Array<Record<string, string>>;
const packages: Package[] = records.map((r) => ({
  test: r['clickability_test_id']!,
  headline: r['headline']!,
  image: r['eyecatcher_id']!,
  impressions: Number(r['impressions']),
  clicks: Number(r['clicks']),
}));

/** Test ids, sorted then shuffled with `random`. */
function shuffledIds(ids: Iterable<string>, random: () => number): string[] {
  const out = [...new Set(ids)].sort();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
const allTests = shuffledIds(
  packages.map((p) => p.test),
  mulberry32(seed),
);
const heldOutTests = new Set(allTests.slice(0, Math.round(testShare * allTests.length)));
const trainingTests = allTests.filter((t) => !heldOutTests.has(t));
const validationTests = new Set(
  shuffledIds(trainingTests, mulberry32(seed + 1)).slice(0, Math.round(0.2 * trainingTests.length)),
);
const indicesWhere = (keep: (p: Package) => boolean) => packages.flatMap((p, i) => (keep(p) ? [i] : []));
const train = indicesWhere((p) => !heldOutTests.has(p.test));
const fitOn = indicesWhere((p) => !heldOutTests.has(p.test) && !validationTests.has(p.test));
const validateOn = indicesWhere((p) => validationTests.has(p.test));
const heldOut = indicesWhere((p) => heldOutTests.has(p.test));

/** Number of whitespace-separated words. */
function wordCount(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13) || c === 0xa0;
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}
function meanSd(of: (p: Package) => number): [number, number] {
  const xs = train.map((i) => of(packages[i]!));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return [mean, Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length)];
}
const wordStats = meanSd((p) => wordCount(p.headline));
const charStats = meanSd((p) => p.headline.length);
const meanImpressions = train.reduce((s, i) => s + packages[i]!.impressions, 0) / train.length;

type Kind = 'length' | 'text' | 'within-test';
const names: FeatureNames = new Map();
const builder = new RowBuilder(bits, names);
const scoringBuilder = new RowBuilder(bits);

/** The features of a headline: length features, and its n-grams unless `lengthOnly`. */
function headlineRow(b: RowBuilder, headline: string, lengthOnly: boolean): RowBuilder {
  const words = wordCount(headline);
  const chars = headline.length;
  b.numeric('words', (words - wordStats[0]) / wordStats[1]);
  b.numeric('chars', (chars - charStats[0]) / charStats[1]);
  b.categorical('words', `${Math.min(words, 25)}`);
  b.categorical('chars', `${Math.min(Math.floor(chars / 10), 15) * 10}`);
  if (!lengthOnly) b.text(headline);
  return b;
}
function featurize(i: number, kind: Kind, training: boolean): SparseRow {
  const p = packages[i]!;
  headlineRow(builder, p.headline, kind === 'length');
  if (kind === 'within-test' && training) builder.categorical('test', p.test);
  return builder.build();
}

const labels = Float64Array.from(packages, (p) => p.clicks / p.impressions);
const weights = Float64Array.from(packages, (p) => p.impressions / meanImpressions);

/** Every pair of packages of one held-out test, with what the accuracy figures need. */
interface Pair {
  test: string;
  a: number;
  b: number;
  significant: boolean;
  sameImage: boolean;
}
function pairsOf(rows: number[]): Pair[] {
  const byTest = new Map<string, number[]>();
  for (const i of rows) {
    const list = byTest.get(packages[i]!.test);
    if (list) list.push(i);
    else byTest.set(packages[i]!.test, [i]);
  }
  const out: Pair[] = [];
  for (const [test, members] of byTest) {
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        const a = packages[members[x]!]!;
        const b = packages[members[y]!]!;
        if (a.headline === b.headline || labels[members[x]!] === labels[members[y]!]) continue;
        const pooled = (a.clicks + b.clicks) / (a.impressions + b.impressions);
        const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.impressions + 1 / b.impressions));
        const z = Math.abs(labels[members[x]!]! - labels[members[y]!]!) / se;
        out.push({
          test,
          a: members[x]!,
          b: members[y]!,
          significant: z >= 1.96,
          sameImage: a.image === b.image,
        });
      }
    }
  }
  return out;
}

/**
 * Share of pairs ordered right (ties ½), with a 95% bootstrap interval over tests when
 * `random` is given (NaN otherwise).
 */
function pairwiseAccuracy(
  pairs: Pair[],
  scores: Map<number, number>,
  random?: () => number,
): { accuracy: number; low: number; high: number; ties: number } {
  const perTest = new Map<string, [number, number]>();
  let ties = 0;
  for (const { test, a, b } of pairs) {
    const sa = scores.get(a)!;
    const sb = scores.get(b)!;
    const credit = sa === sb ? 0.5 : sa > sb === labels[a]! > labels[b]! ? 1 : 0;
    if (sa === sb) ties++;
    const t = perTest.get(test) ?? [0, 0];
    t[0] += credit;
    t[1] += 1;
    perTest.set(test, t);
  }
  const tests = [...perTest.values()];
  const total = tests.reduce((s, t) => s + t[0], 0);
  const count = tests.reduce((s, t) => s + t[1], 0);
  if (!random) return { accuracy: total / count, low: Number.NaN, high: Number.NaN, ties };
  const draws: number[] = [];
  for (let r = 0; r < 1000; r++) {
    let c = 0;
    let n = 0;
    for (let k = 0; k < tests.length; k++) {
      const t = tests[Math.floor(random() * tests.length)]!;
      c += t[0];
      n += t[1];
    }
    draws.push(c / n);
  }
  draws.sort((x, y) => x - y);
  return { accuracy: total / count, low: draws[25]!, high: draws[974]!, ties };
}

interface Config extends FtrlOptions {
  epochs: number;
}

/** Fits a model of one kind on `rows` (training features) with a config. */
function fitModel(kind: Kind, rows: number[], config: Config) {
  const { epochs, ...options } = config;
  const model = new FtrlLogisticRegression(options);
  const features = rows.map((i) => featurize(i, kind, true));
  const fit = timed(() =>
    model.fit(
      features,
      Float64Array.from(rows, (i) => labels[i]!),
      {
        epochs,
        seed,
        weights: Float64Array.from(rows, (i) => weights[i]!),
      },
    ),
  );
  return { model, seconds: fit.seconds, updates: rows.length * epochs };
}

/** Scores of `rows` (no test ids: as for a headline never tested). */
function scoresOf(model: FtrlLogisticRegression, kind: Kind, rows: number[]): Map<number, number> {
  return new Map(rows.map((i) => [i, model.predict(featurize(i, kind, false))]));
}

/**
 * Chooses alpha, lambda1, lambda2 and epochs by pairwise accuracy on the validation tests
 * (all pairs with different headlines and click rates).
 */
function selectConfig(kind: Kind): { config: Config; accuracy: number } {
  const validationPairs = pairsOf(validateOn);
  const rows = fitOn.map((i) => featurize(i, kind, true));
  const y = Float64Array.from(fitOn, (i) => labels[i]!);
  const w = Float64Array.from(fitOn, (i) => weights[i]!);
  const validationRows = validateOn.map((i) => featurize(i, kind, false));
  let best = { config: { bits, epochs: 1 } as Config, accuracy: -1 };
  for (const alpha of [0.02, 0.05, 0.1, 0.2]) {
    for (const lambda1 of [0, 1]) {
      for (const lambda2 of [1, 10]) {
        const model = new FtrlLogisticRegression({ bits, alpha, lambda1, lambda2 });
        for (let epoch = 1; epoch <= 12; epoch++) {
          model.fit(rows, y, { epochs: 1, seed: seed + epoch, weights: w });
          const scores = new Map(validateOn.map((i, k) => [i, model.predict(validationRows[k]!)]));
          const { accuracy } = pairwiseAccuracy(validationPairs, scores);
          if (accuracy > best.accuracy)
            best = { config: { bits, alpha, lambda1, lambda2, epochs: epoch }, accuracy };
        }
      }
    }
  }
  return best;
}

const heldOutPairs = pairsOf(heldOut);
const subsets: Array<[string, Pair[]]> = [
  ['different headlines, any CTR difference', heldOutPairs],
  ['… CTR difference significant (|z| ≥ 1.96)', heldOutPairs.filter((p) => p.significant)],
  ['… significant, same image', heldOutPairs.filter((p) => p.significant && p.sameImage)],
];
const heldOutY = Float64Array.from(heldOut, (i) => labels[i]!);
const heldOutImpressions = Float64Array.from(heldOut, (i) => packages[i]!.impressions);
const pooledTrainRate =
  train.reduce((s, i) => s + packages[i]!.clicks, 0) /
  train.reduce((s, i) => s + packages[i]!.impressions, 0);

type Cell = string | number;
const settingsRows: Cell[][] = [];
const accuracyRows: Cell[][] = [['random choice', ...subsets.map(() => '0.500'), '–']];
const lossRows: Cell[][] = [
  [
    'constant (pooled training CTR)',
    logLoss(
      heldOutY.map(() => pooledTrainRate),
      heldOutY,
      heldOutImpressions,
    ).toFixed(6),
  ],
];
const fmtAccuracy = (a: { accuracy: number; low: number; high: number }) =>
  `${a.accuracy.toFixed(3)} (${a.low.toFixed(3)}–${a.high.toFixed(3)})`;
const models = new Map<Kind, { model: FtrlLogisticRegression; seconds: number; updates: number }>();
for (const [kind, label] of [
  ['length', 'length only'],
  ['text', 'text (n-grams + length)'],
  ['within-test', 'text, within-test training'],
] as Array<[Kind, string]>) {
  log(`${label}: choosing settings on the validation tests ...`);
  const selected = selectConfig(kind);
  const { epochs, alpha, lambda1, lambda2 } = selected.config;
  settingsRows.push([label, alpha!, lambda1!, lambda2!, epochs, selected.accuracy.toFixed(3)]);
  log(`${label}: fitting on all training tests ...`);
  const fitted = fitModel(kind, train, selected.config);
  models.set(kind, fitted);
  const scores = scoresOf(fitted.model, kind, heldOut);
  const random = mulberry32(seed + 2);
  const ties = pairwiseAccuracy(heldOutPairs, scores, random).ties;
  accuracyRows.push([
    label,
    ...subsets.map(([, pairs]) => fmtAccuracy(pairwiseAccuracy(pairs, scores, random))),
    ties,
  ]);
  lossRows.push([
    label,
    logLoss(
      heldOut.map((i) => scores.get(i)!),
      heldOutY,
      heldOutImpressions,
    ).toFixed(6),
  ]);
}

// Latency and throughput, with the text model, as trained and as loaded from its artifact
// (dense float32 weights, as a scoring container holds it).
const textModel = models.get('text')!;
const loaded = FtrlLogisticRegression.fromBytes(textModel.model.toBytes({ target: 'ctr' }));
const variants = heldOut.slice(0, 10).map((i) => packages[i]!.headline);
const percentile = (sorted: Float64Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
/**
 * p50 and p99 of `run`'s wall time over `repetitions` calls after a warm-up; three rounds,
 * keeping the one with the lowest p50 (the machine has other work).
 */
function latency(run: () => number): { p50: number; p99: number } {
  let best = { p50: Number.POSITIVE_INFINITY, p99: Number.POSITIVE_INFINITY };
  let sink = 0;
  for (let r = 0; r < 2000; r++) sink += run();
  for (let round = 0; round < 3; round++) {
    const times = new Float64Array(repetitions);
    for (let r = 0; r < repetitions; r++) {
      const start = process.hrtime.bigint();
      sink += run();
      times[r] = Number(process.hrtime.bigint() - start) / 1e6;
    }
    times.sort();
    const p50 = percentile(times, 0.5);
    if (p50 < best.p50) best = { p50, p99: percentile(times, 0.99) };
  }
  if (Number.isNaN(sink)) throw new Error('a score was NaN');
  return best;
}
const prebuilt = variants.map((h) => headlineRow(scoringBuilder, h, false).build());
const latencyRows: Cell[][] = [];
for (const [label, model] of [
  ['as trained (weights from z, n)', textModel.model],
  ['loaded from its artifact', loaded],
] as Array<[string, FtrlLogisticRegression]>) {
  log(`latency: ${label}`);
  const full = latency(() => {
    let s = 0;
    for (const h of variants) s += model.predict(headlineRow(scoringBuilder, h, false).build());
    return s;
  });
  const scoreOnly = latency(() => {
    let s = 0;
    for (const row of prebuilt) s += model.predict(row);
    return s;
  });
  latencyRows.push(
    [label, 'featurize + score', full.p50.toFixed(4), full.p99.toFixed(4)],
    [label, 'score prebuilt rows', scoreOnly.p50.toFixed(4), scoreOnly.p99.toFixed(4)],
  );
}

log('throughput');
const allRows = packages.map((p) => headlineRow(scoringBuilder, p.headline, false).build());
const featurizeRate = (() => {
  const { seconds } = timed(() => {
    for (let r = 0; r < 5; r++)
      for (const p of packages) headlineRow(scoringBuilder, p.headline, false).build();
  });
  return (5 * packages.length) / seconds;
})();
const batchRate = (model: FtrlLogisticRegression) => {
  const out = new Float64Array(allRows.length);
  model.predictBatch(allRows, out);
  const { seconds } = timed(() => {
    for (let r = 0; r < 20; r++) model.predictBatch(allRows, out);
  });
  return (20 * allRows.length) / seconds;
};
const meanFeatures = allRows.reduce((s, r) => s + r.indices.length, 0) / allRows.length;
const throughputRows: Cell[][] = [
  ['featurize (tokenize, hash, build row)', Math.round(featurizeRate).toLocaleString('en')],
  [
    'train (text model, row updates / s)',
    Math.round(textModel.updates / textModel.seconds).toLocaleString('en'),
  ],
  ['batch score, as trained', Math.round(batchRate(textModel.model)).toLocaleString('en')],
  ['batch score, loaded from artifact', Math.round(batchRate(loaded)).toLocaleString('en')],
];

// The words that move the text model most, as an explanation would name them.
const weighted = [...names.entries()]
  .filter(([, name]) => name.startsWith('w:'))
  .map(([index, name]) => ({ name: name.slice(2), weight: textModel.model.weight(index) }))
  .filter((f) => f.weight !== 0)
  .sort((a, b) => b.weight - a.weight);
const strongest = (list: typeof weighted) =>
  list.map((f) => `${f.name} (${f.weight >= 0 ? '+' : ''}${f.weight.toFixed(2)})`).join(', ');

const count = (subset: Pair[]) =>
  `${subset.length.toLocaleString('en')} pairs / ${new Set(subset.map((p) => p.test)).size} tests`;
console.log(
  `\nUpworthy exploratory archive: ${packages.length.toLocaleString('en')} packages in ${allTests.length.toLocaleString('en')} tests; ` +
    `held out ${heldOutTests.size} tests (${heldOut.length.toLocaleString('en')} packages, ${Math.round(testShare * 100)}% of tests, seed ${seed}); ` +
    `trained on ${trainingTests.length} tests (${train.length.toLocaleString('en')} packages)\n`,
);
console.log(
  'FTRL settings chosen on the validation tests (20% of the training tests), by pairwise accuracy\n',
);
console.log(table(['model', 'alpha', 'lambda1', 'lambda2', 'epochs', 'validation accuracy'], settingsRows));
console.log(
  '\nPairwise accuracy on held-out tests: picking the headline with the higher CTR within a test ' +
    '(tied scores count ½; 95% bootstrap interval over tests)\n',
);
console.log(
  table(
    ['model', ...subsets.map(([name, pairs]) => `${name}\n${count(pairs)}`), 'tied pairs (all)'],
    accuracyRows,
  ),
);
console.log('\nLog loss of the CTR on held-out packages (weighted by impressions)\n');
console.log(table(['model', 'log loss'], lossRows));
console.log(
  `\nScoring latency, 10 variants in-process (ms per call of 10; ${repetitions.toLocaleString('en')} repetitions, ` +
    'best of 3 rounds by p50; aim < 0.2 ms)\n',
);
console.log(table(['model', 'what', 'p50 ms', 'p99 ms'], latencyRows));
console.log(`\nThroughput (rows per second; ${meanFeatures.toFixed(1)} features per row on average)\n`);
console.log(table(['operation', 'rows / s'], throughputRows));
console.log(`\nText model, strongest words and bigrams for: ${strongest(weighted.slice(0, 12))}`);
console.log(`against: ${strongest(weighted.slice(-12).reverse())}`);
console.log(
  '\nPublished (data README): LOLA (arXiv 2406.02611), 17,681 tests of the full archive, another split: ' +
    'an LLM prompted alone at most ~65% pairwise accuracy; classifiers on LLM embeddings and a fine-tuned ' +
    'Llama-3-8B ~82–84%; random 50%.',
);
console.log(`${cpus().length} CPUs; 1-minute load average ${loadavg()[0]!.toFixed(1)} at the end`);

// ---------------------------------------------------------------------------------------------
// Learning to rank within a test, against scikit-learn on the very same split.
// The reference script permutes the sorted test ids with NumPy's default_rng(0), holds out
// 20%, fits TF-IDF word 1–2-grams + a pairwise logistic regression on the other 80%, and
// returns the held-out ids; ours (kernels/pairwise-ranker.ts) trains on exactly those
// training tests and is scored on the same held-out pairs.
log('pairwise ranking: scikit-learn reference (TF-IDF 1–2-grams, pairwise logistic regression) ...');
const python = checkPython(['numpy', 'sklearn', 'scipy'], 'apt-get install -y python3-sklearn');
if (!python.ok) {
  console.log(`\nupworthy: reference skipped (${python.reason})`);
} else {
  const reference = runPythonJson<{
    heldOutTests: string[];
    pairs: number;
    significantPairs: number;
    accuracy: number;
    significantAccuracy: number;
    fitSeconds: number;
  }>(join(import.meta.dirname, 'reference', 'upworthy_rank.py'), [DATA, `${testShare}`]);
  const rankHeldOut = new Set(reference.heldOutTests);
  const byTest = new Map<string, number[]>();
  packages.forEach((p, i) => {
    const list = byTest.get(p.test);
    if (list) list.push(i);
    else byTest.set(p.test, [i]);
  });
  const trainingGroups = [...byTest]
    .filter(([test]) => !rankHeldOut.has(test))
    .map(([, members]) => members.map((i) => ({ text: packages[i]!.headline, rate: labels[i]! })));
  log(`pairwise ranking: training ours on ${trainingGroups.length} tests ...`);
  const trained = timed(() => PairwiseRanker.train(trainingGroups));
  const rankRows = indicesWhere((p) => rankHeldOut.has(p.test));
  const rankPairs = pairsOf(rankRows);
  const rankScores = new Map(rankRows.map((i) => [i, trained.value.score(packages[i]!.headline)]));
  const ours = pairwiseAccuracy(rankPairs, rankScores).accuracy;
  const oursSignificant = pairwiseAccuracy(
    rankPairs.filter((p) => p.significant),
    rankScores,
  ).accuracy;
  console.log(
    `\nPairwise ranking on the reference's split (NumPy default_rng(0), ${rankHeldOut.size} held-out tests, ` +
      `${rankPairs.length} pairs, ${rankPairs.filter((p) => p.significant).length} significant; ` +
      `reference counted ${reference.pairs} and ${reference.significantPairs}); ` +
      `fit ${trained.seconds.toFixed(1)} s ours, ${reference.fitSeconds.toFixed(1)} s scikit-learn`,
  );
  console.log(
    `upworthy: pairwise accuracy ours ${ours.toFixed(3)} vs reference ${reference.accuracy.toFixed(3)} (different headlines), ` +
      `ours ${oursSignificant.toFixed(3)} vs reference ${reference.significantAccuracy.toFixed(3)} (significant)`,
  );
}
