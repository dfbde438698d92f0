/**
 * The served recommender: "buy again" (the user's own repeat purchases, by recency) and
 * "discover" (implicit ALS, item neighbours, popularity) blended by a logistic regression
 * learned per fit on a time-based validation split, never by hand weights.
 *
 * Fitting (see {@link fitRecommender}):
 * 1. Hold out the last `validationDays` of the log. Fit ALS, neighbours and popularity on
 *    the events before that cut.
 * 2. For each user who bought on both sides, compute the blend's features for their
 *    candidate items (every item they bought, the best unseen items by ALS and by
 *    neighbours, a few random ones) and label each by whether they bought it after the cut.
 *    Fit the blend's weights on those rows (L2 logistic regression, Newton steps).
 * 3. Refit the components on the whole log; the blend's weights carry over. Features are
 *    on scales that do not depend on the amount of data (log counts, cosine sums, dot
 *    products, log popularity), and are standardized with the validation rows' statistics.
 *
 * The features give the seen and unseen items separate weights (interactions with the
 * "seen" indicator), so one model ranks both, and the `excludePurchased` list is the same
 * model restricted to unseen items.
 */
import { mulberry32 } from '../../../core/random';
import { type AlsModel, type FoldIn, fitImplicitAls, foldInOf, foldInUser, scoreAllItems } from './als';
import { basketMatrix, countMatrix, logBefore, OwnHistory, type PurchaseLog } from './history';
import { solveSpd } from './linalg';
import { itemNeighbours, type Neighbours, neighbourScores, TopK } from './neighbours';
import { itemPopularity } from './popularity';

const { log1p, exp, sqrt, abs } = Math;

/** Options of {@link fitRecommender}. */
export interface RecommenderOptions {
  seed: number;
  /** ALS latent dimension. Default 32. */
  factors?: number;
  /** ALS alternations. Default 10. */
  iterations?: number;
  /** ALS confidence scale (c = 1 + α · log(1 + count)). Default 10. */
  alpha?: number;
  /** ALS L2 regularization. Default 1. */
  regularization?: number;
  /** Neighbours kept per item. Default 50. */
  neighbours?: number;
  /** Half-life of a purchase's weight in the own-history and popularity signals. Default 60 days. */
  halfLifeDays?: number;
  /** Days at the end of the log held out to learn the blend. Default 90. */
  validationDays?: number;
  /** Most validation users used to learn the blend (a seeded sample). Default 3000. */
  maxValidationUsers?: number;
}

/** The signal that contributed most to an item's place in the list. */
export type RecommendationSource = 'history' | 'neighbours' | 'factors' | 'popularity';

/** Names of the blend's features, in order (for reports and the learned weights). */
export const blendFeatures = [
  'seen',
  'seen × log(1 + purchases)',
  'seen × log(1 + recency-weighted purchases)',
  'seen × bought in the last 30 days',
  'seen × share of the user’s purchases',
  'seen × log(1 + user’s distinct items)',
  'seen × ALS score',
  'unseen × ALS score',
  'unseen × log(1 + neighbour score)',
  'unseen × log(1 + popularity)',
  'seen × log(1 + neighbour score)',
  'seen × log(1 + popularity)',
  'unseen × log(1 + neighbour score from recent purchases)',
  'unseen × ALS score × log(1 + popularity)',
  'unseen × log(1 + neighbour score) × log(1 + popularity)',
  'unseen × log(1 + same-basket neighbour score)',
] as const;
const F = blendFeatures.length;
/** Which signal each feature belongs to, for attributing a recommendation. */
const featureSource: RecommendationSource[] = [
  'history',
  'history',
  'history',
  'history',
  'history',
  'history',
  'factors',
  'factors',
  'neighbours',
  'popularity',
  'neighbours',
  'popularity',
  'neighbours',
  'factors',
  'neighbours',
  'neighbours',
];

/** Learned blend: score = Σ_f w_f · (x_f − mean_f) / scale_f. */
export interface Blend {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  readonly weights: Float64Array;
}

