import { mulberry32 } from '../../../core/random';
import {
  directMethod,
  doublyRobust,
  effectiveSampleSize,
  importanceWeights,
  ipw,
  type LoggedFeedback,
  onPolicyValue,
  type PolicyEstimate,
  snipw,
  type TargetPolicy,
} from '../../../functions/optimize/kernels/ope';

// A contextual bandit with known click rates: 4 segments (equally likely) × 3 actions.
const CLICK_RATES = [
  [0.1, 0.3, 0.05],
  [0.4, 0.1, 0.2],
  [0.05, 0.05, 0.5],
  [0.2, 0.25, 0.3],
];
const K = 3;
const SEGMENTS = CLICK_RATES.length;
const rate = (s: number, a: number) => CLICK_RATES[s]![a]!;
/** The target policy: the best action of each segment with probability 0.8, the others 0.1 each. */
const targetProbability = (s: number, a: number) => {
  const best = CLICK_RATES[s]!.indexOf(Math.max(...CLICK_RATES[s]!));
  return a === best ? 0.8 : 0.1;
};
const TRUE_VALUE =
  CLICK_RATES.reduce((sum, _, s) => {
    let v = 0;
    for (let a = 0; a < K; a++) v += targetProbability(s, a) * rate(s, a);
    return sum + v;
  }, 0) / SEGMENTS;

/**
 * n rows logged under `logging` (probabilities of each action given the segment; uniform by
 * default), with the target's probabilities and a perfect reward model for each row.
 */
function simulate(n: number, seed: number, logging: (s: number, a: number) => number = () => 1 / K) {
  const random = mulberry32(seed);
  const actions = new Int32Array(n);
  const rewards = new Float64Array(n);
  const propensities = new Float64Array(n);
  const probabilities = new Float64Array(n * K);
  const loggingProbabilities = new Float64Array(n * K);
  const predictions = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const s = Math.floor(random() * SEGMENTS);
    let u = random();
    let a = 0;
    while (a < K - 1 && u >= logging(s, a)) u -= logging(s, a++);
    actions[i] = a;
    propensities[i] = logging(s, a);
    rewards[i] = random() < rate(s, a) ? 1 : 0;
    for (let b = 0; b < K; b++) {
      probabilities[i * K + b] = targetProbability(s, b);
      loggingProbabilities[i * K + b] = logging(s, b);
      predictions[i * K + b] = rate(s, b);
    }
  }
  const logged: LoggedFeedback = { actions, rewards, propensities };
  const target: TargetPolicy = { probabilities, actionCount: K };
  return { logged, target, loggingProbabilities, perfect: { predictions, actionCount: K } };
}

const covers = (e: PolicyEstimate, truth: number) => e.lower <= truth && truth <= e.upper;

describe('off-policy estimators on simulated uniform-random logs', () => {
  const REPEATS = 200;
  const runs = Array.from({ length: REPEATS }, (_, r) => {
    const { logged, target, perfect } = simulate(2000, 100 + r);
    const noisy = {
      actionCount: K,
      predictions: perfect.predictions.map((q, j) => Math.min(1, Math.max(0, q + ((j % 7) - 3) * 0.03))),
    };
    return {
      ipw: ipw(logged, target),
      snipw: snipw(logged, target),
      dr: doublyRobust(logged, target, noisy),
      drPerfect: doublyRobust(logged, target, perfect),
    };
  });

  it.each(['ipw', 'snipw', 'dr'] as const)(
    'the 95%% interval of %s covers the true value about 95%% of the time',
    (name) => {
      const coverage = runs.filter((run) => covers(run[name], TRUE_VALUE)).length / REPEATS;
      expect(coverage).toBeGreaterThanOrEqual(0.9);
      expect(coverage).toBeLessThanOrEqual(0.99);
    },
  );

  it.each(['ipw', 'snipw', 'dr'] as const)('%s is close to the true value on average', (name) => {
    const mean = runs.reduce((s, run) => s + run[name].value, 0) / REPEATS;
    expect(Math.abs(mean - TRUE_VALUE)).toBeLessThan(0.005);
  });

  it('doubly robust with a perfect reward model has a smaller variance than IPW', () => {
    const variance = (values: number[]) => {
      const m = values.reduce((s, v) => s + v, 0) / values.length;
      return values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1);
    };
    const ipwVariance = variance(runs.map((run) => run.ipw.value));
    const drVariance = variance(runs.map((run) => run.drPerfect.value));
    expect(drVariance).toBeLessThan(0.8 * ipwVariance);
    for (const run of runs) expect(run.drPerfect.standardError).toBeLessThan(run.ipw.standardError);
  });
});

