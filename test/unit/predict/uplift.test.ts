import { mulberry32 } from '../../../core/random';
import {
  perfectQiniCurve,
  qiniArea,
  qiniCoefficient,
  qiniCurve,
  upliftAtK,
} from '../../../functions/predict/kernels/uplift';

// A small case with tied predictions; the expected figures are scikit-uplift's definitions
// as bench/reference/predict_hillstrom.py implements them (qini_curve, qini_auc_score,
// uplift_at_k with strategy 'overall').
const outcomes = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1];
const treatment = [1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0];
const predicted = [0.3, 0.1, 0.3, 0.8, -0.2, 0.1, 0.0, 0.5, 0.3, -0.1, 0.2, 0.1];

/** Rows whose response to treatment depends on a trait: +0.3 with it, none without. */
function experiment(n: number, seed: number) {
  const random = mulberry32(seed);
  const outcome = new Float64Array(n);
  const treated = new Float64Array(n);
  const trueUplift = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const responsive = random() < 0.3;
    treated[i] = random() < 0.5 ? 1 : 0;
    trueUplift[i] = responsive ? 0.3 : 0;
    outcome[i] = random() < 0.1 + treated[i]! * trueUplift[i]! ? 1 : 0;
  }
  return { outcome, treated, trueUplift };
}

describe('qiniCurve', () => {
  it('matches scikit-uplift on a case with ties', () => {
    const curve = qiniCurve(outcomes, predicted, treatment);
    expect([...curve.n]).toEqual([0, 1, 2, 5, 6, 9, 10, 11, 12]);
    const expected = [0, 1, 1, 1.5, 2, 0.5, 0, -0.6, 0];
    for (const [j, q] of curve.qini.entries()) expect(q).toBeCloseTo(expected[j]!, 12);
    expect(qiniCoefficient(outcomes, predicted, treatment)).toBeCloseTo(0.3851851851851852, 12);
  });

  it('rejects an outcome or treatment that is not 0 or 1', () => {
    expect(() => qiniCurve([2], [0.1], [1])).toThrow(RangeError);
    expect(() => qiniCurve([1], [0.1], [0.5])).toThrow(RangeError);
  });
});

describe('qiniCoefficient', () => {
  it('is 1 for the ranking of the perfect curve', () => {
    const ideal = outcomes.map((y, i) => (treatment[i] === 1 ? y : -y));
    expect(qiniCoefficient(outcomes, ideal, treatment)).toBeCloseTo(1, 12);
  });

  it('ranks the true uplift well above a random ranking, which scores about 0', () => {
    const { outcome, treated, trueUplift } = experiment(20_000, 3);
    const random = mulberry32(9);
    const noise = trueUplift.map(() => random());
    const perfect = qiniCoefficient(outcome, trueUplift, treated);
    const chance = qiniCoefficient(outcome, noise, treated);
    expect(perfect).toBeGreaterThan(chance + 0.2);
    expect(Math.abs(chance)).toBeLessThan(0.1);
    expect(qiniArea(outcome, trueUplift, treated)).toBeGreaterThan(qiniArea(outcome, noise, treated));
  });

  it('measures against a curve that keeps the whole uplift when negative effects are left out', () => {
    // 3 treated with 3 responses, 3 controls with 1: 3 − 1 · 3 / 3 = 2.
    const curve = perfectQiniCurve([1, 1, 1, 0, 1, 0], [1, 1, 1, 0, 0, 0], false);
    expect([...curve.n]).toEqual([0, 2, 6]);
    expect([...curve.qini]).toEqual([0, 2, 2]);
  });
});

describe('upliftAtK', () => {
  it('takes the top k of all rows, or of each group', () => {
    expect(upliftAtK(outcomes, predicted, treatment, 0.25)).toBe(1);
    expect(upliftAtK(outcomes, predicted, treatment, 0.5)).toBeCloseTo(2 / 3, 12);
    expect(upliftAtK(outcomes, predicted, treatment, 0.5, 'by_group')).toBeCloseTo(2 / 3, 12);
    expect(upliftAtK(outcomes, predicted, treatment, 0.25, 'by_group')).toBe(1);
  });

  it('is NaN when the top holds no control row', () => {
    expect(upliftAtK(outcomes, predicted, treatment, 0.1)).toBeNaN();
  });

  it('rejects k outside (0, 1)', () => {
    expect(() => upliftAtK(outcomes, predicted, treatment, 1)).toThrow(RangeError);
  });
});
