/**
 * Recommenders and the user-interest model on UCI Online Retail, beside NumPy/SciPy
 * references run by this bench in the same run on the same split.
 *
 *   npx tsx bench/recommend.ts [--cut 2011-09-01] [--seed 1] [--latency-users 1000]
 *
 * Data (shared/data/uci-online-retail, see its README): purchases only (invoices not
 * starting with 'C', Quantity > 0), known customers, product stock codes only (postage,
 * fees, manual lines, vouchers out). One event per (invoice, stock code).
 * Split: global time split at `--cut`. Train = every event before the cut. Test users =
 * customers who bought before and after the cut; truth = the items they bought after the
 * cut that someone bought before it (the catalogue). "Unseen" = the truth items the user
 * never bought before the cut, scored on lists that exclude the user's past purchases,
 * over the test users who have at least one.
 * Metrics at 10: HitRate (share of users with a hit), Recall (hits / |truth|), NDCG (binary
 * gains, ideal = min(|truth|, 10) hits on top), and catalogue coverage (share of catalogue
 * items that appear in some list). Every list, ours and the references', is scored here.
 * The served blend learns its weights on a validation split inside the training side
 * (its last 90 days), never on the test period.
 * Interest model: next purchase category (the first order after the cut), trained on
 * snapshots before the cut, against the user's most frequent past category (top-1) and their
 * three most frequent (top-3).
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { table } from '../cli/output';
import {
  categoryOfDescription,
  categoryRules,
  isNonProductCode,
  otherCategory,
} from '../functions/profile/categories';
import { scoreAllItems } from '../functions/profile/kernels/als';
import {
  countMatrix,
  logBefore,
  OwnHistory,
  type PurchaseLog,
  purchaseLog,
} from '../functions/profile/kernels/history';
import {
  fitInterestModel,
  frequentCategories,
  nextCategory,
  predictInterest,
  rank,
} from '../functions/profile/kernels/interest';
import { itemNeighbours, neighbourScores, TopK } from '../functions/profile/kernels/neighbours';
import { itemPopularity } from '../functions/profile/kernels/popularity';
import {
  blendWeights,
  fitRecommender,
  RecommendScratch,
  recommend,
  userVectorOf,
} from '../functions/profile/kernels/recommend';
import { dataDir } from './generate-data';
import { checkPython, runPythonJson } from './lib/python';
import { progress, timed } from './lib/timing';

const DATA = join(dataDir, 'uci-online-retail', 'online_retail.csv.gz');
const { values } = parseArgs({
  options: {
    cut: { type: 'string', default: '2011-09-01' },
    seed: { type: 'string', default: '1' },
    'latency-users': { type: 'string', default: '1000' },
    'no-reference': { type: 'boolean', default: false },
    factors: { type: 'string', default: '32' },
    iterations: { type: 'string', default: '10' },
    alpha: { type: 'string', default: '10' },
    regularization: { type: 'string', default: '1' },
    neighbours: { type: 'string', default: '50' },
    'half-life': { type: 'string', default: '60' },
  },
});
const seed = Number(values.seed);
const log = progress();
const DAY = 86_400_000;
const origin = Date.UTC(2010, 11, 1);
const cut = (Date.parse(`${values.cut}T00:00:00Z`) - origin) / DAY;

// --- data ---------------------------------------------------------------------------------
log(`reading ${DATA}`);
const userIds = new Map<string, number>();
const itemIds = new Map<string, number>();
const descriptions: string[] = [];
const evUser: number[] = [];
const evItem: number[] = [];
const evDay: number[] = [];
const seenLine = new Set<string>();
{
  const rows = createReadStream(DATA)
    .pipe(createGunzip())
    .pipe(parse({ columns: true }));
  for await (const row of rows as AsyncIterable<Record<string, string>>) {
    const invoice = row['InvoiceNo'] ?? '';
    const code = (row['StockCode'] ?? '').trim();
    const customer = (row['CustomerID'] ?? '').trim();
    if (!customer || !code || invoice.startsWith('C') || !(Number(row['Quantity']) > 0)) continue;
    if (isNonProductCode(code)) continue;
    const key = `${invoice}|${code}`;
    if (seenLine.has(key)) continue;
    seenLine.add(key);
    let u = userIds.get(customer);
    if (u === undefined) {
      u = userIds.size;
      userIds.set(customer, u);
    }
    let i = itemIds.get(code);
    if (i === undefined) {
      i = itemIds.size;
      itemIds.set(code, i);
      descriptions.push((row['Description'] ?? '').trim());
    }
    const [date = '', time = '00:00:00'] = (row['InvoiceDate'] ?? '').split(' ');
    evUser.push(u);
    evItem.push(i);
    evDay.push((Date.parse(`${date}T${time}Z`) - origin) / DAY);
  }
}
const all = purchaseLog(userIds.size, itemIds.size, evUser, evItem, evDay);
const train = logBefore(all, cut);
const popularityAll = itemPopularity(train, cut);
const inCatalogue = (i: number) => popularityAll[i]! > 0;
const catalogue = popularityAll.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
const trainUsers = countUsers(train);
log(
  `${all.item.length.toLocaleString('en')} (invoice, item) events, ${all.users} customers, ${all.items} items; ` +
    `train: ${train.item.length.toLocaleString('en')} events, ${trainUsers} users, ${catalogue} catalogue items`,
);

// Test users and their truth.
const testUsers: number[] = [];
const truth: Array<Set<number>> = [];
const unseenTruth: Array<Set<number>> = [];
const trainItems: Array<Set<number>> = [];
for (let u = 0; u < all.users; u++) {
  const before = new Set<number>();
  const after = new Set<number>();
  for (let e = all.userPtr[u]!; e < all.userPtr[u + 1]!; e++) {
    if (all.day[e]! < cut) before.add(all.item[e]!);
    else if (inCatalogue(all.item[e]!)) after.add(all.item[e]!);
  }
  if (before.size === 0 || after.size === 0) continue;
  testUsers.push(u);
  truth.push(after);
  unseenTruth.push(new Set([...after].filter((i) => !before.has(i))));
  trainItems.push(before);
}
log(`${testUsers.length} test users (bought before and after ${values.cut})`);

// --- metrics ------------------------------------------------------------------------------
interface Scores {
  hit: number;
  recall: number;
  ndcg: number;
  coverage: number;
  users: number;
}
function evaluate(lists: number[][], unseen: boolean): Scores {
  let hit = 0;
  let recall = 0;
  let ndcg = 0;
  let users = 0;
  const covered = new Set<number>();
  lists.forEach((list, t) => {
    const relevant = unseen ? unseenTruth[t]! : truth[t]!;
    if (relevant.size === 0) return;
    users++;
    let hits = 0;
    let dcg = 0;
    list.slice(0, 10).forEach((i, r) => {
      covered.add(i);
      if (relevant.has(i)) {
        hits++;
        dcg += 1 / Math.log2(r + 2);
      }
    });
    let ideal = 0;
    for (let r = 0; r < Math.min(10, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
    hit += hits > 0 ? 1 : 0;
    recall += hits / relevant.size;
    ndcg += dcg / ideal;
  });
  return {
    hit: hit / users,
    recall: recall / users,
    ndcg: ndcg / users,
    coverage: covered.size / catalogue,
    users,
  };
}

// --- ours ---------------------------------------------------------------------------------
interface Method {
  name: string;
  all: number[][];
  unseen: number[][];
  fitSeconds?: number;
}
const methods: Method[] = [];
const halfLife = 60;

/** Top 10 of a dense score vector over the catalogue, optionally without the user's items. */
const top10 = new TopK(10);
const topIndex = new Int32Array(10);
const topScore = new Float64Array(10);
function topOf(scores: ArrayLike<number>, exclude?: Set<number>): number[] {
  top10.clear();
  for (let i = 0; i < all.items; i++) {
    if (!inCatalogue(i) || exclude?.has(i)) continue;
    top10.offer(i, scores[i]!);
  }
  const n = top10.drainInto(topIndex, topScore, 0);
  return Array.from(topIndex.subarray(0, n));
}

