/**
 * Probability calibration and the metrics that judge a predictor: isotonic regression
 * (pool-adjacent-violators) and Platt scaling, both fitted on held-out predictions; AUC,
 * log loss, Brier score, expected calibration error and a reliability table.
 *
 * Every function takes optional non-negative row weights (an aggregated row of 3,000
 * impressions counts 3,000 times) and labels in [0, 1] where a rate makes sense (log loss,
 * Brier, calibration); AUC needs labels of exactly 0 or 1.
 */

const { abs, log, exp, floor, max, min } = Math;

/** A fitted map from a model's probability to a calibrated probability, monotone non-decreasing. */
export interface Calibrator {
  /** The calibrated probability of a model's probability `p`. */
  apply(p: number): number;
  /** Plain data to store beside the model; {@link calibratorFromJson} rebuilds it. */
  toJSON(): CalibratorJson;
}

/** A calibrator as stored. */
export type CalibratorJson =
  | { kind: 'isotonic'; x: number[]; y: number[] }
  | { kind: 'platt'; a: number; b: number };

function checkLengths(name: string, n: number, ...arrays: Array<ArrayLike<number> | undefined>): void {
  for (const a of arrays) {
    if (a !== undefined && a.length !== n)
      throw new RangeError(`${name}: lengths differ (${n} and ${a.length})`);
  }
}

function weightAt(weights: ArrayLike<number> | undefined, i: number): number {
  if (weights === undefined) return 1;
  const w = weights[i]!;
  if (!(w >= 0 && w < Number.POSITIVE_INFINITY))
    throw new RangeError(`weight ${w} at ${i} is not finite and ≥ 0`);
  return w;
}

function labelAt(labels: ArrayLike<number>, i: number): number {
  const y = labels[i]!;
  if (!(y >= 0 && y <= 1)) throw new RangeError(`label ${y} at ${i} is not in [0, 1]`);
  return y;
}

/** Row indices ordered by score ascending (ties by index). */
function orderBy(scores: ArrayLike<number>): Int32Array {
  const n = scores.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`score ${scores[i]} at ${i} is not finite`);
  }
  return Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);
}

/**
 * Isotonic calibration: the non-decreasing step function of the score closest to the
 * labels in weighted least squares, found by pool-adjacent-violators, then made continuous
 * by linear interpolation between the blocks' centres (the weighted mean score of each
 * block), flat beyond the first and last centre. Rows with equal scores are pooled first,
 * so ties get one value.
 */
export class IsotonicCalibrator implements Calibrator {
  /**
   * @param x the blocks' centres, increasing.
   * @param y the blocks' weighted mean labels, non-decreasing, in [0, 1].
   */
  constructor(
    readonly x: Float64Array,
    readonly y: Float64Array,
  ) {
    if (x.length !== y.length || x.length === 0)
      throw new RangeError('isotonic knots: need equal, non-empty x and y');
    for (let i = 1; i < x.length; i++) {
      if (!(x[i]! > x[i - 1]!) || !(y[i]! >= y[i - 1]!))
        throw new RangeError(`isotonic knots not monotone at ${i}`);
    }
  }

