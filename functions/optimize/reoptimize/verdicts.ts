/** A/B verdicts of a segment: the message variants against their leader, and each against the no-send control. */

import { hash32 } from '../../../core/hash';
import { type AbVerdict, abVerdict } from '../kernels/abtest';
import { armCounts, type SegmentArm, segmentArms } from '../posterior';
import {
  type CampaignState,
  CONTROL,
  type Comparison,
  type Objective,
  type SegmentVerdict,
} from '../records';
import { defaultOptimizeOptions, type OptimizeOptions } from './ports';

export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
export const fmt = (x: number) => (x < 0.0001 && x > 0 ? x.toExponential(2) : x.toFixed(4));

/** Counts for the kernel: integers with successes ≤ trials. */
export const countsOf = (id: string, successes: number, trials: number) => ({
  id,
  successes: Math.min(Math.round(successes), Math.round(trials)),
  trials: Math.round(trials),
});

export function comparison(verdict: AbVerdict, method: string, reference: string): Comparison {
  return {
    method,
    reference,
    winner: verdict.winner,
    exact: verdict.exact,
    arms: verdict.variants.map((v) => ({
      variantId: v.id,
      trials: v.trials,
      successes: v.successes,
      mean: round6(v.posteriorMean),
      probabilityBest: round6(v.probabilityBest),
      expectedLoss: round6(v.expectedLoss),
      probabilityBeatsReference:
        v.probabilityBeatsControl === null ? null : round6(v.probabilityBeatsControl),
      status: v.status,
    })),
  };
}

/**
 * The message variants compared on the campaign objective. The reference is the leader (the
 * highest posterior mean), so the kernel's "loser" is a variant that is almost surely worse
 * than the leader after enough trials; the leader itself is never one, so at least one
 * message variant always stays.
 */
export function compareMessages(
  messages: readonly SegmentArm[],
  objective: Objective,
  options: OptimizeOptions,
  seed: number,
): { comparison: Comparison; verdict: AbVerdict; leader: string } {
  const counts = messages.map(({ variant, counter }) => {
    const { successes, trials } = armCounts(counter, objective);
    return countsOf(variant.variantId, successes, trials);
  });
  const meanOf = (c: { successes: number; trials: number }) => (c.successes + 1) / (c.trials + 2);
  const leader = counts.reduce((best, c) => (meanOf(c) > meanOf(best) ? c : best), counts[0]!).id;
  const verdict = abVerdict(counts, {
    control: leader,
    winProbability: options.winProbability,
    lossThreshold: options.lossThreshold,
    loserProbability: options.loserProbability,
    minTrials: options.minTrials,
    draws: options.verdictDraws,
    seed,
  });
  const rate = objective === 'click' ? 'clicks' : 'conversions';
  const method =
    `Message variants compared on ${rate} per send (trials: sends or impressions, whichever is larger), ` +
    'each rate with a Beta(1, 1) prior updated with its own counts only (the predicted priors steer ' +
    'the allocation, not the verdict). The reference arm is the leader (highest posterior mean); ' +
    `a variant is stopped as a clear loser when P(it beats the leader) ≤ ${options.loserProbability} after ` +
    `≥ ${options.minTrials} trials. Figures: ${verdict.method.replace(/control/g, 'reference')}`;
  return { comparison: comparison(verdict, method, leader), verdict, leader };
}

/** Each message variant's conversions per send against the no-send control's. */
export function compareWithControl(
  messages: readonly SegmentArm[],
  control: SegmentArm,
  options: OptimizeOptions,
  seed: number,
): Comparison {
  const counts = [...messages, control].map(({ variant, counter }) =>
    countsOf(variant.variantId, counter.conversions, counter.sends),
  );
  const verdict = abVerdict(counts, {
    control: CONTROL,
    winProbability: options.winProbability,
    lossThreshold: options.lossThreshold,
    minTrials: options.minTrials,
    draws: options.verdictDraws,
    seed,
  });
  const method =
    'Conversions per send of each message variant against the no-send control (users held out, ' +
    'their conversions reported against the control arm): P(beats control) is the probability that ' +
    'sending this variant converts more than sending nothing. Reported, not acted on here (the ' +
    `decision's uplift rule holds sends back when messages hurt). Figures: ${verdict.method}`;
  return comparison(verdict, method, CONTROL);
}

/**
 * The verdicts the next re-optimization would record, from the current counters, with the same
 * comparisons (`compareMessages`, `compareWithControl`): read-only (nothing stopped or stored),
 * seeded by campaign and segment so the same counters give the same figures. `GET
 * /campaigns/{id}` answers them as `live`, so no client recomputes a verdict.
 */
export function liveVerdicts(
  state: CampaignState,
  options: OptimizeOptions = defaultOptimizeOptions,
): Record<string, SegmentVerdict> {
  const objective = state.campaign.spec.objective;
  const verdicts: Record<string, SegmentVerdict> = {};
  for (const segmentId of [...new Set(state.variants.map((v) => v.segmentId))].sort()) {
    const arms = segmentArms(state, segmentId);
    const control = arms.find((a) => a.variant.kind === 'control');
    const messages = arms.filter((a) => a.variant.kind !== 'control');
    const seed = hash32('live', state.campaign.campaignId, segmentId);
    verdicts[segmentId] = {
      objective,
      messages: messages.length >= 2 ? compareMessages(messages, objective, options, seed).comparison : null,
      control:
        control && messages.length > 0 ? compareWithControl(messages, control, options, seed + 1) : null,
      stopped: [],
    };
  }
  return verdicts;
}