describe('evaluating the logging policy itself', () => {
  // A non-uniform logging policy (action 0 twice as likely), so the weights are 1 only by
  // the target being the logging policy.
  const logging = (_s: number, a: number) => (a === 0 ? 0.5 : 0.25);
  const { logged, loggingProbabilities } = simulate(5000, 7, logging);
  const itself: TargetPolicy = { probabilities: loggingProbabilities, actionCount: K };
  const onPolicy = onPolicyValue(logged.rewards);

  it('IPW returns the on-policy mean reward and its interval', () => {
    const e = ipw(logged, itself);
    expect(e.value).toBeCloseTo(onPolicy.value, 12);
    expect(e.lower).toBeCloseTo(onPolicy.lower, 12);
    expect(e.upper).toBeCloseTo(onPolicy.upper, 12);
    expect(e.effectiveSampleSize).toBeCloseTo(5000, 6);
    expect(e.maxWeight).toBeCloseTo(1, 12);
  });

  it('SNIPW returns the on-policy mean reward', () => {
    expect(snipw(logged, itself).value).toBeCloseTo(onPolicy.value, 12);
  });

  it('doubly robust with a reward model of zeros returns the on-policy mean reward', () => {
    const zeros = { predictions: new Float64Array(5000 * K), actionCount: K };
    expect(doublyRobust(logged, itself, zeros).value).toBeCloseTo(onPolicy.value, 12);
  });
});

describe('deterministic target policies', () => {
  const { logged, perfect } = simulate(20000, 11);
  // Always action 2: the true value is the mean of column 2.
  const chosen = new Int32Array(20000).fill(2);
  const truth = CLICK_RATES.reduce((s, row) => s + row[2]!, 0) / SEGMENTS;

  it('weights the rows whose logged action is the chosen one by 1 / propensity and the others by 0', () => {
    const weights = importanceWeights(logged, { chosen });
    for (let i = 0; i < 100; i++) expect(weights[i]).toBeCloseTo(logged.actions[i] === 2 ? 3 : 0, 12);
  });

  it('IPW, SNIPW and doubly robust intervals cover the chosen action’s value', () => {
    expect(covers(ipw(logged, { chosen }), truth)).toBe(true);
    expect(covers(snipw(logged, { chosen }), truth)).toBe(true);
    expect(covers(doublyRobust(logged, { chosen }, perfect), truth)).toBe(true);
  });

  it('the direct method with a perfect model is the mean of the model’s predictions for the choice', () => {
    const dm = directMethod({ chosen }, perfect);
    let sum = 0;
    for (let i = 0; i < 20000; i++) sum += perfect.predictions[i * K + 2]!;
    expect(dm.value).toBeCloseTo(sum / 20000, 12);
  });

  it('SNIPW is NaN when the policy never agrees with the log', () => {
    const never = { actions: [0, 1], rewards: [1, 0], propensities: [0.5, 0.5] };
    expect(snipw(never, { chosen: [1, 0] }).value).toBeNaN();
  });
});

describe('effective sample size', () => {
  it('is n for equal weights and near 1 when one weight dominates', () => {
    expect(effectiveSampleSize([2, 2, 2, 2])).toBeCloseTo(4, 12);
    expect(effectiveSampleSize([1000, 1, 1, 1])).toBeLessThan(1.01);
    expect(effectiveSampleSize([0, 0])).toBe(0);
  });
});

describe('input checks', () => {
  const policy = { chosen: [0, 1] };

  it('throws a RangeError when a propensity is 0', () => {
    expect(() => ipw({ actions: [0, 1], rewards: [1, 0], propensities: [0, 0.5] }, policy)).toThrow(
      RangeError,
    );
  });

  it('throws a RangeError when the lengths differ', () => {
    expect(() => ipw({ actions: [0, 1], rewards: [1], propensities: [0.5, 0.5] }, policy)).toThrow(
      RangeError,
    );
  });

  it('throws a RangeError when a logged action is outside the policy’s actions', () => {
    const logged = { actions: [0, 3], rewards: [1, 0], propensities: [0.5, 0.5] };
    expect(() => ipw(logged, { probabilities: [0.5, 0.5, 0.5, 0.5], actionCount: 2 })).toThrow(RangeError);
  });

  it('throws a RangeError when the reward predictions are not n × K', () => {
    const logged = { actions: [0, 1], rewards: [1, 0], propensities: [0.5, 0.5] };
    expect(() => doublyRobust(logged, policy, { predictions: [0.1, 0.2, 0.3], actionCount: 2 })).toThrow(
      RangeError,
    );
  });
});