  /**
   * Fits on held-out `scores` (a model's probabilities, or any score) and their labels.
   *
   * @throws RangeError when the lengths differ, there are no rows of positive weight, or a
   * score, label or weight is invalid.
   */
  static fit(
    scores: ArrayLike<number>,
    labels: ArrayLike<number>,
    weights?: ArrayLike<number>,
  ): IsotonicCalibrator {
    const n = scores.length;
    checkLengths('isotonic', n, labels, weights);
    const order = orderBy(scores);
    // Blocks on a stack: total weight, weighted sum of labels, weighted sum of scores.
    const bw = new Float64Array(n);
    const by = new Float64Array(n);
    const bx = new Float64Array(n);
    let top = -1;
    for (let k = 0; k < n; ) {
      const x = scores[order[k]!]!;
      let w = 0;
      let wy = 0;
      // Pool ties first.
      while (k < n && scores[order[k]!] === x) {
        const i = order[k++]!;
        const wi = weightAt(weights, i);
        w += wi;
        wy += wi * labelAt(labels, i);
      }
      if (w === 0) continue;
      top++;
      bw[top] = w;
      by[top] = wy;
      bx[top] = w * x;
      // Merge while the block below has a higher mean (a violation).
      while (top > 0 && by[top - 1]! * bw[top]! > by[top]! * bw[top - 1]!) {
        bw[top - 1] = bw[top - 1]! + bw[top]!;
        by[top - 1] = by[top - 1]! + by[top]!;
        bx[top - 1] = bx[top - 1]! + bx[top]!;
        top--;
      }
    }
    if (top < 0) throw new RangeError('isotonic: no rows of positive weight');
    const x = new Float64Array(top + 1);
    const y = new Float64Array(top + 1);
    for (let b = 0; b <= top; b++) {
      x[b] = bx[b]! / bw[b]!;
      y[b] = min(1, max(0, by[b]! / bw[b]!));
    }
    // Centres are strictly increasing in exact arithmetic; guard against rounding.
    let m = 0;
    for (let b = 0; b <= top; b++) {
      if (m > 0 && !(x[b]! > x[m - 1]!)) {
        y[m - 1] = max(y[m - 1]!, y[b]!);
        continue;
      }
      x[m] = x[b]!;
      y[m] = y[b]!;
      m++;
    }
    return new IsotonicCalibrator(x.slice(0, m), y.slice(0, m));
  }

  apply(p: number): number {
    const { x, y } = this;
    const last = x.length - 1;
    if (!(p > x[0]!)) return y[0]!;
    if (p >= x[last]!) return y[last]!;
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (x[mid]! <= p) lo = mid;
      else hi = mid;
    }
    const t = (p - x[lo]!) / (x[hi]! - x[lo]!);
    return y[lo]! + t * (y[hi]! - y[lo]!);
  }

  toJSON(): CalibratorJson {
    return { kind: 'isotonic', x: [...this.x], y: [...this.y] };
  }
}

/**
 * Platt scaling: p' = sigmoid(a · logit(p) + b), with a and b fitted by Newton's method
 * with backtracking (Lin, Lin and Weng, 2007) on Platt's smoothed targets, (N₊ + 1) / (N₊ + 2)
 * for positives and 1 / (N₋ + 2) for negatives, which keep it from overfitting a small
 * held-out set. Probabilities are clamped to [1e-12, 1 − 1e-12] before the logit.
 */
export class PlattCalibrator implements Calibrator {
  constructor(
    readonly a: number,
    readonly b: number,
  ) {
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError('platt: a and b must be finite');
  }

