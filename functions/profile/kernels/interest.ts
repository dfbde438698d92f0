/**
 * The user-interest model: the category of a user's next purchase, with probabilities, by
 * multinomial logistic regression with category-specific features (McFadden's conditional
 * logit): P(c) ∝ exp(b_c + Σ_j β_j · g_j(u, c)), one intercept per category and one weight
 * per feature shared by all categories. Sharing the weights across categories is what lets a
 * few thousand training users teach it: "the user's own share of c" means the same for every
 * c, where a plain softmax would need one weight per (feature, category).
 *
 * Features g(u, c) of a user at day `now` (events before it), for each category c:
 *   share of their purchases in c; the same with purchases weighted 2^(−age / half-life);
 *   share of c in their last order; whether c is their most frequent category; whether it is
 *   among their three most frequent; whether they ever bought c; share × log(1 + orders)
 *   (loyalty grows with history); whether c is their second or third most frequent; days
 *   since they last bought c; c's share of everyone's purchases in the 30 days before
 *   `now` and its change against the 120 days before (what is in season).
 * Label: the category with the most lines in the user's first order on or after `now`
 * (ties to the lower category index): the "next purchase category".
 *
 * Fitting uses only events before the fit's `now`: training snapshots are taken at earlier
 * cuts (every 30 days from 30 to 180 days back by default), each labelled by the first order
 * between its cut and `now`. Newton steps on the L2-penalized log-likelihood. The baseline it
 * must beat is the user's most frequent past category.
 */
import type { PurchaseLog } from './history';
import { solveSpd } from './linalg';

const { exp, log1p, pow } = Math;

/** Options of {@link fitInterestModel}. */
export interface InterestOptions {
  /** Days before `now` at which training snapshots are cut. Default every 30 days from 30 to 180. */
  snapshots?: number[];
  /** Half-life of the recency-weighted shares. Default 60 days. */
  halfLifeDays?: number;
  /** L2 penalty on the weights (on the summed log-likelihood). Default 1. */
  l2?: number;
  /** Most Newton steps. Default 30. */
  iterations?: number;
}

/** Names of the category-specific features, in order. */
export const interestFeatures = [
  'share of purchases',
  'recency-weighted share',
  'share of the last order',
  'most frequent category',
  'among the three most frequent',
  'ever bought',
  'share × log(1 + orders)',
  'share of everyone’s purchases, last 30 days',
  'change of that share against 120 days',
  'second most frequent category',
  'third most frequent category',
  'days since they last bought it ÷ 100 (3 when never)',
] as const;
const J = interestFeatures.length;

/** A fitted interest model. */
export interface InterestModel {
  readonly categories: number;
  readonly halfLifeDays: number;
  /** Shared feature weights β (J). */
  readonly weights: Float64Array;
  /** Per-category intercepts b (C). */
  readonly intercepts: Float64Array;
  /** Category trends at the fit's `now` (30 and 120 days), the features of predictions as of then. */
  readonly trend: Float64Array;
  readonly trendLong: Float64Array;
  /** Training examples (user snapshots with a next order). */
  readonly examples: number;
}

/**
 * Writes user u's features at day `now` into `out` (categories × J, row per category).
 * Returns false, leaving `out` zero, when the user has no purchase before `now`.
 */
