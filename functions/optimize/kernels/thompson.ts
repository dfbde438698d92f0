/**
 * Bernoulli Thompson sampling (Thompson 1933; Chapelle & Li, "An Empirical Evaluation of
 * Thompson Sampling", NIPS 2011): each arm keeps a Beta posterior over its success rate;
 * to decide, draw one rate from every posterior and show the arm with the highest draw, so
 * an arm is shown with the probability that it is the best one.
 *
 * Posteriors start from the predictor: an arm predicted at rate p with prior strength s
 * starts at Beta(p·s, (1 − p)·s), as if s impressions at rate p had already been seen, so a
 * strength of 20 lets about 20 real impressions outweigh the prediction.
 *
 * A control arm can be given a floor: with probability `share` the control is shown
 * outright, otherwise Thompson sampling runs over all arms, the control included. The
 * control's traffic is therefore share + (1 − share) · P(control is best) ≥ share, every
 * other arm's is (1 − share) · P(it is best), and {@link allocation} reports exactly the
 * split that {@link choose} produces.
 *
 * Arms are plain immutable records, so they can be stored and rebuilt as they are.
 */
import { beta as sampleBeta, type Uniform } from './sampling';

/** One arm's Beta posterior over its success rate. */
export interface Arm {
  readonly id: string;
  /** Prior pseudo-successes plus observed successes; > 0. */
  readonly alpha: number;
  /** Prior pseudo-failures plus observed failures; > 0. */
  readonly beta: number;
}

/** A control arm kept at a minimum share of traffic (see the module doc for how). */
export interface ControlFloor {
  /** The id of the control arm among the arms. */
  id: string;
  /** Minimum share of traffic, 0 ≤ share < 1. */
  share: number;
}

/** Options of {@link choose} and {@link allocation}. */
export interface ThompsonOptions {
  control?: ControlFloor;
}

const finitePositive = (x: number) => x > 0 && x < Number.POSITIVE_INFINITY;

/**
 * An arm whose posterior starts from a predicted rate: Beta(rate·strength, (1 − rate)·strength).
 *
 * @param rate the predicted success rate, 0 < rate < 1.
 * @param strength the prior's weight in pseudo-observations, > 0.
 * @throws RangeError when rate or strength is out of range.
 */
export function priorArm(id: string, rate: number, strength: number): Arm {
  if (!(rate > 0 && rate < 1)) throw new RangeError(`prior rate ${rate} for ${id} is not in (0, 1)`);
  if (!finitePositive(strength))
    throw new RangeError(`prior strength ${strength} for ${id} is not finite and > 0`);
  return { id, alpha: rate * strength, beta: (1 - rate) * strength };
}

/**
 * The arm's posterior after more observations: Beta(alpha + successes, beta + failures).
 * Counts may be fractional (weighted feedback).
 *
 * @throws RangeError when a count is not finite and ≥ 0.
 */
export function update(arm: Arm, successes: number, failures: number): Arm {
  for (const [name, n] of [
    ['successes', successes],
    ['failures', failures],
  ] as const) {
    if (!(n >= 0 && n < Number.POSITIVE_INFINITY))
      throw new RangeError(`${name} ${n} for ${arm.id} is not finite and ≥ 0`);
  }
  return { id: arm.id, alpha: arm.alpha + successes, beta: arm.beta + failures };
}

/** The posterior mean rate alpha / (alpha + beta). */
export function posteriorMean(arm: Arm): number {
  return arm.alpha / (arm.alpha + arm.beta);
}

/** Checks the arms and resolves the control's index (−1 when there is none). */
function prepare(arms: readonly Arm[], options: ThompsonOptions): { control: number; share: number } {
  if (arms.length === 0) throw new RangeError('no arms to choose from');
  for (const arm of arms) {
    if (!finitePositive(arm.alpha) || !finitePositive(arm.beta))
      throw new RangeError(`arm ${arm.id} has posterior (${arm.alpha}, ${arm.beta}), not finite and > 0`);
  }
  const floor = options.control;
  if (floor === undefined) return { control: -1, share: 0 };
  if (!(floor.share >= 0 && floor.share < 1))
    throw new RangeError(`control share ${floor.share} is not in [0, 1)`);
  const control = arms.findIndex((arm) => arm.id === floor.id);
  if (control < 0) throw new RangeError(`control ${floor.id} is not one of the arms`);
  return { control, share: floor.share };
}

/** The index of the arm with the highest posterior draw (the first on a tie). */
function thompsonDraw(arms: readonly Arm[], random: Uniform): number {
  let best = 0;
  let bestDraw = -1;
  for (let i = 0; i < arms.length; i++) {
    const arm = arms[i]!;
    const draw = sampleBeta(arm.alpha, arm.beta, random);
    if (draw > bestDraw) {
      best = i;
      bestDraw = draw;
    }
  }
  return best;
}

/**
 * The index of the arm to show now: one Thompson draw, after the control floor's coin.
 *
 * @throws RangeError on no arms, an invalid posterior, or an invalid control floor.
 */
export function choose(arms: readonly Arm[], random: Uniform, options: ThompsonOptions = {}): number {
  const { control, share } = prepare(arms, options);
  if (share > 0 && random() < share) return control;
  return thompsonDraw(arms, random);
}

/**
 * The traffic split {@link choose} produces, estimated by Monte Carlo: the share of `draws`
 * Thompson draws each arm wins, then the control floor applied exactly. The shares sum to 1
 * and are in the order of `arms`; their Monte Carlo error is about sqrt(s(1 − s) / draws).
 *
 * @param draws the number of Monte Carlo draws, a positive integer (10,000 gives ±0.005).
 * @throws RangeError as {@link choose}, or when draws is not a positive integer.
 */
export function allocation(
  arms: readonly Arm[],
  draws: number,
  random: Uniform,
  options: ThompsonOptions = {},
): Float64Array {
  const { control, share } = prepare(arms, options);
  if (!(Number.isInteger(draws) && draws > 0))
    throw new RangeError(`draws ${draws} is not a positive integer`);
  const shares = new Float64Array(arms.length);
  for (let d = 0; d < draws; d++) shares[thompsonDraw(arms, random)]! += 1;
  const scale = (1 - share) / draws;
  for (let i = 0; i < shares.length; i++) shares[i]! *= scale;
  if (control >= 0) shares[control]! += share;
  return shares;
}
