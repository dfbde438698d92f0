/**
 * The user-interest model: the category of a user's next purchase, with probabilities, by
 * multinomial logistic regression (softmax) on the user's history and profile features.
 *
 * Features of a user at day `now` (events before it), C categories:
 *   C  share of their purchases in each category,
 *   C  the same with each purchase weighted 2^(−age / half-life) (what they buy lately),
 *   C  share of each category in their last order,
 *   4  log(1 + purchases), log(1 + orders), days since the last order / 100,
 *      log(1 + distinct items).
 * Label: the category with the most lines in the user's first order on or after `now`
 * (ties to the lower category index): the "next purchase category".
 *
 * Fitting uses only events before the fit's `now`: training snapshots are taken at earlier
 * cuts (now − 30, − 60, − 90 days by default), each labelled by the first order between
 * its cut and `now`. The baseline it must beat is the user's most frequent past category.
 */

const { exp, log1p, pow, sqrt, max } = Math;

import type { PurchaseLog } from './history';

/** Options of {@link fitInterestModel}. */
export interface InterestOptions {
  /** Days before `now` at which training snapshots are cut. Default [30, 60, 90, 120]. */
  snapshots?: number[];
  /** Half-life of the recency-weighted shares. Default 60 days. */
  halfLifeDays?: number;
  /** L2 penalty on the standardized weights (per example). Default 1e-3. */
  l2?: number;
  /** Full-batch Adam steps. Default 300. */
  iterations?: number;
}

/** A fitted softmax regression over standardized features. */
export interface SoftmaxModel {
  readonly classes: number;
  readonly features: number;
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  /** classes × (features + 1) weights, the intercept last in each row. */
  readonly weights: Float64Array;
}

/** A fitted interest model. */
export interface InterestModel {
  readonly categories: number;
  readonly halfLifeDays: number;
  readonly softmax: SoftmaxModel;
  /** Training examples (user snapshots with a next order). */
  readonly examples: number;
}

/** Number of features for C categories. */
export const interestFeatureCount = (categories: number) => 3 * categories + 4;

/**
 * Writes user u's features at day `now` into `out` (length {@link interestFeatureCount}).
 * Returns false, leaving `out` zero, when the user has no purchase before `now`.
 */
export function interestFeatures(
  log: PurchaseLog,
  u: number,
  now: number,
  itemCategory: Int32Array,
  categories: number,
  halfLifeDays: number,
  out: Float64Array,
): boolean {
  out.fill(0);
  const C = categories;
  let events = 0;
  let weightSum = 0;
  let lastDay = Number.NEGATIVE_INFINITY;
  let distinctDays = 0;
  const start = log.userPtr[u]!;
  const end = log.userPtr[u + 1]!;
  // Days are grouped by order in the log only loosely, so orders are counted as distinct days.
  const seenDays = new Set<number>();
  const seenItems = new Set<number>();
  for (let e = start; e < end; e++) {
    const d = log.day[e]!;
    if (d >= now) continue;
    const c = itemCategory[log.item[e]!]!;
    if (c < 0) continue;
    events++;
    out[c]! += 1;
    const w = pow(2, -(now - d) / halfLifeDays);
    out[C + c]! += w;
    weightSum += w;
    if (d > lastDay) lastDay = d;
    const day = Math.floor(d);
    if (!seenDays.has(day)) {
      seenDays.add(day);
      distinctDays++;
    }
    seenItems.add(log.item[e]!);
  }
  if (events === 0) return false;
  let lastCount = 0;
  const lastOrder = Math.floor(lastDay);
  for (let e = start; e < end; e++) {
    const d = log.day[e]!;
    if (d >= now || Math.floor(d) !== lastOrder) continue;
    const c = itemCategory[log.item[e]!]!;
    if (c < 0) continue;
    out[2 * C + c]! += 1;
    lastCount++;
  }
  for (let c = 0; c < C; c++) {
    out[c]! /= events;
    out[C + c]! /= weightSum || 1;
    out[2 * C + c]! /= lastCount || 1;
  }
  out[3 * C] = log1p(events);
  out[3 * C + 1] = log1p(distinctDays);
  out[3 * C + 2] = (now - lastDay) / 100;
  out[3 * C + 3] = log1p(seenItems.size);
  return true;
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
    if (d >= from && d < until && itemCategory[log.item[e]!]! >= 0 && Math.floor(d) < first) first = Math.floor(d);
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
  const snapshots = options.snapshots ?? [30, 60, 90, 120];
  const halfLifeDays = options.halfLifeDays ?? 60;
  const d = interestFeatureCount(categories);
  const row = new Float64Array(d);
  const rows: number[] = [];
  const labels: number[] = [];
  for (const back of snapshots) {
    const cut = now - back;
    for (let u = 0; u < log.users; u++) {
      const label = nextCategory(log, u, cut, now, itemCategory, categories);
      if (label < 0) continue;
      if (!interestFeatures(log, u, cut, itemCategory, categories, halfLifeDays, row)) continue;
      for (const v of row) rows.push(v);
      labels.push(label);
    }
  }
  const softmax = fitSoftmax(Float64Array.from(rows), d, Int32Array.from(labels), categories, {
    l2: options.l2 ?? 1e-3,
    iterations: options.iterations ?? 300,
  });
  return { categories, halfLifeDays, softmax, examples: labels.length };
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
  const row = new Float64Array(model.softmax.features);
  if (!interestFeatures(log, u, now, itemCategory, model.categories, model.halfLifeDays, row)) return null;
  return softmaxProbabilities(model.softmax, row, out);
}