  /**
   * Fits on held-out probabilities and their labels (a label in between counts as that
   * fraction of a positive).
   *
   * @throws RangeError when the lengths differ, there are no rows of positive weight, or a
   * value is invalid.
   */
  static fit(
    probabilities: ArrayLike<number>,
    labels: ArrayLike<number>,
    weights?: ArrayLike<number>,
  ): PlattCalibrator {
    const n = probabilities.length;
    checkLengths('platt', n, labels, weights);
    const f = new Float64Array(n);
    const w = new Float64Array(n);
    let positives = 0;
    let negatives = 0;
    for (let i = 0; i < n; i++) {
      const p = probabilities[i]!;
      if (!(p >= 0 && p <= 1)) throw new RangeError(`probability ${p} at ${i} is not in [0, 1]`);
      f[i] = logit(p);
      w[i] = weightAt(weights, i);
      const y = labelAt(labels, i);
      positives += w[i]! * y;
      negatives += w[i]! * (1 - y);
    }
    if (positives + negatives === 0) throw new RangeError('platt: no rows of positive weight');
    const hi = (positives + 1) / (positives + 2);
    const lo = 1 / (negatives + 2);
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const y = labels[i]!;
      t[i] = y * hi + (1 - y) * lo;
    }
    // Minimize Σ w · logloss(t, sigmoid(a f + b)) (Lin et al. use A = −a, B = −b).
    let a = 1;
    let b = 0;
    const sigma = 1e-12;
    const objective = (a: number, b: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const m = a * f[i]! + b;
        // log(1 + e^m) − t·m, stably.
        s += w[i]! * (m >= 0 ? m + log(1 + exp(-m)) - t[i]! * m : log(1 + exp(m)) - t[i]! * m);
      }
      return s;
    };
    let value = objective(a, b);
    for (let iteration = 0; iteration < 100; iteration++) {
      let gA = 0;
      let gB = 0;
      let hAA = sigma;
      let hBB = sigma;
      let hAB = 0;
      for (let i = 0; i < n; i++) {
        const m = a * f[i]! + b;
        const p = 1 / (1 + exp(-m));
        const d = w[i]! * (p - t[i]!);
        const h = w[i]! * p * (1 - p);
        gA += d * f[i]!;
        gB += d;
        hAA += h * f[i]! * f[i]!;
        hBB += h;
        hAB += h * f[i]!;
      }
      if (abs(gA) < 1e-9 * (positives + negatives) && abs(gB) < 1e-9 * (positives + negatives)) break;
      const det = hAA * hBB - hAB * hAB;
      const dA = -(hBB * gA - hAB * gB) / det;
      const dB = -(-hAB * gA + hAA * gB) / det;
      const slope = gA * dA + gB * dB;
      let step = 1;
      let moved = false;
      while (step >= 1e-10) {
        const nextA = a + step * dA;
        const nextB = b + step * dB;
        const nextValue = objective(nextA, nextB);
        if (nextValue < value + 1e-4 * step * slope) {
          a = nextA;
          b = nextB;
          value = nextValue;
          moved = true;
          break;
        }
        step /= 2;
      }
      if (!moved) break;
    }
    return new PlattCalibrator(a, b);
  }

  apply(p: number): number {
    return 1 / (1 + exp(-(this.a * logit(p) + this.b)));
  }

  toJSON(): CalibratorJson {
    return { kind: 'platt', a: this.a, b: this.b };
  }
}

/**
 * Rebuilds a calibrator from {@link Calibrator.toJSON}'s output.
 *
 * @throws RangeError when the data are not a valid calibrator.
 */
export function calibratorFromJson(json: CalibratorJson): Calibrator {
  if (json.kind === 'isotonic')
    return new IsotonicCalibrator(Float64Array.from(json.x), Float64Array.from(json.y));
  if (json.kind === 'platt') return new PlattCalibrator(json.a, json.b);
  throw new RangeError(`unknown calibrator kind ${(json as { kind: unknown }).kind}`);
}

function logit(p: number): number {
  const q = min(1 - 1e-12, max(1e-12, p));
  return log(q / (1 - q));
}

/**
 * Area under the ROC curve, exactly: the (weighted) share of (positive, negative) pairs
 * that the scores order correctly, ties counting one half (the Mann-Whitney statistic with
 * mid-ranks). NaN when either class is absent.
 *
 * @throws RangeError when the lengths differ or a label is not 0 or 1.
 */
