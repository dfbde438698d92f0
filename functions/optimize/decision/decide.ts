/**
 * `GET /campaigns/{id}/decision?userId=…`: which variant to send or show this user now, or
 * why nothing is sent. The hot path of a campaign: one (cached) campaign read, one profile
 * read, one frequency-cap increment, one impression write and one counter increment.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError } from '../../../core/errors';
import type { ProfileStore } from '../../profile/store';
import { ALL_SEGMENT } from '../../shared/schemas';
import { hourOf, inControl } from '../assignment';
import { probabilityGreater } from '../kernels/abtest';
import { choose } from '../kernels/thompson';
import type { MessageLinks } from '../links/token';
import { armCounts, type SegmentArm, segmentArms } from '../posterior';
import { type CampaignState, CONTROL, type Variant } from '../records';
import type { CampaignStore } from '../store';
import type { SuppressionReason } from '../suppression/store';

/** Why nothing is sent. */
export type NoSendReason =
  | 'not-started'
  | 'ended'
  | 'paused'
  | 'budget-spent'
  | 'not-in-audience'
  | 'frequency-cap'
  | 'no-uplift'
  /** The user unsubscribed (from any campaign): no campaign sends to them again. */
  | 'unsubscribed'
  /** The user is on the suppression list for another reason (a bounce, a complaint, by hand). */
  | 'suppressed'
  /** The user's segment has no active message variant (every one stopped, or none kept). */
  | 'no-variants';

/** The answer of a decision. */
export type Decision =
  | {
      readonly send: false;
      readonly reason: NoSendReason;
      readonly campaignId: string;
      /** The user's segment, once it is known. */
      readonly segmentId?: string;
    }
  | {
      /** The user is in the campaign's no-send control group for its whole life. */
      readonly send: false;
      readonly reason: 'control';
      readonly campaignId: string;
      readonly segmentId: string;
      readonly variantId: typeof CONTROL;
      /** Report the user's conversions with this id: they are the control's outcomes. */
      readonly impressionId: string;
    }
  | {
      readonly send: true;
      /** `thompson`: drawn from the posteriors; `even`: a uniform pick (trafficSplit even). */
      readonly reason: 'thompson' | 'even';
      readonly impressionId: string;
      readonly campaignId: string;
      readonly segmentId: string;
      readonly variantId: string;
      readonly channel: string;
      readonly headline: string;
      readonly body: string;
      readonly callToAction: string;
      readonly rendered?: Variant['rendered'];
      /** The tracked links of this message (click, open pixel, unsubscribe), when the deployment signs them. */
      readonly links?: MessageLinks;
    };

export interface DecisionInput {
  readonly campaignId: string;
  readonly userId: string;
  /** ISO time of the decision (tests, replays); default now. */
  readonly at?: string;
}

export interface DecisionPorts {
  readonly store: CampaignStore;
  readonly profiles: Pick<ProfileStore, 'getProfile'>;
  /** Uniform [0, 1) source of the arm draw; default Math.random. */
  readonly random?: () => number;
  readonly now?: () => Date;
  /** Impression ids; default randomUUID. */
  readonly newId?: () => string;
  readonly impressionTtlDays: number;
  /**
   * How long a container reuses a campaign's state, in ms (default {@link defaultStateCacheMs};
   * 0: read it every time). Status, dates, budget and posteriors are as stale as this.
   */
  readonly stateCacheMs?: number;
  /**
   * The user ids of a `userList` audience's list (the object at `audience.key`); required for
   * such campaigns. Read once per container and key: a campaign's list does not change.
   */
  readonly userList?: (key: string) => Promise<Iterable<string>>;
  /** Why the user is on the suppression list, or undefined; asked before anything is counted. */
  readonly suppression?: (userId: string) => Promise<SuppressionReason | undefined>;
  /** The tracked links of a message's impression (the deployment's signing key and public URL). */
  readonly links?: (ids: { campaignId: string; impressionId: string }) => MessageLinks;
}

/** Default per-container cache time of a campaign's state. */
export const defaultStateCacheMs = 2000;

/** Sends each side of the control comparison needs before observed evidence decides uplift. */
export const minUpliftSends = 200;
/** P(message beats control) below which sending is taken to hurt (above 1 − this: to help). */
export const upliftProbability = 0.05;

const stateCache = new WeakMap<CampaignStore, Map<string, { state: CampaignState; until: number }>>();
const listCache = new Map<string, Promise<ReadonlySet<string>>>();
/** Uplift evidence per state object and segment: the exact probability costs O(conversions). */
const upliftCache = new WeakMap<CampaignState, Map<string, Uplift>>();