{
  log('ours: popularity (recency-weighted, half-life 60 days)');
  const fit = timed(() => itemPopularity(train, cut, halfLife));
  methods.push({
    name: 'ours: popularity',
    all: testUsers.map(() => topOf(fit.value)),
    unseen: testUsers.map((_, t) => topOf(fit.value, trainItems[t])),
    fitSeconds: fit.seconds,
  });

  log('ours: own history by recency-weighted count, popularity to fill');
  const h = new OwnHistory(all.items);
  const maxPop = Math.max(...fit.value);
  const own = new Float64Array(all.items);
  methods.push({
    name: 'ours: own history (recency), popularity fill',
    all: testUsers.map((u) => {
      h.load(train, u, cut, halfLife);
      for (let i = 0; i < all.items; i++)
        own[i] = h.recency[i]! * 1e6 + (h.has(i) ? 1e6 : 0) + fit.value[i]! / (maxPop + 1);
      return topOf(own);
    }),
    unseen: testUsers.map((_, t) => topOf(fit.value, trainItems[t])),
  });

  log('ours: item neighbours (cosine, top 50 per item)');
  const counts = countMatrix(train, Math.log1p);
  const binary = { ...counts, values: new Float64Array(counts.values.length).fill(1) };
  const knnFit = timed(() => itemNeighbours(binary, { k: 50 }));
  const knn = new Float64Array(all.items);
  const because = new Int32Array(all.items);
  const best = new Float64Array(all.items);
  const knnLists = testUsers.map((_, t) => {
    const items = [...trainItems[t]!];
    neighbourScores(knnFit.value, items, new Float64Array(items.length).fill(1), knn, because, best);
    return [topOf(knn), topOf(knn, trainItems[t])];
  });
  methods.push({
    name: 'ours: item neighbours',
    all: knnLists.map((l) => l[0]!),
    unseen: knnLists.map((l) => l[1]!),
    fitSeconds: knnFit.seconds,
  });
}

