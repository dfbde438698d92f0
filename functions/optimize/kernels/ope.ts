/**
 * Off-policy evaluation: the value of a target policy π, estimated from feedback logged
 * under another (logging) policy μ that recorded, for each row i, the context's action
 * a_i ∈ {0, …, K−1}, the reward r_i and its propensity μ(a_i | x_i) > 0. Three estimators
 * (Dudík, Langford and Li, "Doubly Robust Policy Evaluation and Learning", ICML 2011;
 * Swaminathan and Joachims, "The Self-Normalized Estimator for Counterfactual Learning",
 * NeurIPS 2015), all built on the importance weights w_i = π(a_i | x_i) / μ(a_i | x_i):
 *
 *  - IPW (inverse propensity weighting): V̂ = (1/n) Σ w_i r_i. Unbiased when μ > 0 wherever
 *    π > 0; its variance grows with the weights.
 *  - SNIPW (self-normalized IPW): V̂ = Σ w_i r_i / Σ w_i. Slightly biased (O(1/n)), often much
 *    less variable, and invariant to a constant shift of the rewards.
 *  - DR (doubly robust): V̂ = (1/n) Σ [ Σ_a π(a | x_i) q̂(x_i, a) + w_i (r_i − q̂(x_i, a_i)) ],
 *    with a reward model q̂. Unbiased if either the propensities or q̂ are right; the closer
 *    q̂ is to the true expected reward, the smaller the variance.
 *
 * Confidence intervals are the normal approximation on the per-row terms: the estimate
 * ± z · s / √n, s the sample standard deviation of the terms (n − 1 in the denominator),
 * z = {@link Z95}. For SNIPW the terms are the delta-method linearization of the ratio,
 * w_i (r_i − V̂) / w̄. The approximation is poor when few rows carry most of the weight: read
 * the interval together with the effective sample size (Σ w)² / Σ w² (Kish), which is n when
 * all weights are equal and falls towards 1 as one weight dominates. The reward model is
 * taken as fixed: fit it on other rows than the ones evaluated, or the interval is too narrow.
 *
 * Everything is one pass over typed arrays; the only allocation is the weights (n float64).
 */

const { sqrt } = Math;

/** The two-sided standard normal quantile for 95% intervals, Φ⁻¹(0.975). */
export const Z95 = 1.959963984540054;

/** Feedback logged under a known policy, one entry per row. */
export interface LoggedFeedback {
  /** The logged action of each row, an integer in [0, K). */
  readonly actions: ArrayLike<number>;
  /** The observed reward of each row (a click: 0 or 1; any finite number works). */
  readonly rewards: ArrayLike<number>;
  /** The logging policy's probability of the logged action, μ(a_i | x_i), in (0, 1]. */
  readonly propensities: ArrayLike<number>;
}

/**
 * The policy to evaluate, on the logged rows' contexts: either a deterministic choice of one
 * action per row, or its action probabilities, row-major n × K (row i's K probabilities
 * summing to 1).
 */
export type TargetPolicy =
  | { readonly chosen: ArrayLike<number> }
  | { readonly probabilities: ArrayLike<number>; readonly actionCount: number };

/** A reward model's predictions q̂(x_i, a) for every row and action, row-major n × K. */
export interface RewardPredictions {
  readonly predictions: ArrayLike<number>;
  readonly actionCount: number;
}

/** An estimate of a policy's value with its 95% normal-approximation interval. */
export interface PolicyEstimate {
  readonly estimator: 'on-policy' | 'ipw' | 'snipw' | 'dr' | 'dm';
  readonly value: number;
  /** Standard error of the estimate: s / √n over the per-row terms. */
  readonly standardError: number;
  /** value − z · standardError. */
  readonly lower: number;
  /** value + z · standardError. */
  readonly upper: number;
  /** Number of logged rows. */
  readonly n: number;
  /** Kish's effective sample size of the importance weights, (Σ w)² / Σ w² (n on-policy). */
  readonly effectiveSampleSize: number;
  /** The largest importance weight (1 on-policy). */
  readonly maxWeight: number;
}