export function userCategoryFeatures(
  log: PurchaseLog,
  u: number,
  now: number,
  itemCategory: Int32Array,
  categories: number,
  halfLifeDays: number,
  trend: ArrayLike<number>,
  trendLong: ArrayLike<number>,
  out: Float64Array,
): boolean {
  out.fill(0);
  const C = categories;
  const count = new Float64Array(C);
  const recent = new Float64Array(C);
  const last = new Float64Array(C);
  const lastOf = new Float64Array(C).fill(Number.NEGATIVE_INFINITY);
  let events = 0;
  let weightSum = 0;
  let lastDay = Number.NEGATIVE_INFINITY;
  const days = new Set<number>();
  const start = log.userPtr[u]!;
  const end = log.userPtr[u + 1]!;
  for (let e = start; e < end; e++) {
    const d = log.day[e]!;
    const c = itemCategory[log.item[e]!]!;
    if (d >= now || c < 0) continue;
    events++;
    count[c]! += 1;
    const w = pow(2, -(now - d) / halfLifeDays);
    recent[c]! += w;
    weightSum += w;
    if (d > lastDay) lastDay = d;
    if (d > lastOf[c]!) lastOf[c] = d;
    days.add(Math.floor(d));
  }
  if (events === 0) return false;
  // Orders are counted as distinct days: the log keeps days, not invoice numbers.
  const lastOrder = Math.floor(lastDay);
  let lastCount = 0;
  for (let e = start; e < end; e++) {
    const d = log.day[e]!;
    const c = itemCategory[log.item[e]!]!;
    if (d >= now || c < 0 || Math.floor(d) !== lastOrder) continue;
    last[c]! += 1;
    lastCount++;
  }
  const ranked = rank(count);
  const orders = log1p(days.size);
  for (let c = 0; c < C; c++) {
    const o = c * J;
    const share = count[c]! / events;
    out[o] = share;
    out[o + 1] = recent[c]! / (weightSum || 1);
    out[o + 2] = last[c]! / (lastCount || 1);
    out[o + 3] = ranked[0] === c ? 1 : 0;
    out[o + 4] = count[c]! > 0 && ranked.indexOf(c) < 3 ? 1 : 0;
    out[o + 5] = count[c]! > 0 ? 1 : 0;
    out[o + 6] = share * orders;
    out[o + 7] = trend[c]!;
    out[o + 8] = trend[c]! - trendLong[c]!;
    out[o + 9] = count[c]! > 0 && ranked[1] === c ? 1 : 0;
    out[o + 10] = count[c]! > 0 && ranked[2] === c ? 1 : 0;
    out[o + 11] = count[c]! > 0 ? Math.min(3, (now - lastOf[c]!) / 100) : 3;
  }
  return true;
}

/** Each category's share of all purchases in the `days` before `now`. */
export function categoryTrend(
  log: PurchaseLog,
  now: number,
  itemCategory: Int32Array,
  categories: number,
  days = 30,
): Float64Array {
  const out = new Float64Array(categories);
  let total = 0;
  for (let e = 0; e < log.item.length; e++) {
    const d = log.day[e]!;
    const c = itemCategory[log.item[e]!]!;
    if (d < now && d >= now - days && c >= 0) {
      out[c]! += 1;
      total++;
    }
  }
  for (let c = 0; c < categories; c++) out[c]! /= total || 1;
  return out;
}

/**
 * The category of user u's first order on or after `from` and before `until` (the one with
 * most lines, ties to the lower index), or −1 when there is none.
 */
export function nextCategory(
  log: PurchaseLog,
  u: number,
  from: number,
  until: number,
  itemCategory: Int32Array,
  categories: number,
): number {
  let first = Number.POSITIVE_INFINITY;
  for (let e = log.userPtr[u]!; e < log.userPtr[u + 1]!; e++) {
    const d = log.day[e]!;
    if (d >= from && d < until && itemCategory[log.item[e]!]! >= 0 && Math.floor(d) < first)
      first = Math.floor(d);
  }
  if (first === Number.POSITIVE_INFINITY) return -1;
  const counts = new Int32Array(categories);
  for (let e = log.userPtr[u]!; e < log.userPtr[u + 1]!; e++) {
    const d = log.day[e]!;
    const c = itemCategory[log.item[e]!]!;
    if (d >= from && d < until && c >= 0 && Math.floor(d) === first) counts[c]!++;
  }
  let best = 0;
  for (let c = 1; c < categories; c++) if (counts[c]! > counts[best]!) best = c;
  return best;
}

