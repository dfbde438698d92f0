/** The run's last states: finish (status and the initial allocation snapshot) and fail (the Catch path). */

import { stepErrorMessage } from '../../../core/errors';
import { hash32 } from '../../../core/hash';
import { mulberry32 } from '../../../core/random';
import type { Uniform } from '../kernels/sampling';
import { allocation } from '../kernels/thompson';
import { posteriorInterval } from '../posterior';
import type { AllocationSnapshot, Variant } from '../records';
import type { CampaignSpec } from '../schema';
import { armsBySegment, type CampaignRunPorts, clockOf, type FinishResult, messagesPrefixOf } from './ports';
import type { SegmentOutcome } from './schema';

/** Monte Carlo draws of the initial allocation (±0.005 on each share). */
const allocationDraws = 10_000;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Mean and exact 95% interval of a prior, rounded for the snapshot. */
function priorInterval(prior: { alpha: number; beta: number }) {
  const { mean, low, high } = posteriorInterval(prior);
  return { mean: round6(mean), low: round6(low), high: round6(high) };
}

/**
 * The allocation at launch, per segment with arms. The control gets exactly the control share
 * (the messages step and the hash hold it out, it is never drawn); the rest is split evenly
 * (`trafficSplit: even`) or by each arm's probability of being best under its prior
 * ({@link allocation}). Intervals are the priors'; sends and successes are the counters so far.
 */
export function initialSnapshot(
  spec: Pick<CampaignSpec, 'controlShare' | 'trafficSplit' | 'objective'>,
  variants: readonly Variant[],
  counters: ReadonlyArray<{
    segmentId: string;
    variantId: string;
    sends: number;
    clicks: number;
    conversions: number;
  }>,
  at: string,
  random: Uniform,
): AllocationSnapshot {
  const arms = armsBySegment(variants);
  const counted = new Map(counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
  const segments: AllocationSnapshot['segments'] = {};
  for (const [segmentId, segmentArms] of arms) {
    const control = variants.find(
      (v) => v.segmentId === segmentId && v.kind === 'control' && v.status === 'active',
    );
    const share = control ? spec.controlShare : 0;
    const priors = segmentArms.map((v) => ({ id: v.variantId, alpha: v.prior.alpha, beta: v.prior.beta }));
    const shares =
      spec.trafficSplit === 'even'
        ? priors.map(() => 1 / priors.length)
        : Array.from(allocation(priors, allocationDraws, random));
    const row = (v: Variant, s: number) => {
      const c = counted.get(`${segmentId}#${v.variantId}`);
      return {
        variantId: v.variantId,
        share: round6(s),
        ...priorInterval(v.prior),
        sends: c?.sends ?? 0,
        successes: (spec.objective === 'click' ? c?.clicks : c?.conversions) ?? 0,
      };
    };
    segments[segmentId] = [
      ...segmentArms.map((v, i) => row(v, (1 - share) * (shares[i] ?? 0))),
      ...(control ? [row(control, share)] : []),
    ];
  }
  return { at, segments };
}

const describeError = (error: string | { Error?: string; Cause?: string }) =>
  typeof error === 'string'
    ? error
    : [error.Error, stepErrorMessage(error.Cause)].filter(Boolean).join(': ') || 'unknown error';

/**
 * Close the run: `active` when at least one segment kept variants (with the initial allocation
 * snapshot written, and for a batch campaign where its messages are), else `failed` saying why
 * each segment came out empty.
 */
export async function finishCampaign(
  campaignId: string,
  results: readonly SegmentOutcome[],
  ports: CampaignRunPorts,
): Promise<FinishResult> {
  const { campaign, variants, counters } = await ports.store.getState(campaignId);
  const { spec } = campaign;
  const kept = results.reduce((sum, r) => sum + ('kept' in r ? r.kept : 0), 0);
  const failed = results.filter((r) => !('kept' in r) || r.kept === 0);
  const failedSegments = failed.map((r) => r.segmentId);
  const base = { campaignId, kept, segments: results.length, failedSegments };
  if (kept === 0) {
    const cause = failed
      .map(
        (r) => `${r.segmentId}: ${'error' in r ? describeError(r.error) : (r.reason ?? 'no variants kept')}`,
      )
      .join('; ');
    await ports.store.updateCampaign(campaignId, {
      status: 'failed',
      error: { error: 'NoVariants', cause: (cause || 'the run targeted no segment').slice(0, 2000) },
    });
    return { ...base, status: 'failed' };
  }
  const at = clockOf(ports).toISOString();
  const random = ports.random ?? mulberry32(hash32(campaignId, 'allocation'));
  await ports.store.putSnapshot(campaignId, initialSnapshot(spec, variants, counters, at, random));
  const messagesPrefix = spec.audience.kind === 'userList' ? messagesPrefixOf(campaignId) : undefined;
  await ports.store.updateCampaign(campaignId, {
    status: 'active',
    ...(messagesPrefix ? { messagesPrefix } : {}),
  });
  return { ...base, status: 'active', ...(messagesPrefix ? { messagesPrefix } : {}) };
}

/**
 * The Catch path: record why the run failed (the error's name, and its message when the Cause
 * is a Lambda error object); the state machine then ends in its Fail state.
 */
export async function failCampaign(
  campaignId: string,
  error: { Error?: string; Cause?: string },
  ports: CampaignRunPorts,
): Promise<{ campaignId: string; status: 'failed'; error: { error: string; cause: string } }> {
  const recorded = { error: error.Error || 'Error', cause: stepErrorMessage(error.Cause).slice(0, 2000) };
  await ports.store.updateCampaign(campaignId, { status: 'failed', error: recorded });
  return { campaignId, status: 'failed', error: recorded };
}
