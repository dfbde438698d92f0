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
 * Exactly once is one transaction per event ({@link CampaignStore.countEvent}): the
 * conditional put of the event id's marker and the ADD on one shard of its arm's counters
 * commit together or not at all. The first writer counts the event, every later one (a
 * retry, a concurrent duplicate) is answered as a duplicate, and a process that dies midway
 * leaves neither write, so its retry counts the event then. Locally, dynalite has no
 * TransactWriteItems: the local runtime puts a layer in front of it that has
 * (`local/transactions.ts`); DynamoDB Local and AWS run it natively.
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
    const delta = {
      [counterOf[event.type]]: 1,
      ...(event.type === 'conversion' ? { value: event.value ?? 0 } : {}),
    };
    const arm = { campaignId, segmentId, variantId };
    if (!(await ports.store.countEvent(event.eventId, raw, ports.ttlDays, now, arm, delta, hour))) {
      duplicates++;
      return;
    }
    accepted++;
  };

  for (let i = 0; i < valid.length; i += concurrency) {
    await Promise.all(valid.slice(i, i + concurrency).map(count));
  }
  const byIndex = (a: Rejection, b: Rejection) => (a.index ?? 0) - (b.index ?? 0);
  return { accepted, duplicates, rejected: rejected.sort(byIndex), unknown: unknown.sort(byIndex) };
}
