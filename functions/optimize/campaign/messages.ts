/** The messages state of a batch campaign: one chunk of users decided and written as JSON Lines. */

import { hash32 } from '../../../core/hash';
import { mulberry32 } from '../../../core/random';
import { ALL_SEGMENT } from '../../shared/schemas';
import { inControl } from '../assignment';
import { type Arm, choose } from '../kernels/thompson';
import { CONTROL } from '../records';
import {
  armsBySegment,
  type CampaignRunPorts,
  inGroups,
  type MessageChunk,
  type MessagesResult,
  messagesKeyOf,
} from './ports';

/**
 * Decide and write the message of every user in one chunk of a batch campaign, as JSON Lines
 * at `campaigns/<id>/messages/<chunk>.jsonl`: `{ userId, segmentId, variantId, send, channel,
 * rendered }`. A user's segment is their profile's when it has variants, else `all`, else the
 * first targeted segment that has. The control is held out by the decision endpoint's stable
 * hash; everyone else gets one Thompson draw over the segment's arms (priors only: no feedback
 * exists before the send), from a source seeded by the campaign and chunk, so a retried chunk
 * writes the same file. Sends are counted per arm (for the control: users held out), one
 * counter update per arm.
 */
export async function writeMessages(
  campaignId: string,
  chunk: MessageChunk,
  ports: CampaignRunPorts,
): Promise<MessagesResult> {
  const { campaign, variants } = await ports.store.getState(campaignId);
  const { spec } = campaign;
  const arms = armsBySegment(variants);
  const withControl = new Set(
    variants.filter((v) => v.kind === 'control' && v.status === 'active').map((v) => v.segmentId),
  );
  const order = [...(campaign.segments ?? []).map((s) => s.segmentId), ...arms.keys()];
  const fallback = arms.has(ALL_SEGMENT) ? ALL_SEGMENT : order.find((id) => arms.has(id));
  const random = mulberry32(hash32(campaignId, 'messages', chunk.chunk));

  const profiled = await inGroups(chunk.userIds, 25, async (userId) => ports.profiles.getProfile(userId));
  const counts = new Map<string, { segmentId: string; variantId: string; n: number }>();
  const tally = (segmentId: string, variantId: string) => {
    const key = `${segmentId}#${variantId}`;
    const entry = counts.get(key) ?? { segmentId, variantId, n: 0 };
    entry.n++;
    counts.set(key, entry);
  };
  let sends = 0;
  let control = 0;
  let unassigned = 0;
  const lines = chunk.userIds.map((userId, i) => {
    const own = profiled[i]?.segmentId;
    const segmentId = own !== undefined && arms.has(own) ? own : fallback;
    const segmentArms = segmentId === undefined ? undefined : arms.get(segmentId);
    if (segmentId === undefined || !segmentArms) {
      unassigned++;
      return { userId, segmentId: null, variantId: null, send: false, channel: spec.channel };
    }
    if (withControl.has(segmentId) && inControl(campaignId, userId, spec.controlShare)) {
      control++;
      tally(segmentId, CONTROL);
      return { userId, segmentId, variantId: CONTROL, send: false, channel: spec.channel };
    }
    const priors: Arm[] = segmentArms.map((v) => ({
      id: v.variantId,
      alpha: v.prior.alpha,
      beta: v.prior.beta,
    }));
    const chosen = segmentArms[choose(priors, random)]!;
    sends++;
    tally(segmentId, chosen.variantId);
    return {
      userId,
      segmentId,
      variantId: chosen.variantId,
      send: true,
      channel: spec.channel,
      ...(chosen.rendered ? { rendered: chosen.rendered } : {}),
    };
  });

  const key = messagesKeyOf(campaignId, chunk.chunk);
  await ports.objects.put(
    key,
    lines.map((line) => JSON.stringify(line)).join('\n') + (lines.length > 0 ? '\n' : ''),
    'application/x-ndjson',
  );
  for (const { segmentId, variantId, n } of counts.values()) {
    await ports.store.count(campaignId, segmentId, variantId, { sends: n });
  }
  return { chunk: chunk.chunk, users: chunk.userIds.length, sends, control, unassigned, key };
}
