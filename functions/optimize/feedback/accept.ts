/**
 * `POST /feedback`: impressions, clicks, conversions (with value) and unsubscribes, each
 * counted exactly once on its arm's counters however often it is sent.
 */

import { NotFoundError } from '../../../core/errors';
import type { Rejection } from '../../profile/schema';
import type { Item } from '../../shared/ports';
import { ALL_SEGMENT } from '../../shared/schemas';
import { describeIssue } from '../../shared/validation';
import { hourOf } from '../assignment';
import { type CampaignState, counterOf } from '../records';
import { type FeedbackEvent, feedbackEventSchema } from '../schema';
import type { CampaignStore } from '../store';

export interface FeedbackPorts {
  readonly store: CampaignStore;
  readonly now?: () => Date;
  /** How long raw events (and so their dedup markers) are kept. */
  readonly ttlDays: number;
}

/** What became of a batch; every event is in exactly one of the four. */
export interface FeedbackResult {
  /** Events counted now. */
  readonly accepted: number;
  /** Events whose id was counted before (or earlier in this batch): not counted again. */
  readonly duplicates: number;
  /** Events that are not valid feedback (index in the batch, reason). */
  readonly rejected: Rejection[];
  /** Valid events naming an impression, campaign or variant that does not exist. */
  readonly unknown: Rejection[];
}

/** An event with the arm it counts on. */
interface Resolved {
  readonly index: number;
  readonly event: FeedbackEvent;
  readonly campaignId: string;
  readonly segmentId: string;
  readonly variantId: string;
  /** The send hour: of the impression when there is one, else of the event. */
  readonly hour: number;
}

/** Events resolved and counted this many at a time. */
const concurrency = 16;

type Resolution = { arm: Omit<Resolved, 'index' | 'event'> } | { unknown: string } | { rejected: string };

/** The arm of a campaignId + variantId event (segment: given; the variant's only one; else `all`). */
function armOf(state: CampaignState, event: FeedbackEvent): { segmentId: string } | { unknown: string } {
  const { campaignId, variantId } = event as Required<Pick<FeedbackEvent, 'campaignId' | 'variantId'>>;
  const segments = state.variants.filter((v) => v.variantId === variantId).map((v) => v.segmentId);
  if (segments.length === 0) return { unknown: `no variant ${variantId} in campaign ${campaignId}` };
  const segmentId = event.segmentId ?? (segments.length === 1 ? segments[0]! : ALL_SEGMENT);
  if (!segments.includes(segmentId)) {
    return {
      unknown:
        event.segmentId === undefined
          ? `variant ${variantId} of campaign ${campaignId} is in segments ${segments.join(', ')}: give the segmentId`
          : `no variant ${variantId} in segment ${segmentId} of campaign ${campaignId}`,
    };
  }
  return { segmentId };
}

/**
 * Count a batch of feedback events. Each is validated ({@link feedbackEventSchema}), then
 * resolved to its arm: through its impression (which names campaign, segment and variant),
 * or its campaignId and variantId (and segmentId; default: the variant's only segment, else
 * `all`). The campaign's state is read once per campaign per call, an impression once per id.
 *
 * Exactly once is "marker, then atomic ADD": the first writer of the event's id marker
 * (a conditional put) counts it with one atomic increment, every later writer sees a
 * duplicate, so concurrent retries count an event once. The two writes are not one
 * transaction, because dynalite, the local DynamoDB, implements no TransactWriteItems (its
 * actions are get/put/update/delete/query/scan/batch and table operations only), and the
 * same code runs locally and on AWS. So a process that dies, or an increment that fails,
 * between the marker and the ADD loses that one count: its retry is answered as a
 * duplicate. Counting first and marking second would double-count instead, and an
 * undercount of one event per crash is the smaller error for posteriors and verdicts.
 *
 * Events valid but naming an unknown impression, campaign or variant are in `unknown`
 * (nothing of them is stored), after the others are counted: a retry of the whole batch is
 * safe because the counted ones come back as duplicates.
 */