/**
 * Past categories of user u (events before `now`) ranked by purchase count, ties to the
 * lower index: the baseline "the user's most frequent past category" and its top 3.
 */
export function frequentCategories(
  log: PurchaseLog,
  u: number,
  now: number,
  itemCategory: Int32Array,
  categories: number,
): number[] {
  const counts = new Float64Array(categories);
  for (let e = log.userPtr[u]!; e < log.userPtr[u + 1]!; e++) {
    const c = itemCategory[log.item[e]!]!;
    if (log.day[e]! < now && c >= 0) counts[c]! += 1;
  }
  return rank(counts).filter((c) => counts[c]! > 0);
}

/** Indices of `values` by decreasing value, ties to the lower index. */
export function rank(values: ArrayLike<number>): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
}

/** Fits the interest model on snapshots of `log` before `now` (see the module comment). */
export function fitInterestModel(
  log: PurchaseLog,
  itemCategory: Int32Array,
  categories: number,
  now: number,
  options: InterestOptions = {},
): InterestModel {
  const snapshots = options.snapshots ?? [30, 60, 90, 120, 150, 180];
  const halfLifeDays = options.halfLifeDays ?? 60;
  const C = categories;
  const row = new Float64Array(C * J);
  const rows: number[] = [];
  const labels: number[] = [];
  for (const back of snapshots) {
    const cut = now - back;
    const trend = categoryTrend(log, cut, itemCategory, C, 30);
    const trendLong = categoryTrend(log, cut, itemCategory, C, 120);
    for (let u = 0; u < log.users; u++) {
      const label = nextCategory(log, u, cut, now, itemCategory, C);
      if (label < 0) continue;
      if (!userCategoryFeatures(log, u, cut, itemCategory, C, halfLifeDays, trend, trendLong, row)) continue;
      for (const v of row) rows.push(v);
      labels.push(label);
    }
  }
  const { weights, intercepts } = fitConditionalLogit(
    Float64Array.from(rows),
    Int32Array.from(labels),
    C,
    J,
    {
      l2: options.l2 ?? 1,
      iterations: options.iterations ?? 30,
    },
  );
  return {
    categories: C,
    halfLifeDays,
    weights,
    intercepts,
    trend: categoryTrend(log, now, itemCategory, C, 30),
    trendLong: categoryTrend(log, now, itemCategory, C, 120),
    examples: labels.length,
  };
}

/**
 * The probability of each category for user u's next purchase after `now` (events before
 * it), into `out`; null when the user has no history (no basis for a prediction).
 */
export function predictInterest(
  model: InterestModel,
  log: PurchaseLog,
  u: number,
  now: number,
  itemCategory: Int32Array,
  out: Float64Array = new Float64Array(model.categories),
): Float64Array | null {
  const row = new Float64Array(model.categories * J);
  const ok = userCategoryFeatures(
    log,
    u,
    now,
    itemCategory,
    model.categories,
    model.halfLifeDays,
    model.trend,
    model.trendLong,
    row,
  );
  if (!ok) return null;
  return logitProbabilities(model.weights, model.intercepts, row, model.categories, J, out);
}

/** Category probabilities of one user's C × J feature block. */
export function logitProbabilities(
  weights: ArrayLike<number>,
  intercepts: ArrayLike<number>,
  x: ArrayLike<number>,
  C: number,
  features: number,
  out: Float64Array,
): Float64Array {
  let top = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < C; c++) {
    let z = intercepts[c]!;
    for (let j = 0; j < features; j++) z += weights[j]! * x[c * features + j]!;
    out[c] = z;
    if (z > top) top = z;
  }
  let sum = 0;
  for (let c = 0; c < C; c++) {
    out[c] = exp(out[c]! - top);
    sum += out[c]!;
  }
  for (let c = 0; c < C; c++) out[c]! /= sum;
  return out;
}