async function campaignState(
  campaignId: string,
  ports: DecisionPorts,
  nowMs: number,
): Promise<CampaignState> {
  const ttl = ports.stateCacheMs ?? defaultStateCacheMs;
  if (ttl <= 0) return ports.store.getState(campaignId);
  let byId = stateCache.get(ports.store);
  if (!byId) {
    byId = new Map();
    stateCache.set(ports.store, byId);
  }
  const hit = byId.get(campaignId);
  if (hit && hit.until > nowMs) return hit.state;
  const state = await ports.store.getState(campaignId);
  byId.set(campaignId, { state, until: nowMs + ttl });
  return state;
}

async function listed(key: string, userId: string, ports: DecisionPorts): Promise<boolean> {
  if (!ports.userList) throw new Error(`the decision needs the userList port for the user list at ${key}`);
  let list = listCache.get(key);
  if (!list) {
    const read = ports.userList;
    list = read(key).then((ids) => new Set(ids));
    listCache.set(key, list);
    list.catch(() => listCache.delete(key));
  }
  return (await list).has(userId);
}

/** Segments the campaign can send in: those it targeted and those it holds variants for. */
function segmentsOf(state: CampaignState): Set<string> {
  return new Set([
    ...(state.campaign.segments ?? []).map((s) => s.segmentId),
    ...state.variants.map((v) => v.segmentId),
  ]);
}

/** The user's segment in this campaign, or undefined when the user is not in its audience. */
async function segmentOf(
  state: CampaignState,
  userId: string,
  ports: DecisionPorts,
): Promise<string | undefined> {
  const audience = state.campaign.spec.audience;
  if (audience.kind === 'users' && !audience.userIds.includes(userId)) return undefined;
  if (audience.kind === 'userList' && !(await listed(audience.key, userId, ports))) return undefined;
  const segments = segmentsOf(state);
  const profile = await ports.profiles.getProfile(userId);
  if (profile && segments.has(profile.segmentId)) return profile.segmentId;
  return segments.has(ALL_SEGMENT) ? ALL_SEGMENT : undefined;
}

/** Observed evidence on whether sending changes conversions, in one segment. */
interface Uplift {
  /** P(message conversion rate > control's) with uniform priors, or null with too few sends. */
  readonly probability: number | null;
}

const standardNormalCdf = (z: number): number => {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), enough for a 0.05 threshold.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
};

/**
 * P(p_message > p_control) for the segment's message arms pooled against its control, with
 * Beta(1, 1) priors: exact (Miller's sum) where the kernel's closed form applies, else the
 * normal approximation of the difference of the two posteriors.
 */
function upliftOf(state: CampaignState, segmentId: string, arms: readonly SegmentArm[]): Uplift {
  let bySegment = upliftCache.get(state);
  if (!bySegment) {
    bySegment = new Map();
    upliftCache.set(state, bySegment);
  }
  const cached = bySegment.get(segmentId);
  if (cached) return cached;
  const control = state.counters.find((c) => c.segmentId === segmentId && c.variantId === CONTROL);
  let messageTrials = 0;
  let messageConversions = 0;
  for (const { counter } of arms) {
    const { successes, trials } = armCounts(counter, 'conversion');
    messageTrials += trials;
    messageConversions += Math.min(successes, trials);
  }
  let uplift: Uplift = { probability: null };
  if (control && control.sends >= minUpliftSends && messageTrials >= minUpliftSends) {
    const controlConversions = Math.min(control.conversions, control.sends);
    const m = { alpha: 1 + messageConversions, beta: 1 + messageTrials - messageConversions };
    const c = { alpha: 1 + controlConversions, beta: 1 + control.sends - controlConversions };
    const exact = probabilityGreater(m, c);
    if (exact !== null) {
      uplift = { probability: exact };
    } else {
      const mean = (s: typeof m) => s.alpha / (s.alpha + s.beta);
      const variance = (s: typeof m) =>
        (s.alpha * s.beta) / ((s.alpha + s.beta) ** 2 * (s.alpha + s.beta + 1));
      const z = (mean(m) - mean(c)) / Math.sqrt(variance(m) + variance(c));
      uplift = { probability: standardNormalCdf(z) };
    }
  }
  bySegment.set(segmentId, uplift);
  return uplift;
}

/**
 * Whether to hold the message back: every arm's prediction says not to send and the observed
 * evidence does not show that sending helps, or the observed evidence shows that it hurts
 * (with at least {@link minUpliftSends} sends each side, P(message beats control) below
 * {@link upliftProbability}).
 */
function noUplift(state: CampaignState, segmentId: string, arms: readonly SegmentArm[]): boolean {
  const { probability } = upliftOf(state, segmentId, arms);
  const helps = probability !== null && probability > 1 - upliftProbability;
  const hurts = probability !== null && probability < upliftProbability;
  const predictedNo = arms.every(({ variant }) => variant.prediction?.send === false);
  return hurts || (predictedNo && !helps);
}