/** Class probabilities of one feature row. */
export function softmaxProbabilities(m: SoftmaxModel, x: ArrayLike<number>, out: Float64Array): Float64Array {
  const D = m.features + 1;
  let top = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < m.classes; c++) {
    let z = m.weights[c * D + m.features]!;
    for (let f = 0; f < m.features; f++) z += (m.weights[c * D + f]! * (x[f]! - m.mean[f]!)) / m.scale[f]!;
    out[c] = z;
    if (z > top) top = z;
  }
  let sum = 0;
  for (let c = 0; c < m.classes; c++) {
    out[c] = exp(out[c]! - top);
    sum += out[c]!;
  }
  for (let c = 0; c < m.classes; c++) out[c]! /= sum;
  return out;
}

/**
 * Multinomial logistic regression: minimizes the mean cross-entropy plus l2/2 · ‖W‖²
 * (intercepts unpenalized) over standardized features, by full-batch Adam. Convex, so the
 * optimizer only affects how close to the optimum it gets in `iterations` steps.
 *
 * @param x n × d row-major; y the class of each row in [0, classes).
 */
export function fitSoftmax(
  x: Float64Array,
  d: number,
  y: Int32Array,
  classes: number,
  options: { l2?: number; iterations?: number; learningRate?: number } = {},
): SoftmaxModel {
  const n = y.length;
  const l2 = options.l2 ?? 1e-3;
  const iterations = options.iterations ?? 300;
  const lr = options.learningRate ?? 0.05;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d).fill(1);
  for (let r = 0; r < n; r++) for (let f = 0; f < d; f++) mean[f]! += x[r * d + f]! / n;
  for (let f = 0; f < d; f++) {
    let v = 0;
    for (let r = 0; r < n; r++) v += (x[r * d + f]! - mean[f]!) ** 2;
    const sd = sqrt(v / max(n, 1));
    scale[f] = sd > 1e-12 ? sd : 1;
  }
  const z = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let f = 0; f < d; f++) z[r * d + f] = (x[r * d + f]! - mean[f]!) / scale[f]!;
  const D = d + 1;
  const w = new Float64Array(classes * D);
  const g = new Float64Array(classes * D);
  const m1 = new Float64Array(classes * D);
  const m2 = new Float64Array(classes * D);
  const p = new Float64Array(classes);
  for (let it = 1; it <= iterations; it++) {
    g.fill(0);
    for (let r = 0; r < n; r++) {
      const o = r * d;
      let top = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < classes; c++) {
        let s = w[c * D + d]!;
        for (let f = 0; f < d; f++) s += w[c * D + f]! * z[o + f]!;
        p[c] = s;
        if (s > top) top = s;
      }
      let sum = 0;
      for (let c = 0; c < classes; c++) {
        p[c] = exp(p[c]! - top);
        sum += p[c]!;
      }
      for (let c = 0; c < classes; c++) {
        const err = p[c]! / sum - (y[r] === c ? 1 : 0);
        if (err === 0) continue;
        const co = c * D;
        for (let f = 0; f < d; f++) g[co + f]! += err * z[o + f]!;
        g[co + d]! += err;
      }
    }
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - pow(b1, it);
    const c2 = 1 - pow(b2, it);
    for (let q = 0; q < w.length; q++) {
      const intercept = q % D === d;
      const grad = g[q]! / n + (intercept ? 0 : l2 * w[q]!);
      m1[q] = b1 * m1[q]! + (1 - b1) * grad;
      m2[q] = b2 * m2[q]! + (1 - b2) * grad * grad;
      w[q]! -= (lr * (m1[q]! / c1)) / (sqrt(m2[q]! / c2) + 1e-8);
    }
  }
  return { classes, features: d, mean, scale, weights: w };
}