/**
 * Conditional logit by Newton's method: maximizes Σ_r log P(y_r) − l2/2 (‖β‖² + ‖b‖²) with
 * P(c) ∝ exp(b_c + βᵀ x_rc). Parameters: J shared weights then C intercepts.
 *
 * @param x n × C × J row-major; y the class of each row in [0, C).
 */
export function fitConditionalLogit(
  x: Float64Array,
  y: Int32Array,
  C: number,
  features: number,
  options: { l2?: number; iterations?: number } = {},
): { weights: Float64Array; intercepts: Float64Array } {
  const n = y.length;
  const l2 = options.l2 ?? 1;
  const iterations = options.iterations ?? 30;
  const P = features + C;
  const theta = new Float64Array(P);
  const grad = new Float64Array(P);
  const hess = new Float64Array(P * P);
  const p = new Float64Array(C);
  const mean = new Float64Array(P);
  const g = new Float64Array(P);
  const objective = (t: Float64Array) => {
    let sum = 0;
    for (let r = 0; r < n; r++) {
      const o = r * C * features;
      logitProbabilities(t, t.subarray(features), x.subarray(o, o + C * features), C, features, p);
      sum += Math.log(Math.max(p[y[r]!]!, 1e-300));
    }
    let norm = 0;
    for (const v of t) norm += v * v;
    return sum - (l2 / 2) * norm;
  };
  for (let it = 0; it < iterations; it++) {
    grad.fill(0);
    hess.fill(0);
    for (let r = 0; r < n; r++) {
      const o = r * C * features;
      logitProbabilities(theta, theta.subarray(features), x.subarray(o, o + C * features), C, features, p);
      // mean = Σ_c p_c g_c, where g_c = (x_rc, e_c).
      mean.fill(0);
      for (let c = 0; c < C; c++) {
        for (let j = 0; j < features; j++) mean[j]! += p[c]! * x[o + c * features + j]!;
        mean[features + c] = p[c]!;
      }
      const label = y[r]!;
      for (let j = 0; j < features; j++) grad[j]! += x[o + label * features + j]! - mean[j]!;
      for (let c = 0; c < C; c++) grad[features + c]! += (c === label ? 1 : 0) - p[c]!;
      // Hessian of −log-likelihood: Σ_c p_c g_c g_cᵀ − mean meanᵀ (lower triangle).
      for (let c = 0; c < C; c++) {
        const pc = p[c]!;
        if (pc < 1e-12) continue;
        g.fill(0);
        for (let j = 0; j < features; j++) g[j] = x[o + c * features + j]!;
        g[features + c] = 1;
        for (let a = 0; a < P; a++) {
          const ga = g[a]!;
          if (ga === 0) continue;
          const w = pc * ga;
          for (let b = 0; b <= a; b++) hess[a * P + b]! += w * g[b]!;
        }
      }
      for (let a = 0; a < P; a++) {
        const ma = mean[a]!;
        for (let b = 0; b <= a; b++) hess[a * P + b]! -= ma * mean[b]!;
      }
    }
    for (let a = 0; a < P; a++) {
      grad[a]! -= l2 * theta[a]!;
      hess[a * P + a]! += l2;
    }
    const step = solveSpd(hess, grad, P);
    // Backtracking: halve the Newton step until the penalized likelihood does not drop, so
    // rare categories (intercepts far from 0) cannot make the iteration overshoot.
    const before = objective(theta);
    const start = theta.slice();
    let scale = 1;
    let change = 0;
    for (let tries = 0; tries < 30; tries++, scale /= 2) {
      change = 0;
      for (let a = 0; a < P; a++) {
        theta[a] = start[a]! + scale * step[a]!;
        change = Math.max(change, Math.abs(scale * step[a]!));
      }
      if (objective(theta) >= before - 1e-9 * Math.abs(before)) break;
    }
    if (change < 1e-7) break;
  }
  return { weights: theta.slice(0, features), intercepts: theta.slice(features) };
}