/** A fitted recommender over `items` catalogue positions. */
export interface Recommender {
  readonly items: number;
  readonly now: number;
  readonly halfLifeDays: number;
  readonly foldIn: FoldIn;
  /** Factors of the users in the fitted log (users × k). */
  readonly userFactors: Float64Array;
  readonly neighbours: Neighbours;
  /** Items bought in the same order (basket co-occurrence cosine). */
  readonly basketNeighbours: Neighbours;
  /** log(1 + recency-weighted distinct buyers) per item, over everyone. */
  readonly popularity: Float64Array;
  readonly blend: Blend;
  /** The blend of the "discover" list, fitted on the validation rows of unseen items only. */
  readonly discoverBlend: Blend;
  /** Validation rows the blend was fitted on (positives, all); no positives means the fallback blend. */
  readonly validation: { users: number; positives: number; rows: number };
}

/** The components (ALS, neighbours, popularity) fitted on a log up to `now`. */
interface Components {
  als: AlsModel;
  foldIn: FoldIn;
  neighbours: Neighbours;
  basketNeighbours: Neighbours;
  popularity: Float64Array;
}

function fitComponents(log: PurchaseLog, now: number, o: Required<RecommenderOptions>): Components {
  const counts = countMatrix(log, (c) => log1p(c));
  const als = fitImplicitAls(counts, {
    factors: o.factors,
    iterations: o.iterations,
    alpha: o.alpha,
    regularization: o.regularization,
    seed: o.seed,
  });
  const binary = { ...counts, values: new Float64Array(counts.values.length).fill(1) };
  const neighbours = itemNeighbours(binary, { k: o.neighbours });
  const basketNeighbours = itemNeighbours(basketMatrix(log), { k: o.neighbours });
  const popularity = itemPopularity(log, now, o.halfLifeDays).map((v) => log1p(v));
  return { als, foldIn: foldInOf(als), neighbours, basketNeighbours, popularity };
}

/** Buffers for scoring one user, sized to the catalogue; reuse one per thread of work. */
export class RecommendScratch {
  readonly history: OwnHistory;
  readonly als: Float64Array;
  readonly knn: Float64Array;
  /** Neighbour scores with the history weighted by recency rather than by count. */
  readonly recentKnn: Float64Array;
  /** Same-basket neighbour scores. */
  readonly basketKnn: Float64Array;
  readonly because: Int32Array;
  readonly best: Float64Array;
  readonly score: Float64Array;
  readonly vector: Float64Array;
  readonly work: Float64Array;
  readonly weights: Float64Array;
  readonly features = new Float64Array(F);
  constructor(items: number, factors: number) {
    this.history = new OwnHistory(items);
    this.als = new Float64Array(items);
    this.knn = new Float64Array(items);
    this.recentKnn = new Float64Array(items);
    this.basketKnn = new Float64Array(items);
    this.because = new Int32Array(items);
    this.best = new Float64Array(items);
    this.score = new Float64Array(items);
    this.vector = new Float64Array(factors);
    this.work = new Float64Array(factors * factors + factors);
    this.weights = new Float64Array(items);
  }
}

/**
 * Loads the signals of user `u` (events before `now`) into the scratch: own history,
 * ALS scores (the given factors, or folded in from the history when none), neighbour scores.
 */
function loadUser(
  c: Pick<Components, 'foldIn' | 'neighbours' | 'basketNeighbours'>,
  log: PurchaseLog,
  u: number,
  now: number,
  halfLifeDays: number,
  userVector: ArrayLike<number> | undefined,
  s: RecommendScratch,
): void {
  const h = s.history.load(log, u, now, halfLifeDays);
  const items = h.itemList.subarray(0, h.size);
  for (let t = 0; t < h.size; t++) s.weights[t] = log1p(h.count[items[t]!]!);
  const weights = s.weights.subarray(0, h.size);
  const k = c.foldIn.factors;
  const vector = userVector ?? foldInUser(c.foldIn, items, weights, s.vector, s.work);
  scoreAllItems(c.foldIn.itemFactors, k, vector, s.als);
  for (let t = 0; t < h.size; t++) s.weights[t] = h.recency[items[t]!]!;
  neighbourScores(c.neighbours, items, weights, s.recentKnn, s.because, s.best);
  neighbourScores(c.basketNeighbours, items, weights, s.basketKnn, s.because, s.best);
  for (let t = 0; t < h.size; t++) s.weights[t] = log1p(h.count[items[t]!]!);
  neighbourScores(c.neighbours, items, weights, s.knn, s.because, s.best);
}

