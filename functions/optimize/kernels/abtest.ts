/**
 * Bayesian A/B verdicts for conversion rates. Each variant's rate has a Beta posterior
 * (prior Beta(1, 1) unless given, updated with its conversions and trials); from the
 * posteriors come, per variant:
 *
 * - P(beats control) = P(p_variant > p_control);
 * - P(best) = P(p_variant is the highest of all);
 * - expected loss = E[max_j p_j − p_variant]: the conversion rate given up, on average over
 *   the posterior, by shipping this variant (Chris Stucchio, "Bayesian A/B Testing at VWO",
 *   2015). Unlike a p-value it does not grow more alarming with peeking: it only shrinks
 *   as evidence accumulates, so looking at it every day is harmless.
 *
 * Method: pairwise quantities are exact where the closed form is feasible (one of the two
 * posteriors has an integer alpha of at most {@link MAX_EXACT_TERMS}, always so with
 * integer counts and an integer prior): P(X > Y) by Evan Miller's sum ("Formulas for
 * Bayesian A/B Testing", 2015) and the expected loss from it through
 * E[X·1{X > Y}] = E[X] · P(X' > Y) with X' ~ Beta(alpha + 1, beta). With two arms P(best)
 * and expected loss are those pairwise figures; with more arms, or where the closed form is
 * not feasible, they are Monte Carlo estimates over joint posterior draws from a seeded
 * source, so the same counts and seed give the same verdict. The verdict states which.
 *
 * Decision rule: a variant (the control included) wins when P(best) ≥ `winProbability`
 * and its expected loss ≤ `lossThreshold`; a non-control variant is a clear loser when
 * P(beats control) ≤ `loserProbability` after at least `minTrials` trials. The control is
 * never stopped.
 */
import { mulberry32 } from '../../../core/random';
import { beta as sampleBeta } from './sampling';

const { log, exp, max, min, abs, PI, sin } = Math;

/** The most terms the exact sum for P(X > Y) may take (the smaller integer alpha). */
export const MAX_EXACT_TERMS = 1_000_000;

/** A Beta distribution's shapes. */
export interface BetaShape {
  alpha: number;
  beta: number;
}

/** Observed counts of one variant. */
export interface VariantCounts {
  id: string;
  /** Conversions, an integer 0 ≤ successes ≤ trials. */
  successes: number;
  /** Trials (impressions or sends), a non-negative integer. */
  trials: number;
}

/** Options of {@link abVerdict}. */
export interface AbTestOptions {
  /** The id of the control variant. */
  control: string;
  /** Prior on every rate. Default Beta(1, 1) (uniform). */
  prior?: BetaShape;
  /** P(best) a winner needs. Default 0.95. */
  winProbability?: number;
  /** Largest expected loss (absolute rate, 0.001 = 0.1 percentage points) a winner may have. Default 0.001. */
  lossThreshold?: number;
  /** P(beats control) at or below which a variant is a clear loser. Default 0.05. */
  loserProbability?: number;
  /** Trials a variant needs before it can be called a loser. Default 1,000. */
  minTrials?: number;
  /** Monte Carlo draws, when they are needed. Default 200,000. */
  draws?: number;
  /** Seed of the Monte Carlo source (mulberry32). Default 1. */
  seed?: number;
}

/** One variant's figures and standing. */
export interface VariantResult {
  id: string;
  control: boolean;
  successes: number;
  trials: number;
  posterior: BetaShape;
  posteriorMean: number;
  /** P(this variant's rate is the highest). */
  probabilityBest: number;
  /** E[max of all rates − this rate]. */
  expectedLoss: number;
  /** P(this rate > the control's); null for the control itself. */
  probabilityBeatsControl: number | null;
  status: 'winner' | 'loser' | 'running';
}

