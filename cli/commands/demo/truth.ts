import { hash32 } from '../../../core/hash';
import type { Decision } from '../../../functions/optimize/decision/decide';
import type { Variant } from '../../../functions/optimize/records';

// ---------------------------------------------------------------------------------------------
// The ground truth and the simulated users (pure)
// ---------------------------------------------------------------------------------------------

/** The rates the simulated users follow. */
export interface TruthRates {
  /** True clicks per send of each segment's best generated variant, before the segment factor. */
  readonly best: number;
  /** The other generated variants: uniform in [low, high), before the segment factor. */
  readonly others: { readonly low: number; readonly high: number };
  /** Challengers (bred later): uniform in [low, high) of the best's rate, so never above it. */
  readonly challengerShare: { readonly low: number; readonly high: number };
  /** Each segment's rates are multiplied by a factor uniform in [low, high). */
  readonly segmentFactor: { readonly low: number; readonly high: number };
  /** P(conversion | click). */
  readonly conversionAfterClick: number;
  /** P(conversion) of a user who did not click, or got no message (the control): the base rate. */
  readonly baseConversion: number;
  /** Order values are uniform in [low, high), in pounds, to the penny. */
  readonly orderValue: { readonly low: number; readonly high: number };
}

export const defaultTruthRates: TruthRates = {
  best: 0.15,
  others: { low: 0.02, high: 0.06 },
  challengerShare: { low: 0.3, high: 0.8 },
  segmentFactor: { low: 0.8, high: 1.2 },
  conversionAfterClick: 0.25,
  baseConversion: 0.01,
  orderValue: { low: 8, high: 60 },
};

/** An arm as the ground truth needs it. */
export type TruthArm = Pick<Variant, 'segmentId' | 'variantId' | 'kind'>;

/** The true behaviour of the simulated users: a click rate per segment × message arm. */
export interface GroundTruth {
  readonly seed: number;
  readonly rates: TruthRates;
  /** True clicks per send, keyed by {@link armKey}; message arms only. */
  readonly ctr: ReadonlyMap<string, number>;
  /** Each segment's truly best message arm. */
  readonly best: ReadonlyMap<string, { readonly variantId: string; readonly ctr: number }>;
}

export const armKey = (segmentId: string, variantId: string) => `${segmentId}#${variantId}`;

/** A uniform number in [0, 1) from a hash of the parts. */
export const unit = (...parts: Array<string | number>) => hash32(...parts) / 2 ** 32;
export const between = (range: { low: number; high: number }, u: number) =>
  range.low + (range.high - range.low) * u;

/**
 * The ground truth of these arms, a pure function of the seed and the ids: in each segment the
 * generated variant with the lowest hash is the best (rate `best`), the other generated ones
 * draw from `others`, a challenger gets a share of the best's rate (so the best stays the
 * best), all times the segment's factor. The same seed and ids always give the same truth,
 * and adding arms (challengers) never changes the rates of those already there.
 */
export function groundTruth(
  seed: number,
  arms: readonly TruthArm[],
  rates: TruthRates = defaultTruthRates,
): GroundTruth {
  const ctr = new Map<string, number>();
  const best = new Map<string, { variantId: string; ctr: number }>();
  const segments = [...new Set(arms.map((a) => a.segmentId))].sort();
  for (const segmentId of segments) {
    const factor = between(rates.segmentFactor, unit(seed, 'segment', segmentId));
    const generated = arms
      .filter((a) => a.segmentId === segmentId && a.kind === 'generated')
      .map((a) => a.variantId)
      .sort(
        (a, b) => hash32(seed, 'best', segmentId, a) - hash32(seed, 'best', segmentId, b) || (a < b ? -1 : 1),
      );
    const top = rates.best * factor;
    generated.forEach((variantId, rank) => {
      const rate =
        rank === 0 ? top : between(rates.others, unit(seed, 'other', segmentId, variantId)) * factor;
      ctr.set(armKey(segmentId, variantId), rate);
    });
    for (const a of arms) {
      if (a.segmentId !== segmentId || a.kind !== 'challenger') continue;
      ctr.set(
        armKey(segmentId, a.variantId),
        top * between(rates.challengerShare, unit(seed, 'challenger', segmentId, a.variantId)),
      );
    }
    const leader = [...ctr.entries()]
      .filter(([key]) => key.startsWith(`${segmentId}#`))
      .reduce<{ variantId: string; ctr: number } | undefined>(
        (found, [key, rate]) =>
          !found || rate > found.ctr ? { variantId: key.slice(segmentId.length + 1), ctr: rate } : found,
        undefined,
      );
    if (leader) best.set(segmentId, leader);
  }
  return { seed, rates, ctr, best };
}