/** The blend's features of item i for the user loaded in `s`, into `out`. */
function featuresOf(
  s: RecommendScratch,
  popularity: Float64Array,
  i: number,
  now: number,
  out: Float64Array,
): void {
  const h = s.history;
  const seen = h.count[i]! > 0 ? 1 : 0;
  const unseen = 1 - seen;
  const knn = log1p(s.knn[i]!);
  const pop = popularity[i]!;
  out[0] = seen;
  out[1] = seen * log1p(h.count[i]!);
  out[2] = seen * log1p(h.recency[i]!);
  out[3] = seen && now - h.lastDay[i]! <= 30 ? 1 : 0;
  out[4] = seen * (h.count[i]! / (h.events || 1));
  out[5] = seen * log1p(h.size);
  out[6] = seen * s.als[i]!;
  out[7] = unseen * s.als[i]!;
  out[8] = unseen * knn;
  out[9] = unseen * pop;
  out[10] = seen * knn;
  out[11] = seen * pop;
  out[12] = unseen * log1p(s.recentKnn[i]!);
  out[13] = unseen * s.als[i]! * pop;
  out[14] = unseen * knn * pop;
  out[15] = unseen * log1p(s.basketKnn[i]!);
}

/** Fits the recommender to `log` as of day `now` (events on or after `now` are ignored). */
export function fitRecommender(log: PurchaseLog, now: number, options: RecommenderOptions): Recommender {
  const o: Required<RecommenderOptions> = {
    factors: 32,
    iterations: 10,
    alpha: 10,
    regularization: 1,
    neighbours: 50,
    halfLifeDays: 60,
    validationDays: 90,
    maxValidationUsers: 3000,
    ...options,
  };
  // A log shorter than four validation windows holds out its last quarter instead.
  let first = now;
  for (const d of log.day) if (d < first) first = d;
  const cut = now - Math.min(o.validationDays, (now - first) / 4);
  const before = logBefore(log, cut);
  const early = fitComponents(before, cut, o);
  const { rows, labels, users, positives } = validationRows(log, before, early, cut, now, o);
  const learnable = positives > 0 && positives < labels.length;
  const blend = learnable ? fitBlend(rows, labels) : fallbackBlend();
  const unseen = unseenRows(rows, labels);
  const discoverLearnable = unseen[1].some((l) => l === 1) && unseen[1].some((l) => l === 0);
  const discoverBlend = discoverLearnable ? fitBlend(...unseen) : fallbackBlend();
  const full = logBefore(log, now);
  const late = fitComponents(full, now, o);
  return {
    items: log.items,
    now,
    halfLifeDays: o.halfLifeDays,
    foldIn: late.foldIn,
    userFactors: late.als.userFactors,
    neighbours: late.neighbours,
    basketNeighbours: late.basketNeighbours,
    popularity: late.popularity,
    blend,
    discoverBlend,
    validation: { users, positives, rows: labels.length },
  };
}

/** The labelled candidate rows of the validation users (see the module comment, step 2). */
function validationRows(
  log: PurchaseLog,
  before: PurchaseLog,
  c: Components,
  cut: number,
  now: number,
  o: Required<RecommenderOptions>,
): { rows: Float64Array; labels: Uint8Array; users: number; positives: number } {
  const random = mulberry32(o.seed ^ 0x5bd1e995);
  const eligible: number[] = [];
  const bought = new Uint8Array(log.items);
  for (let u = 0; u < log.users; u++) {
    let hasBefore = false;
    let hasAfter = false;
    for (let e = log.userPtr[u]!; e < log.userPtr[u + 1]!; e++) {
      const d = log.day[e]!;
      if (d < cut) hasBefore = true;
      else if (d < now && c.popularity[log.item[e]!]! > 0) hasAfter = true;
    }
    if (hasBefore && hasAfter) eligible.push(u);
  }
  // A seeded sample when there are more than enough users.
  for (let t = eligible.length - 1; t > 0; t--) {
    const j = Math.floor(random() * (t + 1));
    [eligible[t], eligible[j]] = [eligible[j]!, eligible[t]!];
  }
  const chosen = eligible.slice(0, o.maxValidationUsers);
  const s = new RecommendScratch(log.items, c.foldIn.factors);
  const rows: number[] = [];
  const labels: number[] = [];
  const top = new TopK(50);
  const topIndex = new Int32Array(50);
  const topScore = new Float64Array(50);
  const candidate = new Uint8Array(log.items);
  const list: number[] = [];
  let positives = 0;
  for (const u of chosen) {
    loadUser(
      c,
      before,
      u,
      cut,
      o.halfLifeDays,
      c.als.userFactors.subarray(u * c.foldIn.factors, (u + 1) * c.foldIn.factors),
      s,
    );
    list.length = 0;
    const add = (i: number) => {
      if (!candidate[i] && c.popularity[i]! > 0) {
        candidate[i] = 1;
        list.push(i);
      }
    };
    for (let t = 0; t < s.history.size; t++) add(s.history.itemList[t]!);
    for (const signal of [s.als, s.knn]) {
      top.clear();
      for (let i = 0; i < log.items; i++) if (!s.history.has(i)) top.offer(i, signal[i]!);
      const n = top.drainInto(topIndex, topScore, 0);
      for (let t = 0; t < n; t++) add(topIndex[t]!);
    }
    for (let r = 0; r < 20; r++) add(Math.floor(random() * log.items));
    for (let e = log.userPtr[u]!; e < log.userPtr[u + 1]!; e++) {
      const d = log.day[e]!;
      if (d >= cut && d < now) bought[log.item[e]!] = 1;
    }
    for (const i of list) {
      featuresOf(s, c.popularity, i, cut, s.features);
      for (let f = 0; f < F; f++) rows.push(s.features[f]!);
      labels.push(bought[i]!);
      positives += bought[i]!;
      candidate[i] = 0;
    }
    for (let e = log.userPtr[u]!; e < log.userPtr[u + 1]!; e++) bought[log.item[e]!] = 0;
  }
  return { rows: Float64Array.from(rows), labels: Uint8Array.from(labels), users: chosen.length, positives };
}