log('ours: served blend (ALS + neighbours + own history + popularity, learned on a validation split)');
const cpuBefore = process.cpuUsage();
const recommenderOptions = {
  seed,
  factors: Number(values.factors),
  iterations: Number(values.iterations),
  alpha: Number(values.alpha),
  regularization: Number(values.regularization),
  neighbours: Number(values.neighbours),
  halfLifeDays: Number(values['half-life']),
};
log(`options ${JSON.stringify(recommenderOptions)}`);
const fitted = timed(() => fitRecommender(all, cut, recommenderOptions));
const fitCpu = process.cpuUsage(cpuBefore);
const fitCpuSeconds = (fitCpu.user + fitCpu.system) / 1e6;
const model = fitted.value;
log(
  `fit in ${fitted.seconds.toFixed(2)} s; blend learned on ${model.validation.users} validation users, ` +
    `${model.validation.rows} rows, ${model.validation.positives} positives`,
);
{
  const k = model.foldIn.factors;
  const scores = new Float64Array(all.items);
  const alsLists = testUsers.map((u, t) => {
    scoreAllItems(model.foldIn.itemFactors, k, userVectorOf(model, u), scores);
    return [topOf(scores), topOf(scores, trainItems[t])];
  });
  methods.push({
    name: `ours: ALS (k=${k}, inside the fit)`,
    all: alsLists.map((l) => l[0]!),
    unseen: alsLists.map((l) => l[1]!),
  });
}
const scratch = new RecommendScratch(model.items, model.foldIn.factors);
const served = testUsers.map((u) =>
  recommend(model, all, u, { limit: 10, userVector: userVectorOf(model, u) }, scratch),
);
const discover = testUsers.map((u) =>
  recommend(
    model,
    all,
    u,
    { limit: 10, excludePurchased: true, userVector: userVectorOf(model, u) },
    scratch,
  ),
);
methods.push({
  name: 'ours: served blend',
  all: served.map((list) => list.map((r) => r.item)),
  unseen: discover.map((list) => list.map((r) => r.item)),
  fitSeconds: fitted.seconds,
});
for (const [t, u] of testUsers.entries()) {
  for (const r of discover[t]!)
    if (trainItems[t]!.has(r.item))
      throw new Error(`exclude=purchased returned a purchased item for user ${u}`);
}

