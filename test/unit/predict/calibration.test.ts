import fc from 'fast-check';
import { mulberry32 } from '../../../core/random';
import {
  auc,
  brierScore,
  calibratorFromJson,
  expectedCalibrationError,
  IsotonicCalibrator,
  logLoss,
  PlattCalibrator,
  reliabilityTable,
} from '../../../functions/predict/kernels/calibration';

/** AUC by counting every (positive, negative) pair, ties one half, weighted by both weights. */
function bruteForceAuc(scores: number[], labels: number[], weights: number[]): number {
  let correct = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      const w = weights[i]! * weights[j]!;
      pairs += w;
      if (scores[i]! > scores[j]!) correct += w;
      else if (scores[i] === scores[j]) correct += w / 2;
    }
  }
  return correct / pairs;
}

/** Outcomes drawn at a true rate, with a score that overstates it: score = rate^0.4. */
function miscalibrated(n: number, seed: number) {
  const random = mulberry32(seed);
  const scores = new Float64Array(n);
  const labels = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const rate = random() * 0.5;
    scores[i] = rate ** 0.4;
    labels[i] = random() < rate ? 1 : 0;
  }
  return { scores, labels };
}

describe('auc', () => {
  it('equals the brute-force pairwise count on small random data, ties and weights included', () => {
    const row = fc.tuple(
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 0, max: 1 }),
      fc.integer({ min: 1, max: 4 }),
    );
    fc.assert(
      fc.property(fc.array(row, { minLength: 2, maxLength: 40 }), (rows) => {
        const scores = rows.map((r) => r[0] / 5);
        const labels = rows.map((r) => r[1]);
        const weights = rows.map((r) => r[2]);
        fc.pre(labels.includes(0) && labels.includes(1));
        expect(auc(scores, labels)).toBeCloseTo(
          bruteForceAuc(
            scores,
            labels,
            scores.map(() => 1),
          ),
          12,
        );
        expect(auc(scores, labels, weights)).toBeCloseTo(bruteForceAuc(scores, labels, weights), 12);
      }),
    );
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, ½ for constant scores and NaN with one class', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([0.5, 0.5, 0.5], [0, 1, 1])).toBe(0.5);
    expect(auc([0.1, 0.2], [1, 1])).toBeNaN();
  });

  it('rejects a label that is not 0 or 1', () => {
    expect(() => auc([0.1, 0.2], [0, 0.5])).toThrow(RangeError);
  });
});

describe('log loss and Brier score', () => {
  it('match their definitions, rates as labels included', () => {
    expect(logLoss([0.8, 0.4], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(logLoss([0.1], [0.1])).toBeCloseTo(-(0.1 * Math.log(0.1) + 0.9 * Math.log(0.9)), 12);
    expect(logLoss([0.8, 0.4], [1, 0], [3, 1])).toBeCloseTo(-(3 * Math.log(0.8) + Math.log(0.6)) / 4, 12);
    expect(brierScore([0.8, 0.4], [1, 0])).toBeCloseTo((0.04 + 0.16) / 2, 12);
  });

  it('stays finite for a confident wrong prediction', () => {
    expect(logLoss([0], [1])).toBeCloseTo(-Math.log(1e-15), 6);
  });
});

describe('IsotonicCalibrator', () => {
  it('pools adjacent violators and interpolates between block centres', () => {
    const calibrator = IsotonicCalibrator.fit([1, 2, 3, 4], [1, 0, 1, 1]);
    expect([...calibrator.x]).toEqual([1.5, 3, 4]);
    expect([...calibrator.y]).toEqual([0.5, 1, 1]);
    expect(calibrator.apply(0)).toBe(0.5);
    expect(calibrator.apply(2.25)).toBeCloseTo(0.75, 12);
    expect(calibrator.apply(10)).toBe(1);
  });

  it('gives tied scores one value', () => {
    const calibrator = IsotonicCalibrator.fit([0.2, 0.2, 0.2, 0.6], [1, 0, 0, 1]);
    expect(calibrator.x).toHaveLength(2);
    expect(calibrator.x[0]).toBeCloseTo(0.2, 12);
    expect(calibrator.y[0]).toBeCloseTo(1 / 3, 12);
    expect(calibrator.apply(0.2)).toBeCloseTo(1 / 3, 12);
  });

  it('brings the calibration error of a miscalibrated score close to zero on held-out rows', () => {
    const fitOn = miscalibrated(20_000, 1);
    const heldOut = miscalibrated(20_000, 2);
    const before = expectedCalibrationError(heldOut.scores, heldOut.labels);
    const calibrator = IsotonicCalibrator.fit(fitOn.scores, fitOn.labels);
    const after = expectedCalibrationError(
      heldOut.scores.map((s) => calibrator.apply(s)),
      heldOut.labels,
    );
    expect(before).toBeGreaterThan(0.2);
    expect(after).toBeLessThan(0.015);
  });

  it('is rebuilt from its JSON', () => {
    const calibrator = IsotonicCalibrator.fit([1, 2, 3, 4], [1, 0, 1, 1]);
    const copy = calibratorFromJson(JSON.parse(JSON.stringify(calibrator.toJSON())));
    for (const p of [0, 1.7, 2.5, 3.5, 5]) expect(copy.apply(p)).toBe(calibrator.apply(p));
  });
});

describe('PlattCalibrator', () => {
  it('recovers the slope and offset of a logistic miscalibration', () => {
    const random = mulberry32(5);
    const n = 20_000;
    const scores = new Float64Array(n);
    const labels = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const logit = 6 * random() - 3;
      scores[i] = 1 / (1 + Math.exp(-logit));
      labels[i] = random() < 1 / (1 + Math.exp(-(0.5 * logit - 1))) ? 1 : 0;
    }
    const calibrator = PlattCalibrator.fit(scores, labels);
    expect(calibrator.a).toBeCloseTo(0.5, 1);
    expect(calibrator.b).toBeCloseTo(-1, 1);
    const after = expectedCalibrationError(
      scores.map((s) => calibrator.apply(s)),
      labels,
    );
    expect(after).toBeLessThan(0.02);
  });
});

describe('reliabilityTable', () => {
  it('bins predictions by tenths, leaving empty bins out', () => {
    const table = reliabilityTable([0.05, 0.07, 0.95, 1], [0, 1, 1, 1]);
    expect(table).toEqual([
      { lower: 0, upper: 0.1, weight: 2, meanPredicted: 0.060000000000000005, observed: 0.5 },
      { lower: 0.9, upper: 1, weight: 2, meanPredicted: 0.975, observed: 1 },
    ]);
    expect(expectedCalibrationError([0.05, 0.07, 0.95, 1], [0, 1, 1, 1])).toBeCloseTo((0.44 + 0.025) / 2, 12);
  });
});
