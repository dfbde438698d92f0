/** The update state: per segment, the verdicts, clear losers stopped, an allocation snapshot and a challenger job. */

import { hash32 } from '../../../core/hash';
import { mulberry32 } from '../../../core/random';
import { allocation } from '../kernels/thompson';
import { posteriorInterval, type SegmentArm, segmentArms } from '../posterior';
import {
  type AllocationSnapshot,
  type Campaign,
  type CampaignVerdicts,
  type Comparison,
  emptyCounter,
  type SegmentVerdict,
} from '../records';
import { buildChallengerJob, type ChallengerJob, defaultBreedOptions } from './challengers';
import { clockOf, type OptimizePorts, optionsOf } from './ports';
import { compareMessages, compareWithControl, fmt, round6 } from './verdicts';

export interface UpdateSegmentResult {
  readonly segmentId: string;
  /** Active arms after the update, the control included. */
  readonly activeArms: number;
  readonly leader: string | null;
  readonly winner: string | null;
  readonly stopped: Array<{ variantId: string; reason: string }>;
  /** Why no challenger job was made, when none was (null when one was, or breeding is off). */
  readonly breedSkipped: string | null;
}

export interface UpdateResult {
  readonly runId: string;
  readonly campaignId: string;
  readonly status: Campaign['status'];
  /** The snapshot written (null when no segment has arms). */
  readonly snapshotAt: string | null;
  readonly segments: UpdateSegmentResult[];
  /** Challenger jobs for the state machine's Map (empty when breeding is off or nothing qualifies). */
  readonly challengers: ChallengerJob[];
}

/**
 * The allocation snapshot of one segment, as decisions split traffic: the control gets exactly
 * the control share (held out by hash, never drawn), the message arms split the rest evenly
 * (`trafficSplit: even`) or by their probability of being best under their posteriors (the
 * Thompson allocation). Means and 95% intervals are the arms' posteriors (predicted prior plus
 * counts).
 */
function segmentSnapshot(
  messages: readonly SegmentArm[],
  control: SegmentArm | undefined,
  spec: Campaign['spec'],
  draws: number,
  random: () => number,
): AllocationSnapshot['segments'][string] {
  const controlShare = control ? spec.controlShare : 0;
  const shares =
    spec.trafficSplit === 'even' || messages.length === 1
      ? messages.map(() => 1 / messages.length)
      : Array.from(
          allocation(
            messages.map((m) => m.arm),
            draws,
            random,
          ),
        );
  const row = (a: SegmentArm, share: number) => {
    const interval = posteriorInterval(a.arm);
    return {
      variantId: a.variant.variantId,
      share: round6(share),
      mean: round6(interval.mean),
      low: round6(interval.low),
      high: round6(interval.high),
      sends: a.counter.sends,
      successes: spec.objective === 'click' ? a.counter.clicks : a.counter.conversions,
    };
  };
  return [
    ...messages.map((m, i) => row(m, (1 - controlShare) * (shares[i] ?? 0))),
    ...(control ? [row(control, controlShare)] : []),
  ];
}

function breedingOpen(campaign: Campaign, now: Date): string | null {
  if (campaign.status !== 'active') return `campaign is ${campaign.status}`;
  if (campaign.spec.endAt && Date.parse(campaign.spec.endAt) <= now.getTime()) return 'campaign has ended';
  return null;
}

/**
 * Update one campaign: per segment, the verdicts, clear losers stopped, and a snapshot of the
 * allocation; the verdicts stored on the campaign; with `breed`, one challenger job per
 * segment whose leader has enough evidence and room for another arm.
 */