/**
 * The blend when the validation split has nothing to learn from (a log too short or too
 * sparse to hold any repeat or new purchase out): the user's own items by recency-weighted
 * count, then the most popular. Only for cold starts; any learnable split replaces it.
 */
function fallbackBlend(): Blend {
  const weights = new Float64Array(F);
  weights[0] = 10; // seen items first
  weights[2] = 1; // by recency-weighted purchases
  weights[9] = 1; // unseen items by popularity
  weights[11] = 0.1; // popularity breaks ties among seen ones
  return { mean: new Float64Array(F), scale: new Float64Array(F).fill(1), weights };
}

/** The validation rows of items the user had not bought (feature 0, "seen", is 0). */
function unseenRows(rows: Float64Array, labels: Uint8Array): [Float64Array, Uint8Array] {
  const keep: number[] = [];
  for (let r = 0; r < labels.length; r++) if (rows[r * F] === 0) keep.push(r);
  const out = new Float64Array(keep.length * F);
  const outLabels = new Uint8Array(keep.length);
  keep.forEach((r, t) => {
    out.set(rows.subarray(r * F, (r + 1) * F), t * F);
    outLabels[t] = labels[r]!;
  });
  return [out, outLabels];
}

/**
 * L2-regularized logistic regression on standardized features by Newton's method (IRLS):
 * the blend's weights. Exported for its tests.
 *
 * @param rows n × F row-major features; labels n zeros and ones.
 */
export function fitBlend(rows: Float64Array, labels: Uint8Array, l2 = 1, iterations = 25): Blend {
  const n = labels.length;
  const d = rows.length / Math.max(n, 1);
  const mean = new Float64Array(d);
  const scale = new Float64Array(d).fill(1);
  for (let r = 0; r < n; r++) for (let f = 0; f < d; f++) mean[f]! += rows[r * d + f]! / n;
  for (let f = 0; f < d; f++) {
    let v = 0;
    for (let r = 0; r < n; r++) v += (rows[r * d + f]! - mean[f]!) ** 2;
    const sd = sqrt(v / Math.max(n, 1));
    scale[f] = sd > 1e-12 ? sd : 1;
  }
  // Weights with an intercept as the last coordinate.
  const D = d + 1;
  const w = new Float64Array(D);
  const grad = new Float64Array(D);
  const hess = new Float64Array(D * D);
  const x = new Float64Array(D);
  for (let it = 0; it < iterations; it++) {
    grad.fill(0);
    hess.fill(0);
    for (let r = 0; r < n; r++) {
      for (let f = 0; f < d; f++) x[f] = (rows[r * d + f]! - mean[f]!) / scale[f]!;
      x[d] = 1;
      let z = 0;
      for (let f = 0; f < D; f++) z += w[f]! * x[f]!;
      const p = 1 / (1 + exp(-z));
      const g = p - labels[r]!;
      const h = p * (1 - p);
      for (let a = 0; a < D; a++) {
        grad[a]! += g * x[a]!;
        const hx = h * x[a]!;
        for (let b = 0; b <= a; b++) hess[a * D + b]! += hx * x[b]!;
      }
    }
    for (let a = 0; a < d; a++) {
      grad[a]! += l2 * w[a]!;
      hess[a * D + a]! += l2;
    }
    hess[d * D + d]! += 1e-9;
    const step = solveSpd(hess, grad, D);
    let change = 0;
    for (let a = 0; a < D; a++) {
      w[a]! -= step[a]!;
      change = Math.max(change, abs(step[a]!));
    }
    if (change < 1e-8) break;
  }
  return { mean, scale, weights: w.subarray(0, d).slice() };
}