export function auc(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
): number {
  const n = scores.length;
  checkLengths('auc', n, labels, weights);
  for (let i = 0; i < n; i++) {
    if (labels[i] !== 0 && labels[i] !== 1)
      throw new RangeError(`auc: label ${labels[i]} at ${i} is not 0 or 1`);
  }
  const order = orderBy(scores);
  let negativesBelow = 0;
  let correct = 0;
  let positives = 0;
  for (let k = 0; k < n; ) {
    const x = scores[order[k]!]!;
    let groupPositives = 0;
    let groupNegatives = 0;
    while (k < n && scores[order[k]!] === x) {
      const i = order[k++]!;
      const w = weightAt(weights, i);
      if (labels[i] === 1) groupPositives += w;
      else groupNegatives += w;
    }
    correct += groupPositives * (negativesBelow + 0.5 * groupNegatives);
    negativesBelow += groupNegatives;
    positives += groupPositives;
  }
  return positives > 0 && negativesBelow > 0 ? correct / (positives * negativesBelow) : Number.NaN;
}

/**
 * Mean (weighted) log loss, −[y log p + (1 − y) log(1 − p)], with p clamped to
 * [eps, 1 − eps] (eps 1e-15, as scikit-learn). Labels may be rates in [0, 1].
 *
 * @throws RangeError when the lengths differ or a value is invalid.
 */
export function logLoss(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
  eps = 1e-15,
): number {
  const n = probabilities.length;
  checkLengths('logLoss', n, labels, weights);
  let total = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const w = weightAt(weights, i);
    const y = labelAt(labels, i);
    const p = min(1 - eps, max(eps, probabilities[i]!));
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability ${probabilities[i]} at ${i} is not in [0, 1]`);
    sum += w * -(y * log(p) + (1 - y) * log(1 - p));
    total += w;
  }
  return sum / total;
}

/**
 * Mean (weighted) Brier score, (p − y)².
 *
 * @throws RangeError when the lengths differ or a value is invalid.
 */
export function brierScore(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
): number {
  const n = probabilities.length;
  checkLengths('brierScore', n, labels, weights);
  let total = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const w = weightAt(weights, i);
    const d = probabilities[i]! - labelAt(labels, i);
    sum += w * d * d;
    total += w;
  }
  return sum / total;
}

/** One bin of a {@link reliabilityTable}. */
export interface ReliabilityBin {
  /** The bin covers predictions in [lower, upper) (the last one includes 1). */
  lower: number;
  upper: number;
  /** Total weight of the rows in the bin (their number when unweighted). */
  weight: number;
  /** Weighted mean prediction in the bin. */
  meanPredicted: number;
  /** Weighted mean label in the bin: the rate that actually happened. */
  observed: number;
}

/**
 * Predictions against outcomes in `bins` equal-width bins of the predicted probability;
 * empty bins are left out.
 *
 * @throws RangeError when the lengths differ, `bins` is not a positive integer, or a value
 * is invalid.
 */
export function reliabilityTable(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
  weights?: ArrayLike<number>,
): ReliabilityBin[] {
  const n = probabilities.length;
  checkLengths('reliabilityTable', n, labels, weights);
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const w = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const p = probabilities[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability ${p} at ${i} is not in [0, 1]`);
    const b = min(bins - 1, floor(p * bins));
    const wi = weightAt(weights, i);
    w[b] = w[b]! + wi;
    sp[b] = sp[b]! + wi * p;
    sy[b] = sy[b]! + wi * labelAt(labels, i);
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (w[b] === 0) continue;
    out.push({
      lower: b / bins,
      upper: (b + 1) / bins,
      weight: w[b]!,
      meanPredicted: sp[b]! / w[b]!,
      observed: sy[b]! / w[b]!,
    });
  }
  return out;
}

/**
 * Expected calibration error: over equal-width bins of the prediction (10 by default), the
 * weight-share-weighted mean of |mean prediction − observed rate|.
 *
 * @throws RangeError as {@link reliabilityTable}.
 */
export function expectedCalibrationError(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
  weights?: ArrayLike<number>,
): number {
  const table = reliabilityTable(probabilities, labels, bins, weights);
  let total = 0;
  let sum = 0;
  for (const bin of table) {
    sum += bin.weight * abs(bin.meanPredicted - bin.observed);
    total += bin.weight;
  }
  return total > 0 ? sum / total : Number.NaN;
}