/**
 * The importance weights w_i = π(a_i | x_i) / μ(a_i | x_i) of the logged rows.
 *
 * @throws RangeError when lengths differ, an action is not an integer in range, or a
 * propensity is outside (0, 1].
 */
export function importanceWeights(logged: LoggedFeedback, policy: TargetPolicy): Float64Array {
  const { actions, rewards, propensities } = logged;
  const n = actions.length;
  if (rewards.length !== n || propensities.length !== n) {
    throw new RangeError(`${n} actions, ${rewards.length} rewards and ${propensities.length} propensities`);
  }
  const weights = new Float64Array(n);
  if ('chosen' in policy) {
    const { chosen } = policy;
    if (chosen.length !== n) throw new RangeError(`${n} logged rows but ${chosen.length} chosen actions`);
    for (let i = 0; i < n; i++) {
      const p = checkPropensity(propensities[i]!, i);
      weights[i] = actions[i] === chosen[i] ? 1 / p : 0;
    }
    return weights;
  }
  const { probabilities, actionCount: k } = policy;
  checkMatrix(probabilities.length, n, k, 'probabilities');
  for (let i = 0; i < n; i++) {
    const p = checkPropensity(propensities[i]!, i);
    weights[i] = probabilities[i * k + checkAction(actions[i]!, k, i)]! / p;
  }
  return weights;
}

/**
 * The on-policy value: the mean logged reward (1/n) Σ r_i, with its interval. This is what
 * the other estimators return when π is the logging policy itself (all weights 1).
 */
export function onPolicyValue(rewards: ArrayLike<number>): PolicyEstimate {
  const n = rewards.length;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const r = rewards[i]!;
    sum += r;
    sumSquares += r * r;
  }
  return estimate('on-policy', n, sum, sumSquares, n, 1);
}

/** Inverse propensity weighting: V̂ = (1/n) Σ w_i r_i (see the module comment). */
export function ipw(logged: LoggedFeedback, policy: TargetPolicy): PolicyEstimate {
  const weights = importanceWeights(logged, policy);
  const { rewards } = logged;
  const n = weights.length;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const term = weights[i]! * rewards[i]!;
    sum += term;
    sumSquares += term * term;
  }
  const { ess, max } = weightSummary(weights);
  return estimate('ipw', n, sum, sumSquares, ess, max);
}

/**
 * Self-normalized inverse propensity weighting: V̂ = Σ w_i r_i / Σ w_i; its interval is from
 * the linearized terms w_i (r_i − V̂) / w̄. When no row has a positive weight (a
 * deterministic π never agrees with the log) the value is NaN.
 */
export function snipw(logged: LoggedFeedback, policy: TargetPolicy): PolicyEstimate {
  const weights = importanceWeights(logged, policy);
  const { rewards } = logged;
  const n = weights.length;
  let weighted = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    weighted += weights[i]! * rewards[i]!;
    total += weights[i]!;
  }
  const { ess, max } = weightSummary(weights);
  if (!(total > 0)) return estimate('snipw', n, Number.NaN, Number.NaN, ess, max);
  const value = weighted / total;
  const meanWeight = total / n;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const term = (weights[i]! * (rewards[i]! - value)) / meanWeight;
    sumSquares += term * term;
  }
  // The linearized terms have mean 0 exactly; their spread is the estimate's.
  const spread = estimate('snipw', n, 0, sumSquares, ess, max);
  return { ...spread, value, lower: value + spread.lower, upper: value + spread.upper };
}

/**
 * Doubly robust: V̂ = (1/n) Σ [ q̂_π(x_i) + w_i (r_i − q̂(x_i, a_i)) ], where q̂_π(x_i) is
 * Σ_a π(a | x_i) q̂(x_i, a), or q̂(x_i, chosen_i) for a deterministic π.
 *
 * @throws RangeError as {@link importanceWeights}, or when the predictions are not n × K.
 */
export function doublyRobust(
  logged: LoggedFeedback,
  policy: TargetPolicy,
  model: RewardPredictions,
): PolicyEstimate {
  const weights = importanceWeights(logged, policy);
  const { actions, rewards } = logged;
  const { predictions, actionCount: k } = model;
  const n = weights.length;
  checkMatrix(predictions.length, n, k, 'reward predictions');
  const direct = directTerms(policy, model, n);
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const a = checkAction(actions[i]!, k, i);
    const term = direct[i]! + weights[i]! * (rewards[i]! - predictions[i * k + a]!);
    sum += term;
    sumSquares += term * term;
  }
  const { ess, max } = weightSummary(weights);
  return estimate('dr', n, sum, sumSquares, ess, max);
}

