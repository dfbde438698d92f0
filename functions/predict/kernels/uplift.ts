/**
 * Uplift evaluation for a binary treatment (sent = 1, not sent = 0) and a binary outcome:
 * the Qini curve, the Qini coefficient and uplift at the top k%, as scikit-uplift
 * (sklift.metrics 0.5: `qini_curve`, `perfect_qini_curve`, `qini_auc_score`, `uplift_at_k`)
 * defines them, so figures compare with the ones published with it. Rows are ranked by
 * predicted uplift, highest first; rows with equal predictions are ranked as sklift's
 * reversed stable argsort ranks them (later rows first), which only matters to uplift@k.
 */

/** Points of a Qini curve: after the top `n[j]` rows, the incremental responses `qini[j]`. */
export interface QiniCurve {
  n: Float64Array;
  qini: Float64Array;
}

function checkInputs(
  outcomes: ArrayLike<number>,
  uplift: ArrayLike<number>,
  treatment: ArrayLike<number>,
): void {
  const n = outcomes.length;
  if (uplift.length !== n || treatment.length !== n) {
    throw new RangeError(`uplift: lengths differ (${n}, ${uplift.length}, ${treatment.length})`);
  }
  for (let i = 0; i < n; i++) {
    if (outcomes[i] !== 0 && outcomes[i] !== 1)
      throw new RangeError(`outcome ${outcomes[i]} at ${i} is not 0 or 1`);
    if (treatment[i] !== 0 && treatment[i] !== 1)
      throw new RangeError(`treatment ${treatment[i]} at ${i} is not 0 or 1`);
    if (Number.isNaN(uplift[i])) throw new RangeError(`uplift at ${i} is NaN`);
  }
}

/** Row indices by predicted uplift, highest first; equal predictions later row first. */
function descending(uplift: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: uplift.length }, (_, i) => i).sort(
    (a, b) => uplift[b]! - uplift[a]! || b - a,
  );
}

/**
 * The Qini curve (Radcliffe 2007, in scikit-uplift's form): ranking rows by predicted uplift,
 * at each distinct prediction (after the top n rows) the treated responses minus the control
 * responses scaled to the treated count, Y_T(n) − Y_C(n) · N_T(n) / N_C(n) (0 while
 * N_C(n) = 0), starting from (0, 0).
 *
 * @throws RangeError when the lengths differ or an outcome or treatment is not 0 or 1.
 */
export function qiniCurve(
  outcomes: ArrayLike<number>,
  uplift: ArrayLike<number>,
  treatment: ArrayLike<number>,
): QiniCurve {
  checkInputs(outcomes, uplift, treatment);
  const order = descending(uplift);
  const size = order.length;
  const xs = [0];
  const ys = [0];
  let treated = 0;
  let treatedResponses = 0;
  let controlResponses = 0;
  for (let k = 0; k < size; k++) {
    const i = order[k]!;
    if (treatment[i] === 1) {
      treated++;
      treatedResponses += outcomes[i]!;
    } else {
      controlResponses += outcomes[i]!;
    }
    if (k + 1 < size && uplift[order[k + 1]!] === uplift[i]) continue;
    const all = k + 1;
    const control = all - treated;
    xs.push(all);
    ys.push(treatedResponses - (control > 0 ? (controlResponses * treated) / control : 0));
  }
  return { n: Float64Array.from(xs), qini: Float64Array.from(ys) };
}

/**
 * The best attainable Qini curve for these outcomes: with `negativeEffect` (default), the
 * curve of the ranking that puts treated responders first and control responders last
 * (sklift's default); without, the curve that gains all the uplift at once and keeps it.
 *
 * @throws RangeError as {@link qiniCurve}.
 */
export function perfectQiniCurve(
  outcomes: ArrayLike<number>,
  treatment: ArrayLike<number>,
  negativeEffect = true,
): QiniCurve {
  const n = outcomes.length;
  if (negativeEffect) {
    const ideal = new Float64Array(n);
    for (let i = 0; i < n; i++) ideal[i] = outcomes[i]! * (treatment[i] === 1 ? 1 : -1);
    return qiniCurve(outcomes, ideal, treatment);
  }
  checkInputs(outcomes, new Float64Array(n), treatment);
  let treated = 0;
  let treatedResponses = 0;
  let controlResponses = 0;
  for (let i = 0; i < n; i++) {
    if (treatment[i] === 1) {
      treated++;
      treatedResponses += outcomes[i]!;
    } else controlResponses += outcomes[i]!;
  }
  const overall = treatedResponses - (treated * controlResponses) / (n - treated);
  return { n: Float64Array.of(0, overall, n), qini: Float64Array.of(0, overall, overall) };
}

