/**
 * An arm's Beta posterior over the campaign objective's rate: the variant's prior (from the
 * predictor, in pseudo-observations) updated with its exact counters. Decisions sample from
 * it; re-optimization reports its mean and 95% interval.
 *
 * Trials are max(sends, impressions): a decision counts a send, the client may also report
 * impressions (a served page view counts one without a decision), so whichever is larger is
 * the better account of how often the copy was seen. Successes are clicks or conversions;
 * failures are trials − successes, never below 0 (a click reported for a send whose
 * impression was not reported yet must not make the posterior invalid).
 */
import { logGamma } from './kernels/abtest';
import { Z95 } from './kernels/ope';
import type { Arm } from './kernels/thompson';
import { type CampaignState, type Counter, emptyCounter, type Objective, type Variant } from './records';

/** Observed successes and trials of an arm for an objective. */
export function armCounts(counter: Counter, objective: Objective): { successes: number; trials: number } {
  const successes = objective === 'click' ? counter.clicks : counter.conversions;
  return { successes, trials: Math.max(counter.sends, counter.impressions) };
}

/**
 * The arm's posterior: Beta(prior.alpha + successes, prior.beta + max(0, trials − successes)),
 * with the variant id as the arm id.
 */
export function armPosterior(variant: Variant, counter: Counter, objective: Objective): Arm {
  const { successes, trials } = armCounts(counter, objective);
  return {
    id: variant.variantId,
    alpha: variant.prior.alpha + successes,
    beta: variant.prior.beta + Math.max(0, trials - successes),
  };
}

/** One arm of a segment with its counts and posterior. */
export interface SegmentArm {
  readonly variant: Variant;
  readonly counter: Counter;
  readonly arm: Arm;
}

/**
 * The segment's active arms (the control included, when it is active; filter on
 * `variant.kind === 'control'` to drop it), in the state's order, with posteriors for the
 * campaign's objective. A variant without a counter item counts as zero.
 */
export function segmentArms(state: CampaignState, segmentId: string): SegmentArm[] {
  const objective = state.campaign.spec.objective;
  const counters = new Map(state.counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
  return state.variants
    .filter((v) => v.segmentId === segmentId && v.status === 'active')
    .map((variant) => {
      const counter =
        counters.get(`${variant.segmentId}#${variant.variantId}`) ??
        emptyCounter(variant.segmentId, variant.variantId);
      return { variant, counter, arm: armPosterior(variant, counter, objective) };
    });
}

/** A posterior mean with a central credible interval. */
export interface Interval {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  /** `exact`: Beta quantiles; `normal`: mean ± z·sd (used only where the exact one does not converge). */
  readonly method: 'exact' | 'normal';
}

const MAX_FRACTION_TERMS = 20_000;
const TINY = 1e-300;

/**
 * The continued fraction of the incomplete Beta function (modified Lentz), or NaN when it
 * has not converged in {@link MAX_FRACTION_TERMS} terms (about √max(a, b) are needed).
 */
function betaFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_FRACTION_TERMS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-14) return h;
  }
  return Number.NaN;
}

/**
 * The regularized incomplete Beta function I_x(a, b) = P(X ≤ x) for X ~ Beta(a, b)
 * (Numerical Recipes §6.4: the continued fraction on whichever side converges fast). NaN when
 * the continued fraction does not converge.
 */
export function betaCdf(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(a, b, x)) / a;
  return 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** The p-quantile of Beta(a, b) by bisection on {@link betaCdf} (to 1e-12), or NaN where it is NaN. */
export function betaQuantile(p: number, a: number, b: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let lo = 0;
  let hi = 1;
  while (hi - lo > 1e-12) {
    const mid = (lo + hi) / 2;
    const cdf = betaCdf(mid, a, b);
    if (Number.isNaN(cdf)) return Number.NaN;
    if (cdf < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The posterior mean and central 95% credible interval of an arm: exact Beta quantiles;
 * where the continued fraction does not converge (shapes in the hundreds of millions) the
 * normal approximation mean ± 1.96·sd, clipped to [0, 1], which is then accurate to far
 * below the interval's width.
 */
export function posteriorInterval(arm: Pick<Arm, 'alpha' | 'beta'>): Interval {
  const { alpha: a, beta: b } = arm;
  const mean = a / (a + b);
  const low = betaQuantile(0.025, a, b);
  const high = betaQuantile(0.975, a, b);
  if (!Number.isNaN(low) && !Number.isNaN(high)) return { mean, low, high, method: 'exact' };
  const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
  return {
    mean,
    low: Math.max(0, mean - Z95 * sd),
    high: Math.min(1, mean + Z95 * sd),
    method: 'normal',
  };
}