/** The verdict of a test. */
export interface AbVerdict {
  /** The winning variant's id, or null when there is none yet. */
  winner: string | null;
  /** Ids of clear losers, to stop. */
  losers: string[];
  variants: VariantResult[];
  /** True when every figure is exact; false when some are Monte Carlo estimates. */
  exact: boolean;
  /** How the figures were computed and the rule applied, in words. */
  method: string;
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return log(PI / abs(sin(PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.9189385332046728 + (z + 0.5) * log(t) - t + log(sum);
}

const logBeta = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);

const isExactAlpha = (alpha: number) => Number.isInteger(alpha) && alpha <= MAX_EXACT_TERMS;

/** Miller's sum: P(Y > X) for X ~ Beta(a, b), Y ~ Beta(c, d), c a positive integer. */
function millerSum(a: number, b: number, c: number, d: number): number {
  const lbAB = logBeta(a, b);
  const lgBD = logGamma(b + d);
  const lgD = logGamma(d);
  let total = 0;
  for (let i = 0; i < c; i++) {
    const lbNum = logGamma(a + i) + lgBD - logGamma(a + b + d + i);
    const lbDen = logGamma(1 + i) + lgD - logGamma(1 + i + d);
    total += exp(lbNum - log(d + i) - lbDen - lbAB);
  }
  return min(1, max(0, total));
}

/**
 * P(X > Y) for X ~ Beta(x), Y ~ Beta(y), exactly, or null when neither alpha is an integer
 * of at most {@link MAX_EXACT_TERMS} (the closed form needs one). The sum runs over the
 * smaller integer alpha.
 */
export function probabilityGreater(x: BetaShape, y: BetaShape): number | null {
  const useX = isExactAlpha(x.alpha) && (!isExactAlpha(y.alpha) || x.alpha <= y.alpha);
  if (useX) return millerSum(y.alpha, y.beta, x.alpha, x.beta);
  if (isExactAlpha(y.alpha)) return 1 - millerSum(x.alpha, x.beta, y.alpha, y.beta);
  return null;
}

/**
 * E[max(Y − X, 0)] for X ~ Beta(x), Y ~ Beta(y): the expected loss of choosing X over Y,
 * exactly, or null when the closed form is not feasible (see {@link probabilityGreater}).
 */
export function expectedLossExact(x: BetaShape, y: BetaShape): number | null {
  const yAbove = probabilityGreater({ alpha: y.alpha + 1, beta: y.beta }, x);
  const yAboveShifted = probabilityGreater(y, { alpha: x.alpha + 1, beta: x.beta });
  if (yAbove === null || yAboveShifted === null) return null;
  const meanX = x.alpha / (x.alpha + x.beta);
  const meanY = y.alpha / (y.alpha + y.beta);
  return max(0, meanY * yAbove - meanX * yAboveShifted);
}

function check(variants: readonly VariantCounts[], options: AbTestOptions): number {
  if (variants.length < 2) throw new RangeError('an A/B test needs at least two variants');
  const ids = new Set<string>();
  for (const v of variants) {
    if (ids.has(v.id)) throw new RangeError(`variant ${v.id} appears twice`);
    ids.add(v.id);
    if (!(Number.isInteger(v.trials) && v.trials >= 0))
      throw new RangeError(`trials ${v.trials} of ${v.id} is not a non-negative integer`);
    if (!(Number.isInteger(v.successes) && v.successes >= 0 && v.successes <= v.trials))
      throw new RangeError(`successes ${v.successes} of ${v.id} is not an integer in [0, ${v.trials}]`);
  }
  const control = variants.findIndex((v) => v.id === options.control);
  if (control < 0) throw new RangeError(`control ${options.control} is not one of the variants`);
  return control;
}

interface MonteCarlo {
  best: Float64Array;
  loss: Float64Array;
  beatsControl: Float64Array;
}

/** Joint posterior draws: shares of wins, mean loss against the best, share above the control. */
function monteCarlo(
  posteriors: readonly BetaShape[],
  control: number,
  draws: number,
  seed: number,
): MonteCarlo {
  const k = posteriors.length;
  const random = mulberry32(seed);
  const x = new Float64Array(k);
  const best = new Float64Array(k);
  const loss = new Float64Array(k);
  const beatsControl = new Float64Array(k);
  for (let d = 0; d < draws; d++) {
    let top = 0;
    for (let i = 0; i < k; i++) {
      const p = posteriors[i]!;
      x[i] = sampleBeta(p.alpha, p.beta, random);
      if (x[i]! > x[top]!) top = i;
    }
    best[top]! += 1;
    const xc = x[control]!;
    const xTop = x[top]!;
    for (let i = 0; i < k; i++) {
      loss[i]! += xTop - x[i]!;
      if (x[i]! > xc) beatsControl[i]! += 1;
    }
  }
  for (let i = 0; i < k; i++) {
    best[i]! /= draws;
    loss[i]! /= draws;
    beatsControl[i]! /= draws;
  }
  return { best, loss, beatsControl };
}

/** P(best) and expected loss of two arms from the pairwise closed forms, or null where not feasible. */
function exactTwoArms(
  posteriors: readonly BetaShape[],
  control: number,
): { best: Float64Array; loss: Float64Array } | null {
  const other = 1 - control;
  const c = posteriors[control]!;
  const o = posteriors[other]!;
  const pOther = probabilityGreater(o, c);
  const lossOther = expectedLossExact(o, c);
  const lossControl = expectedLossExact(c, o);
  if (pOther === null || lossOther === null || lossControl === null) return null;
  const best = new Float64Array(2);
  const loss = new Float64Array(2);
  best[other] = pOther;
  best[control] = 1 - pOther;
  loss[other] = lossOther;
  loss[control] = lossControl;
  return { best, loss };
}

/**
 * The Bayesian verdict of a conversion test (method and rule in the module doc).
 *
 * @throws RangeError on fewer than two variants, repeated ids, counts that are not
 *   integers with 0 ≤ successes ≤ trials, an unknown control, or invalid options.
 */
export function abVerdict(variants: readonly VariantCounts[], options: AbTestOptions): AbVerdict {
  const control = check(variants, options);
  const prior = options.prior ?? { alpha: 1, beta: 1 };
  const winProbability = options.winProbability ?? 0.95;
  const lossThreshold = options.lossThreshold ?? 0.001;
  const loserProbability = options.loserProbability ?? 0.05;
  const minTrials = options.minTrials ?? 1000;
  const draws = options.draws ?? 200_000;
  const seed = options.seed ?? 1;
  if (!(prior.alpha > 0 && prior.beta > 0 && Number.isFinite(prior.alpha) && Number.isFinite(prior.beta)))
    throw new RangeError(`prior (${prior.alpha}, ${prior.beta}) is not finite and > 0`);
  if (!(winProbability > 0 && winProbability <= 1))
    throw new RangeError(`winProbability ${winProbability} is not in (0, 1]`);
  if (!(lossThreshold >= 0)) throw new RangeError(`lossThreshold ${lossThreshold} is not ≥ 0`);
  if (!(loserProbability >= 0 && loserProbability < 1))
    throw new RangeError(`loserProbability ${loserProbability} is not in [0, 1)`);
  if (!(Number.isInteger(draws) && draws > 0))
    throw new RangeError(`draws ${draws} is not a positive integer`);

  const posteriors = variants.map((v) => ({
    alpha: prior.alpha + v.successes,
    beta: prior.beta + v.trials - v.successes,
  }));
  const c = posteriors[control]!;
  const k = variants.length;

  // Pairwise against the control: exact where feasible.
  const beatsExact = posteriors.map((p, i) => (i === control ? null : probabilityGreater(p, c)));
  const pairwiseExact = beatsExact.every((p, i) => i === control || p !== null);

  // P(best) and expected loss: exact for two arms, else Monte Carlo (which also fills in
  // any pairwise figure the closed form could not give).
  const twoArms = k === 2 && pairwiseExact ? exactTwoArms(posteriors, control) : null;
  const mc = twoArms === null || !pairwiseExact ? monteCarlo(posteriors, control, draws, seed) : null;
  const probabilityBest = twoArms?.best ?? mc!.best;
  const expectedLoss = twoArms?.loss ?? mc!.loss;

  let top = 0;
  for (let i = 1; i < k; i++) if (probabilityBest[i]! > probabilityBest[top]!) top = i;
  const winner = probabilityBest[top]! >= winProbability && expectedLoss[top]! <= lossThreshold ? top : -1;

  const results: VariantResult[] = variants.map((v, i) => {
    const beats = i === control ? null : (beatsExact[i] ?? mc!.beatsControl[i]!);
    const loser = beats !== null && i !== winner && beats <= loserProbability && v.trials >= minTrials;
    const p = posteriors[i]!;
    return {
      id: v.id,
      control: i === control,
      successes: v.successes,
      trials: v.trials,
      posterior: p,
      posteriorMean: p.alpha / (p.alpha + p.beta),
      probabilityBest: probabilityBest[i]!,
      expectedLoss: expectedLoss[i]!,
      probabilityBeatsControl: beats,
      status: i === winner ? 'winner' : loser ? 'loser' : 'running',
    };
  });

  const mcText = `Monte Carlo over ${draws} joint posterior draws (mulberry32 seed ${seed})`;
  const method = [
    `Beta(${prior.alpha}, ${prior.beta}) prior on each conversion rate, updated with conversions and trials.`,
    `P(beats control): ${pairwiseExact ? "exact (Evan Miller's closed form for two Betas)" : mcText}.`,
    `P(best) and expected loss E[max rate − rate]: ${
      twoArms !== null ? 'exact (two arms: the pairwise closed forms)' : mcText
    }.`,
    `Rule: winner when P(best) ≥ ${winProbability} and expected loss ≤ ${lossThreshold}; ` +
      `loser when P(beats control) ≤ ${loserProbability} after ≥ ${minTrials} trials; the control is never stopped.`,
  ].join(' ');

  return {
    winner: winner >= 0 ? variants[winner]!.id : null,
    losers: results.filter((r) => r.status === 'loser').map((r) => r.id),
    variants: results,
    exact: twoArms !== null && pairwiseExact,
    method,
  };
}