/**
 * Decide for one user, in this order: the campaign's status and dates; its budget; the
 * user's segment (not in the audience: no send); the control group (a stable hash of
 * campaign and user below the control share: the user is held out for the campaign's life,
 * an impression is recorded on the control arm and counted as its send); the segment's
 * active variants; the uplift rule ({@link noUplift}); the frequency cap; then the arm
 * (Thompson sampling over the posteriors, or a uniform pick for an even split), recorded as
 * an impression and counted as a send in the hour of the decision.
 *
 * The frequency cap comes last among the checks, and applies to the control group too: the
 * cap counter counts every call that reaches it, so only decisions that would otherwise
 * send are counted, and control users are held out at the same rate at which message users
 * are sent to, which keeps the control's sends comparable with the arms'.
 *
 * @throws NotFoundError for an unknown campaign; ConflictError while it is being created or
 *   after its run failed.
 */
export async function decide(input: DecisionInput, ports: DecisionPorts): Promise<Decision> {
  const { campaignId, userId } = input;
  const at = input.at ? new Date(input.at) : (ports.now ?? (() => new Date()))();
  const atIso = input.at ?? at.toISOString();
  const state = await campaignState(campaignId, ports, Date.now());
  const { campaign } = state;
  const { spec } = campaign;
  const noSend = (reason: NoSendReason, segmentId?: string): Decision =>
    segmentId === undefined
      ? { send: false, reason, campaignId }
      : { send: false, reason, campaignId, segmentId };

  if (campaign.status === 'creating')
    throw new ConflictError(`campaign ${campaignId} is still being created`);
  if (campaign.status === 'failed') {
    throw new ConflictError(
      `campaign ${campaignId} failed to be created: ${campaign.error?.cause ?? 'no cause given'}`,
    );
  }
  if (campaign.status === 'paused') return noSend('paused');
  if (campaign.status === 'ended') return noSend('ended');
  if (spec.startAt && at.getTime() < Date.parse(spec.startAt)) return noSend('not-started');
  if (spec.endAt && at.getTime() >= Date.parse(spec.endAt)) return noSend('ended');

  if (spec.budget) {
    const sent = state.counters.reduce((sum, c) => (c.variantId === CONTROL ? sum : sum + c.sends), 0);
    if (sent >= spec.budget.maxSends) return noSend('budget-spent');
  }

  // Suppression comes before the audience and the control group: a suppressed user is
  // neither sent to nor counted in any arm, the control included.
  const suppressed = ports.suppression ? await ports.suppression(userId) : undefined;
  if (suppressed !== undefined) return noSend(suppressed === 'unsubscribe' ? 'unsubscribed' : 'suppressed');

  const segmentId = await segmentOf(state, userId, ports);
  if (segmentId === undefined) return noSend('not-in-audience');

  const control = inControl(campaignId, userId, spec.controlShare);
  let chosen: Variant | undefined;
  if (!control) {
    const arms = segmentArms(state, segmentId).filter(({ variant }) => variant.kind !== 'control');
    if (arms.length === 0) return noSend('no-variants', segmentId);
    if (noUplift(state, segmentId, arms)) return noSend('no-uplift', segmentId);
    const random = ports.random ?? Math.random;
    const index =
      spec.trafficSplit === 'even'
        ? Math.min(arms.length - 1, Math.floor(random() * arms.length))
        : choose(
            arms.map((a) => a.arm),
            random,
          );
    chosen = arms[index]!.variant;
  }

  const capped = await ports.store.countTowardCap(campaignId, userId, spec.frequencyCap.periodHours, at);
  if (capped > spec.frequencyCap.count) return noSend('frequency-cap', segmentId);

  const impressionId = (ports.newId ?? randomUUID)();
  const variantId = chosen?.variantId ?? CONTROL;
  await ports.store.recordImpression(
    { impressionId, campaignId, segmentId, variantId, userId, at: atIso },
    ports.impressionTtlDays,
  );
  await ports.store.count(campaignId, segmentId, variantId, { sends: 1 }, hourOf(atIso));
  if (!chosen)
    return { send: false, reason: 'control', campaignId, segmentId, variantId: CONTROL, impressionId };
  return {
    send: true,
    reason: spec.trafficSplit === 'even' ? 'even' : 'thompson',
    impressionId,
    campaignId,
    segmentId,
    variantId,
    channel: spec.channel,
    headline: chosen.headline,
    body: chosen.body,
    callToAction: chosen.callToAction,
    ...(chosen.rendered !== undefined ? { rendered: chosen.rendered } : {}),
    ...(ports.links ? { links: ports.links({ campaignId, impressionId }) } : {}),
  };
}