/** The true click rate of a message arm; an arm the truth does not know is an error. */
export function trueCtr(truth: GroundTruth, segmentId: string, variantId: string): number {
  const rate = truth.ctr.get(armKey(segmentId, variantId));
  if (rate === undefined) throw new Error(`the ground truth has no arm ${variantId} in segment ${segmentId}`);
  return rate;
}

/** A feedback event as `POST /feedback` takes it. */
export interface SimulatedEvent {
  readonly eventId: string;
  readonly type: 'click' | 'conversion';
  readonly impressionId: string;
  readonly value?: number;
}

export interface Outcome {
  readonly clicked: boolean;
  readonly converted: boolean;
  readonly events: SimulatedEvent[];
}

/**
 * What the user does after a decision, drawn from the ground truth with `random`: a sent
 * message is clicked with its true rate, and converts with
 * `conversionAfterClick` after a click, else with the base rate; a user held out in the
 * control converts with the base rate; nothing happens after any other no-send. Event ids are
 * derived from the impression id, so a resend is deduplicated.
 */
export function simulateOutcome(decision: Decision, truth: GroundTruth, random: () => number): Outcome {
  const none: Outcome = { clicked: false, converted: false, events: [] };
  if (!('impressionId' in decision)) return none;
  const { impressionId } = decision;
  const value = () => Math.round(between(truth.rates.orderValue, random()) * 100) / 100;
  const conversion = (): SimulatedEvent => ({
    eventId: `${impressionId}:conversion`,
    type: 'conversion',
    impressionId,
    value: value(),
  });
  if (!decision.send) {
    const converted = random() < truth.rates.baseConversion;
    return { clicked: false, converted, events: converted ? [conversion()] : [] };
  }
  // No impression event: the decision already counted the send, and an e-mail's impression is
  // its send (trials are max(sends, impressions)), so one would only cost writes.
  const events: SimulatedEvent[] = [];
  const clicked = random() < trueCtr(truth, decision.segmentId, decision.variantId);
  if (clicked) events.push({ eventId: `${impressionId}:click`, type: 'click', impressionId });
  const converted = random() < (clicked ? truth.rates.conversionAfterClick : truth.rates.baseConversion);
  if (converted) events.push(conversion());
  return { clicked, converted, events };
}

/** Expected clicks of a policy over some sends, and its regret against the oracle. */
export interface PolicyFigures {
  readonly expectedClicks: number;
  /** Σ (best rate in the segment − rate of the arm sent): clicks lost against the oracle. */
  readonly regret: number;
}

/**
 * Expected regret of the sends Tailor made against the oracle (always the segment's truly best
 * arm) and against a fixed uniform split over the same segment's active message arms, for the
 * same sends: it measures the policies, not the click noise.
 */
export function regretOf(
  sends: ReadonlyArray<{ segmentId: string; variantId: string }>,
  truth: GroundTruth,
  activeArms: ReadonlyMap<string, readonly string[]>,
): { sends: number; tailor: PolicyFigures; uniform: PolicyFigures; oracle: PolicyFigures } {
  let tailor = 0;
  let uniform = 0;
  let oracle = 0;
  for (const { segmentId, variantId } of sends) {
    const best = truth.best.get(segmentId)?.ctr ?? 0;
    const arms = activeArms.get(segmentId) ?? [variantId];
    const mean = arms.reduce((sum, id) => sum + trueCtr(truth, segmentId, id), 0) / arms.length;
    tailor += trueCtr(truth, segmentId, variantId);
    uniform += mean;
    oracle += best;
  }
  return {
    sends: sends.length,
    tailor: { expectedClicks: tailor, regret: oracle - tailor },
    uniform: { expectedClicks: uniform, regret: oracle - uniform },
    oracle: { expectedClicks: oracle, regret: 0 },
  };
}