export async function updateCampaign(
  input: { runId: string; campaignId: string; breed: boolean },
  ports: OptimizePorts,
): Promise<UpdateResult> {
  const { runId, campaignId } = input;
  const options = optionsOf(ports);
  const breed = { ...defaultBreedOptions, ...options.breed };
  const now = clockOf(ports);
  const at = now.toISOString();
  const state = await ports.store.getState(campaignId);
  const { campaign } = state;
  const { spec } = campaign;
  const objective = spec.objective;
  const random = ports.random ?? mulberry32(hash32(runId, campaignId, 'allocation'));
  const closed = input.breed ? breedingOpen(campaign, now) : null;

  const segmentIds = [...new Set(state.variants.map((v) => v.segmentId))].sort();
  const verdicts: Record<string, SegmentVerdict> = {};
  const snapshot: AllocationSnapshot['segments'] = {};
  const results: UpdateSegmentResult[] = [];
  const challengers: ChallengerJob[] = [];

  for (const segmentId of segmentIds) {
    const arms = segmentArms(state, segmentId);
    const control = arms.find((a) => a.variant.kind === 'control');
    let messages = arms.filter((a) => a.variant.kind !== 'control');
    const seed = hash32(runId, campaignId, segmentId);
    const stopped: Array<{ variantId: string; reason: string }> = [];

    let messageComparison: Comparison | null = null;
    let leader: string | null = messages.length === 1 ? messages[0]!.variant.variantId : null;
    if (messages.length >= 2) {
      const compared = compareMessages(messages, objective, options, seed);
      messageComparison = compared.comparison;
      leader = compared.leader;
      const reference = compared.verdict.variants.find((v) => v.id === leader)!;
      for (const v of compared.verdict.variants) {
        if (v.status !== 'loser') continue;
        const reason =
          `clear loser on ${objective === 'click' ? 'clicks' : 'conversions'} per send: ` +
          `P(beats leader ${leader}) = ${fmt(v.probabilityBeatsControl ?? 0)} ≤ ${options.loserProbability} ` +
          `with ${v.successes}/${v.trials} (mean ${fmt(v.posteriorMean)}) against ` +
          `${reference.successes}/${reference.trials} (mean ${fmt(reference.posteriorMean)}), ` +
          `after ≥ ${options.minTrials} trials; expected loss ${fmt(v.expectedLoss)}`;
        stopped.push({ variantId: v.id, reason });
      }
    }
    for (const { variantId, reason } of stopped) {
      await ports.store.updateVariant(campaignId, segmentId, variantId, {
        status: 'stopped',
        stoppedAt: at,
        stopReason: reason,
      });
    }
    const stoppedIds = new Set(stopped.map((s) => s.variantId));
    messages = messages.filter((m) => !stoppedIds.has(m.variant.variantId));

    const controlComparison =
      control && messages.length > 0 ? compareWithControl(messages, control, options, seed + 1) : null;
    verdicts[segmentId] = { objective, messages: messageComparison, control: controlComparison, stopped };
    if (messages.length > 0) {
      snapshot[segmentId] = segmentSnapshot(messages, control, spec, options.allocationDraws, random);
    }

    let breedSkipped: string | null = null;
    if (input.breed) {
      const leaderArm = messages.find((m) => m.variant.variantId === leader);
      if (closed) breedSkipped = closed;
      else if (!leaderArm) breedSkipped = 'no active message variant';
      else {
        const counters = new Map(state.counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
        const all = state.variants
          .filter((v) => v.segmentId === segmentId && v.kind !== 'control')
          .map((variant) => ({
            variant,
            counter:
              counters.get(`${segmentId}#${variant.variantId}`) ?? emptyCounter(segmentId, variant.variantId),
          }));
        const built = buildChallengerJob({
          runId,
          campaign,
          segmentId,
          leader: leaderArm,
          arms: all,
          activeArms: messages.length + (control ? 1 : 0),
          options: breed,
        });
        if ('job' in built) challengers.push(built.job);
        else breedSkipped = built.skipped;
      }
    }
    results.push({
      segmentId,
      activeArms: messages.length + (control ? 1 : 0),
      leader,
      winner: messageComparison?.winner ?? null,
      stopped,
      breedSkipped,
    });
  }

  const hasSnapshot = Object.keys(snapshot).length > 0;
  if (hasSnapshot) await ports.store.putSnapshot(campaignId, { at, segments: snapshot });
  const stored: CampaignVerdicts = { runId, at, segments: verdicts };
  await ports.store.updateCampaign(campaignId, { verdicts: stored });
  return {
    runId,
    campaignId,
    status: campaign.status,
    snapshotAt: hasSnapshot ? at : null,
    segments: results,
    challengers,
  };
}