/** One recommended item. */
export interface Recommendation {
  item: number;
  score: number;
  source: RecommendationSource;
  /** The history item behind it: the item itself for "history", the neighbour's anchor for "neighbours"; −1 otherwise. */
  because: number;
}

/** Options of {@link recommend}. */
export interface RecommendOptions {
  limit: number;
  /** Only items the user has never bought (the "discover" list). */
  excludePurchased?: boolean;
  /** The user's factors from the fit; folded in from the history when absent. */
  userVector?: ArrayLike<number>;
  /** Popularity to use instead of the overall one (a segment's, log(1 + buyers) per item). */
  popularity?: Float64Array;
}

/**
 * The best `limit` items for user `u` of `log` (events before the model's `now`), best
 * first; ties go to the lower item index so the list is stable. Items no one bought before
 * the fit (popularity 0) are never recommended. Allocation: the scratch plus the result.
 */
export function recommend(
  model: Recommender,
  log: PurchaseLog,
  u: number,
  options: RecommendOptions,
  s: RecommendScratch = new RecommendScratch(model.items, model.foldIn.factors),
): Recommendation[] {
  const popularity = options.popularity ?? model.popularity;
  loadUser(model, log, u, model.now, model.halfLifeDays, options.userVector, s);
  const { mean, scale, weights } = options.excludePurchased ? model.discoverBlend : model.blend;
  const x = s.features;
  const top = new TopK(Math.max(1, options.limit));
  for (let i = 0; i < model.items; i++) {
    if (!(model.popularity[i]! > 0)) continue;
    if (options.excludePurchased && s.history.has(i)) continue;
    featuresOf(s, popularity, i, model.now, x);
    let z = 0;
    for (let f = 0; f < F; f++) z += (weights[f]! * (x[f]! - mean[f]!)) / scale[f]!;
    s.score[i] = z;
    top.offer(i, z);
  }
  const n = top.length;
  const index = new Int32Array(n);
  const score = new Float64Array(n);
  top.drainInto(index, score, 0);
  const out: Recommendation[] = [];
  for (let t = 0; t < n; t++) {
    const i = index[t]!;
    featuresOf(s, popularity, i, model.now, x);
    // Attribute to the signal whose standardized terms add most above the mean item.
    const bySource: Record<RecommendationSource, number> = {
      history: 0,
      neighbours: 0,
      factors: 0,
      popularity: 0,
    };
    for (let f = 0; f < F; f++) bySource[featureSource[f]!] += (weights[f]! * (x[f]! - mean[f]!)) / scale[f]!;
    let source: RecommendationSource = s.history.has(i) ? 'history' : 'popularity';
    if (!s.history.has(i)) {
      let bestValue = bySource.popularity;
      for (const candidate of ['neighbours', 'factors'] as const) {
        if (bySource[candidate] > bestValue) {
          bestValue = bySource[candidate];
          source = candidate;
        }
      }
      if (source === 'neighbours' && s.because[i]! < 0) source = 'factors';
    }
    const because = source === 'history' ? i : source === 'neighbours' ? s.because[i]! : -1;
    out.push({ item: i, score: score[t]!, source, because });
  }
  return out;
}

/** The users' factors of a fitted model (the row of user u). */
export function userVectorOf(model: Recommender, u: number): Float64Array {
  const k = model.foldIn.factors;
  return model.userFactors.subarray(u * k, (u + 1) * k);
}

/** For reports: the learned weight of each named feature, on the standardized scale. */
export function blendWeights(model: Pick<Recommender, 'blend'>): Array<{ feature: string; weight: number }> {
  return blendFeatures.map((feature, f) => ({ feature, weight: model.blend.weights[f]! }));
}

export type { AlsModel };