/** Area under a curve by the trapezoidal rule (as sklearn.metrics.auc). */
function trapezoid(x: Float64Array, y: Float64Array): number {
  let area = 0;
  for (let j = 1; j < x.length; j++) area += ((x[j]! - x[j - 1]!) * (y[j]! + y[j - 1]!)) / 2;
  return area;
}

/**
 * The Qini coefficient as scikit-uplift's `qini_auc_score` defines it: the area between the
 * model's Qini curve and the random-targeting diagonal (from (0, 0) to the curve's end),
 * divided by the same area for the perfect curve ({@link perfectQiniCurve}, with negative
 * effects by default). 1 is a perfect ranking, 0 random, negative worse than random.
 * Radcliffe's own Qini coefficient is the unnormalized area; see {@link qiniArea}.
 *
 * @throws RangeError as {@link qiniCurve}.
 */
export function qiniCoefficient(
  outcomes: ArrayLike<number>,
  uplift: ArrayLike<number>,
  treatment: ArrayLike<number>,
  negativeEffect = true,
): number {
  const perfect = perfectQiniCurve(outcomes, treatment, negativeEffect);
  return qiniArea(outcomes, uplift, treatment) / areaAboveDiagonal(perfect);
}

/**
 * Radcliffe's Qini area: the area between the model's Qini curve and the diagonal from
 * (0, 0) to its end, in responses × rows (divide by rows² for a scale-free figure).
 *
 * @throws RangeError as {@link qiniCurve}.
 */
export function qiniArea(
  outcomes: ArrayLike<number>,
  uplift: ArrayLike<number>,
  treatment: ArrayLike<number>,
): number {
  return areaAboveDiagonal(qiniCurve(outcomes, uplift, treatment));
}

function areaAboveDiagonal(curve: QiniCurve): number {
  const last = curve.n.length - 1;
  const baseline = (curve.n[last]! * curve.qini[last]!) / 2;
  return trapezoid(curve.n, curve.qini) - baseline;
}

/** How {@link upliftAtK} picks the top rows. */
export type UpliftAtKStrategy = 'overall' | 'by_group';

/**
 * Uplift among the top k of rows by predicted uplift: the treated response rate minus the
 * control response rate among them. With 'overall' (default) the top ⌊k·n⌋ rows of all;
 * with 'by_group' the top ⌊k·n_T⌋ treated and top ⌊k·n_C⌋ control rows (sklift's
 * `uplift_at_k`). NaN when the top holds no treated or no control row.
 *
 * @throws RangeError when k is not in (0, 1), or as {@link qiniCurve}.
 */
export function upliftAtK(
  outcomes: ArrayLike<number>,
  uplift: ArrayLike<number>,
  treatment: ArrayLike<number>,
  k: number,
  strategy: UpliftAtKStrategy = 'overall',
): number {
  checkInputs(outcomes, uplift, treatment);
  if (!(k > 0 && k < 1)) throw new RangeError(`k must be in (0, 1), got ${k}`);
  const order = descending(uplift);
  const n = order.length;
  let treatedTotal = 0;
  for (let i = 0; i < n; i++) treatedTotal += treatment[i]!;
  const takeTreated = strategy === 'overall' ? Number.POSITIVE_INFINITY : Math.trunc(treatedTotal * k);
  const takeControl = strategy === 'overall' ? Number.POSITIVE_INFINITY : Math.trunc((n - treatedTotal) * k);
  const takeAll = strategy === 'overall' ? Math.trunc(n * k) : n;
  let treated = 0;
  let control = 0;
  let treatedResponses = 0;
  let controlResponses = 0;
  for (let j = 0; j < takeAll; j++) {
    const i = order[j]!;
    if (treatment[i] === 1) {
      if (treated < takeTreated) {
        treated++;
        treatedResponses += outcomes[i]!;
      }
    } else if (control < takeControl) {
      control++;
      controlResponses += outcomes[i]!;
    }
  }
  if (treated === 0 || control === 0) return Number.NaN;
  return treatedResponses / treated - controlResponses / control;
}