/**
 * The direct method: V̂ = (1/n) Σ q̂_π(x_i), the reward model's own prediction of π's value.
 * Its interval covers only the spread over contexts, not the model's error (which is its
 * bias): a baseline for DR, not an estimate to trust alone.
 */
export function directMethod(policy: TargetPolicy, model: RewardPredictions): PolicyEstimate {
  const n = model.actionCount > 0 ? Math.floor(model.predictions.length / model.actionCount) : 0;
  checkMatrix(model.predictions.length, n, model.actionCount, 'reward predictions');
  const direct = directTerms(policy, model, n);
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    sum += direct[i]!;
    sumSquares += direct[i]! * direct[i]!;
  }
  return estimate('dm', n, sum, sumSquares, n, 1);
}

/** Kish's effective sample size (Σ w)² / Σ w² of a set of weights; 0 when all are 0. */
export function effectiveSampleSize(weights: ArrayLike<number>): number {
  return weightSummary(weights).ess;
}

/** q̂_π(x_i) for each row: Σ_a π(a | x_i) q̂(x_i, a), or q̂(x_i, chosen_i). */
function directTerms(policy: TargetPolicy, model: RewardPredictions, n: number): Float64Array {
  const { predictions, actionCount: k } = model;
  const out = new Float64Array(n);
  if ('chosen' in policy) {
    const { chosen } = policy;
    if (chosen.length !== n) throw new RangeError(`${n} rows but ${chosen.length} chosen actions`);
    for (let i = 0; i < n; i++) out[i] = predictions[i * k + checkAction(chosen[i]!, k, i)]!;
    return out;
  }
  if (policy.actionCount !== k) {
    throw new RangeError(`the policy has ${policy.actionCount} actions, the reward model ${k}`);
  }
  const { probabilities } = policy;
  checkMatrix(probabilities.length, n, k, 'probabilities');
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let a = 0; a < k; a++) s += probabilities[i * k + a]! * predictions[i * k + a]!;
    out[i] = s;
  }
  return out;
}

function estimate(
  estimator: PolicyEstimate['estimator'],
  n: number,
  sum: number,
  sumSquares: number,
  effectiveSampleSize: number,
  maxWeight: number,
): PolicyEstimate {
  const value = n > 0 ? sum / n : Number.NaN;
  // Sample variance of the terms, from their sum and sum of squares (clamped: rounding can
  // make it slightly negative when all terms are equal).
  const variance = n > 1 ? Math.max(0, (sumSquares - n * value * value) / (n - 1)) : Number.NaN;
  const standardError = sqrt(variance / n);
  return {
    estimator,
    value,
    standardError,
    lower: value - Z95 * standardError,
    upper: value + Z95 * standardError,
    n,
    effectiveSampleSize,
    maxWeight,
  };
}

function weightSummary(weights: ArrayLike<number>): { ess: number; max: number } {
  let sum = 0;
  let sumSquares = 0;
  let max = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    sum += w;
    sumSquares += w * w;
    if (w > max) max = w;
  }
  return { ess: sumSquares > 0 ? (sum * sum) / sumSquares : 0, max };
}

function checkPropensity(p: number, row: number): number {
  if (!(p > 0 && p <= 1)) throw new RangeError(`row ${row}: propensity must be in (0, 1], got ${p}`);
  return p;
}

function checkAction(a: number, k: number, row: number): number {
  if (!(Number.isInteger(a) && a >= 0 && a < k)) {
    throw new RangeError(`row ${row}: action must be an integer in [0, ${k}), got ${a}`);
  }
  return a;
}

function checkMatrix(length: number, n: number, k: number, what: string): void {
  if (!(Number.isInteger(k) && k > 0) || length !== n * k) {
    throw new RangeError(`${what}: expected ${n} × ${k} entries, got ${length}`);
  }
}