// Latency: one user's list, the ALS vector folded in from the history (the cold path).
const latencyUsers = testUsers.slice(0, Number(values['latency-users']));
for (const u of latencyUsers.slice(0, 50)) recommend(model, all, u, { limit: 10 }, scratch);
const latencies = latencyUsers.map(
  (u) => timed(() => recommend(model, all, u, { limit: 10 }, scratch)).seconds * 1000,
);
latencies.sort((a, b) => a - b);
const p50 = latencies[Math.floor(latencies.length / 2)]!;
const p99 = latencies[Math.floor(latencies.length * 0.99)]!;

// --- references ---------------------------------------------------------------------------
log('looking for NumPy and SciPy');
const python = values['no-reference']
  ? ({ ok: false, reason: '--no-reference' } as const)
  : checkPython(['numpy', 'scipy'], 'apt-get install -y python3-numpy python3-scipy');
interface Reference {
  numpy: string;
  scipy: string;
  methods: Record<string, { all: number[][]; unseen: number[][] }>;
  seconds: Record<string, number>;
}
let reference: Reference | undefined;
if (!python.ok) console.log(`\nreferences skipped: ${python.reason}\n`);
else {
  const folder = mkdtempSync(join(tmpdir(), 'tailor-recommend-'));
  try {
    // The references get the catalogue re-indexed to 0..catalogue-1 and the train counts.
    const catalogueIndex = new Int32Array(all.items).fill(-1);
    const catalogueItems: number[] = [];
    for (let i = 0; i < all.items; i++) if (inCatalogue(i)) catalogueIndex[i] = catalogueItems.push(i) - 1;
    const counts = countMatrix(train);
    const user: number[] = [];
    const item: number[] = [];
    const count: number[] = [];
    for (let u = 0; u < counts.rows; u++) {
      for (let p = counts.indptr[u]!; p < counts.indptr[u + 1]!; p++) {
        user.push(u);
        item.push(catalogueIndex[counts.indices[p]!]!);
        count.push(counts.values[p]!);
      }
    }
    const file = join(folder, 'split.json');
    writeFileSync(
      file,
      JSON.stringify({ users: all.users, items: catalogueItems.length, user, item, count, testUsers }),
    );
    log('references: popular, item-kNN, EASE, own frequency (NumPy/SciPy) ...');
    reference = runPythonJson<Reference>(join(import.meta.dirname, 'reference', 'recommend.py'), [file]);
    for (const [name, lists] of Object.entries(reference.methods)) {
      const back = (l: number[]) => l.map((c) => catalogueItems[c]!);
      methods.push({
        name: `NumPy: ${name}`,
        all: lists.all.map(back),
        unseen: lists.unseen.map(back),
        fitSeconds: reference.seconds[name],
      });
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

// --- interest model -----------------------------------------------------------------------
log('interest model: next purchase category');
const categoryIds = [...categoryRules.map((r) => r.id), otherCategory.id];
const itemCategory = new Int32Array(all.items).map((_, i) =>
  categoryIds.indexOf(categoryOfDescription(descriptions[i]!)),
);
const interestFit = timed(() => fitInterestModel(train, itemCategory, categoryIds.length, cut));
let top1 = 0;
let top3 = 0;
let base1 = 0;
let base3 = 0;
let evaluated = 0;
let logLoss = 0;
for (const u of testUsers) {
  const label = nextCategory(all, u, cut, Number.POSITIVE_INFINITY, itemCategory, categoryIds.length);
  const probabilities = predictInterest(interestFit.value, train, u, cut, itemCategory);
  if (label < 0 || !probabilities) continue;
  evaluated++;
  const ranked = rank(probabilities);
  top1 += ranked[0] === label ? 1 : 0;
  top3 += ranked.slice(0, 3).includes(label) ? 1 : 0;
  const frequent = frequentCategories(train, u, cut, itemCategory, categoryIds.length);
  base1 += frequent[0] === label ? 1 : 0;
  base3 += frequent.slice(0, 3).includes(label) ? 1 : 0;
  logLoss -= Math.log(Math.max(probabilities[label]!, 1e-15));
}

// --- report -------------------------------------------------------------------------------
const f3 = (v: number) => v.toFixed(3);
console.log(
  `\nUCI Online Retail, time split at ${values.cut}: train = before, test = after; ${testUsers.length} test users, ` +
    `${catalogue} catalogue items. Metrics @10; "unseen" lists exclude the user's past purchases and are scored ` +
    `on their never-bought truth (${evaluate([], true).users || unseenTruth.filter((s) => s.size > 0).length} users).\n`,
);
const rows = methods.map((m) => {
  const a = evaluate(m.all, false);
  const n = evaluate(m.unseen, true);
  return { m, a, n };
});
console.log(
  table(
    [
      'method',
      'HR all',
      'Recall all',
      'NDCG all',
      'cov all',
      'HR unseen',
      'Recall unseen',
      'NDCG unseen',
      'cov unseen',
      'fit s',
    ],
    rows.map(({ m, a, n }) => [
      m.name,
      f3(a.hit),
      f3(a.recall),
      f3(a.ndcg),
      f3(a.coverage),
      f3(n.hit),
      f3(n.recall),
      f3(n.ndcg),
      f3(n.coverage),
      m.fitSeconds === undefined ? '–' : m.fitSeconds.toFixed(2),
    ]),
  ),
);
console.log(
  '\nlearned blend weights (standardized features, validation split = last 90 days before the cut):',
);
console.log(
  table(
    ['feature', 'weight'],
    blendWeights(model).map((w) => [w.feature, w.weight.toFixed(3)]),
  ),
);
console.log(
  `\nserved fit (validation fit + refit, ${all.users} users × ${all.items} items, ${model.foldIn.factors} factors): ` +
    `${fitted.seconds.toFixed(2)} s wall, ${fitCpuSeconds.toFixed(2)} s CPU (one thread); one user's list (fold-in + score + top 10): ` +
    `p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms over ${latencies.length} users`,
);
console.log(
  `\ninterest model (next purchase category, ${categoryIds.length} categories; trained on ${interestFit.value.examples} ` +
    `snapshots before the cut in ${interestFit.seconds.toFixed(2)} s; tested on ${evaluated} users' first order after it):`,
);
console.log(
  table(
    ['predictor', 'top-1', 'top-3', 'log loss'],
    [
      ['conditional logit (ours)', f3(top1 / evaluated), f3(top3 / evaluated), f3(logLoss / evaluated)],
      ['most frequent past category', f3(base1 / evaluated), f3(base3 / evaluated), '–'],
    ],
  ),
);
console.log(
  `${cpus().length} CPUs, 1-minute load ${loadavg()[0]!.toFixed(1)}` +
    (reference ? `; references with NumPy ${reference.numpy}, SciPy ${reference.scipy}` : ''),
);
const find = (name: string) => rows.find((r) => r.m.name === name);
const ours = find('ours: served blend')!;
console.log(
  JSON.stringify({
    bench: 'recommend',
    cut: values.cut,
    testUsers: testUsers.length,
    served: { ndcgAll: ours.a.ndcg, ndcgUnseen: ours.n.ndcg, hitAll: ours.a.hit, recallAll: ours.a.recall },
    references: Object.fromEntries(
      rows
        .filter((r) => r.m.name.startsWith('NumPy'))
        .map((r) => [r.m.name.slice(7), { ndcgAll: r.a.ndcg, ndcgUnseen: r.n.ndcg }]),
    ),
    fitSeconds: fitted.seconds,
    fitCpuSeconds,
    latencyMs: { p50, p99 },
    interest: {
      top1: top1 / evaluated,
      top3: top3 / evaluated,
      baselineTop1: base1 / evaluated,
      baselineTop3: base3 / evaluated,
    },
  }),
);

function countUsers(l: PurchaseLog): number {
  let n = 0;
  for (let u = 0; u < l.users; u++) if (l.userPtr[u + 1]! > l.userPtr[u]!) n++;
  return n;
}