export async function acceptFeedback(
  events: readonly unknown[],
  ports: FeedbackPorts,
): Promise<FeedbackResult> {
  const now = (ports.now ?? (() => new Date()))();
  const rejected: Rejection[] = [];
  const unknown: Rejection[] = [];
  let accepted = 0;
  let duplicates = 0;

  const valid: Array<{ index: number; event: FeedbackEvent }> = [];
  const seen = new Set<string>();
  events.forEach((raw, index) => {
    const parsed = feedbackEventSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      rejected.push({ index, reason: issue ? describeIssue(issue) : 'invalid feedback event' });
    } else if (seen.has(parsed.data.eventId)) {
      duplicates++;
    } else {
      seen.add(parsed.data.eventId);
      valid.push({ index, event: parsed.data });
    }
  });

  const states = new Map<string, Promise<CampaignState | undefined>>();
  const stateOf = (campaignId: string) => {
    let state = states.get(campaignId);
    if (!state) {
      state = ports.store.getState(campaignId).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      states.set(campaignId, state);
    }
    return state;
  };
  const impressions = new Map<string, ReturnType<CampaignStore['getImpression']>>();
  const impressionOf = (id: string) => {
    let impression = impressions.get(id);
    if (!impression) {
      impression = ports.store.getImpression(id);
      impressions.set(id, impression);
    }
    return impression;
  };

  const resolve = async (event: FeedbackEvent): Promise<Resolution> => {
    const eventHour = hourOf(event.timestamp ?? now.getTime());
    if (event.impressionId !== undefined) {
      const impression = await impressionOf(event.impressionId);
      if (!impression) return { unknown: `no impression ${event.impressionId}` };
      for (const field of ['campaignId', 'segmentId', 'variantId'] as const) {
        if (event[field] !== undefined && event[field] !== impression[field]) {
          return {
            rejected: `${field}: ${event[field]} is not the ${field} ${impression[field]} of impression ${impression.impressionId}`,
          };
        }
      }
      const { campaignId, segmentId, variantId } = impression;
      return { arm: { campaignId, segmentId, variantId, hour: hourOf(impression.at) } };
    }
    const campaignId = event.campaignId!;
    const state = await stateOf(campaignId);
    if (!state) return { unknown: `no campaign ${campaignId}` };
    const arm = armOf(state, event);
    if ('unknown' in arm) return arm;
    return { arm: { campaignId, segmentId: arm.segmentId, variantId: event.variantId!, hour: eventHour } };
  };

  const count = async ({ index, event }: { index: number; event: FeedbackEvent }): Promise<void> => {
    const resolution = await resolve(event);
    if ('unknown' in resolution) {
      unknown.push({ index, reason: resolution.unknown });
      return;
    }
    if ('rejected' in resolution) {
      rejected.push({ index, reason: resolution.rejected });
      return;
    }
    const { campaignId, segmentId, variantId, hour } = resolution.arm;
    const raw: Item = { ...event, campaignId, segmentId, variantId };
    if (!(await ports.store.markEvent(event.eventId, raw, ports.ttlDays, now))) {
      duplicates++;
      return;
    }
    const delta = {
      [counterOf[event.type]]: 1,
      ...(event.type === 'conversion' ? { value: event.value ?? 0 } : {}),
    };
    await ports.store.count(campaignId, segmentId, variantId, delta, hour);
    accepted++;
  };

  for (let i = 0; i < valid.length; i += concurrency) {
    await Promise.all(valid.slice(i, i + concurrency).map(count));
  }
  const byIndex = (a: Rejection, b: Rejection) => (a.index ?? 0) - (b.index ?? 0);
  return { accepted, duplicates, rejected: rejected.sort(byIndex), unknown: unknown.sort(byIndex) };
}
