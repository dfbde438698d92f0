import { NotFoundError } from '../../core/errors';
import { hash32 } from '../../core/hash';
import type { Item, Table } from '../shared/ports';
import {
  type AllocationSnapshot,
  type Campaign,
  type CampaignState,
  type Counter,
  counterFields,
  emptyCounter,
  type Impression,
  type Variant,
} from './records';

const strip = ({ pk: _pk, sk: _sk, expiresAt: _e, eventId: _id, ...rest }: Item) => rest;
const pk = (campaignId: string) => `CAMPAIGN#${campaignId}`;
const INDEX = 'CAMPAIGNS';

/**
 * Feedback counters of one arm are spread over this many items (`COUNTERS#<shard>#<segment>#<variant>`,
 * the shard a hash of the event id), so a hot arm's writes go to as many items and no single
 * item's write limit (about 1,000 writes a second on DynamoDB; a transactional write costs two)
 * caps it. Reads query the campaign's partition, as before, and sum the shards.
 */
export const counterShards = 10;

/** The arm (`<segmentId>#<variantId>`) a counter item's sort key names, or undefined for other items. */
function counterArm(sk: string): string | undefined {
  if (sk.startsWith('COUNTER#')) return sk.slice('COUNTER#'.length);
  if (sk.startsWith('COUNTERS#')) {
    const rest = sk.slice('COUNTERS#'.length);
    return rest.slice(rest.indexOf('#') + 1);
  }
  return undefined;
}

/** The per-hour counters (`sends_<h>`…) that go with a delta of the arm's counters. */
function withHours(
  delta: Partial<Record<(typeof counterFields)[number], number>>,
  hour: number | undefined,
): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const [field, n] of Object.entries(delta)) {
    if (n === undefined || n === 0) continue;
    counters[field] = n;
    if (hour !== undefined && (field === 'sends' || field === 'clicks' || field === 'conversions')) {
      counters[`${field}_${hour}`] = n;
    }
  }
  return counters;
}

/**
 * Campaigns in the campaigns table, and impressions, feedback markers and frequency caps in the
 * feedback table. Access patterns:
 * - a campaign with its variants, counters and snapshots: query `CAMPAIGN#<id>` (one partition);
 * - the campaign list: query `CAMPAIGNS` (sort key `<createdAt>#<id>`, newest last);
 * - counters: sends by one atomic `ADD` on `COUNTER#<segmentId>#<variantId>`; feedback by an
 *   `ADD` on one of {@link counterShards} shards `COUNTERS#<shard>#<segmentId>#<variantId>`;
 *   the per-hour counters (`sends_<h>`, `clicks_<h>`, `conversions_<h>`) in the same item; an
 *   arm's figures are the sum of its items;
 * - an impression: get `IMPRESSION#<id>` (TTL); a feedback event: the conditional put of
 *   `FEEDBACK#<eventId>` (TTL) and its counter shard's `ADD` in one transaction, so the first
 *   writer counts it and a crash leaves neither; a frequency cap: atomic `ADD` on
 *   `CAP#<campaignId>#<userId>#<window>` (TTL at the window's end).
 */
export class CampaignStore {
  constructor(
    private readonly campaigns: Table,
    private readonly feedback: Table,
  ) {}

  async createCampaign(campaign: Campaign): Promise<void> {
    const created = await this.campaigns.putIfAbsent(
      { pk: pk(campaign.campaignId), sk: 'META', ...campaign },
      'pk',
    );
    if (!created) throw new Error(`campaign ${campaign.campaignId} exists`);
    await this.campaigns.put({
      pk: INDEX,
      sk: `${campaign.createdAt}#${campaign.campaignId}`,
      campaignId: campaign.campaignId,
      name: campaign.spec.name,
      createdAt: campaign.createdAt,
    });
  }

  async getCampaign(campaignId: string): Promise<Campaign> {
    const item = await this.campaigns.get({ pk: pk(campaignId), sk: 'META' });
    if (!item) throw new NotFoundError(`no campaign ${campaignId}`);
    return strip(item) as unknown as Campaign;
  }

  async updateCampaign(campaignId: string, attributes: Partial<Omit<Campaign, 'campaignId'>>): Promise<void> {
    await this.campaigns.update({ pk: pk(campaignId), sk: 'META' }, {
      ...attributes,
      updatedAt: new Date().toISOString(),
    } as Item);
  }

  /** Campaigns, newest first, with their status. */
  async listCampaigns(limit: number): Promise<Campaign[]> {
    const index = await this.campaigns.query('pk', INDEX);
    const ids = index
      .slice(-limit)
      .reverse()
      .map((item) => String(item['campaignId']));
    const metas = await this.campaigns.batchGet(ids.map((id) => ({ pk: pk(id), sk: 'META' })));
    const byId = new Map(metas.map((m) => [String(m['campaignId']), strip(m) as unknown as Campaign]));
    return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }

  /** The campaign with its variants, counters (zero where none yet) and snapshots. */
  async getState(campaignId: string): Promise<CampaignState> {
    const items = await this.campaigns.query('pk', pk(campaignId));
    const meta = items.find((item) => item['sk'] === 'META');
    if (!meta) throw new NotFoundError(`no campaign ${campaignId}`);
    const of = (prefix: string) => items.filter((item) => String(item['sk']).startsWith(prefix)).map(strip);
    const variants = of('VARIANT#') as unknown as Variant[];
    // Counter items hold only the numbers; their sort key names the arm (and shard): summed.
    const stored = new Map<string, Record<string, number>>();
    for (const item of items) {
      const arm = counterArm(String(item['sk']));
      if (arm === undefined) continue;
      const sum = stored.get(arm) ?? {};
      for (const f of counterFields) {
        if (item[f] !== undefined) sum[f] = (sum[f] ?? 0) + Number(item[f]);
      }
      stored.set(arm, sum);
    }
    const counters = variants.map((v) => ({
      ...emptyCounter(v.segmentId, v.variantId),
      ...(stored.get(`${v.segmentId}#${v.variantId}`) as Partial<Counter> | undefined),
    }));
    const snapshots = of('ALLOCATION#') as unknown as AllocationSnapshot[];
    return { campaign: strip(meta) as unknown as Campaign, variants, counters, snapshots };
  }

  async putVariants(variants: readonly Variant[]): Promise<void> {
    await this.campaigns.batchPut(
      variants.map((v) => ({ pk: pk(v.campaignId), sk: `VARIANT#${v.segmentId}#${v.variantId}`, ...v })),
    );
  }

  async updateVariant(
    campaignId: string,
    segmentId: string,
    variantId: string,
    attributes: Partial<Variant>,
  ): Promise<void> {
    await this.campaigns.update(
      { pk: pk(campaignId), sk: `VARIANT#${segmentId}#${variantId}` },
      attributes as Item,
    );
  }

  /**
   * Add to an arm's counters atomically, in one write; with `hour`, the same write adds to the
   * arm's per-hour counters (`sends_<h>`, `clicks_<h>`, `conversions_<h>`).
   */
  async count(
    campaignId: string,
    segmentId: string,
    variantId: string,
    delta: Partial<Record<(typeof counterFields)[number], number>>,
    hour?: number,
  ): Promise<void> {
    const counters = withHours(delta, hour);
    if (Object.keys(counters).length === 0) return;
    await this.campaigns.increment({ pk: pk(campaignId), sk: `COUNTER#${segmentId}#${variantId}` }, counters);
  }

  /**
   * Count one feedback event exactly once: its raw record (`FEEDBACK#<eventId>`, kept
   * `ttlDays`) is put only if absent, and `delta` (with `hour`, the per-hour counters too) is
   * added to the arm's counter shard chosen by the event id, in one transaction. False when the
   * event id was counted before: nothing is written. A crash leaves both writes or neither.
   */
  async countEvent(
    eventId: string,
    event: Item,
    ttlDays: number,
    now: Date,
    arm: { readonly campaignId: string; readonly segmentId: string; readonly variantId: string },
    delta: Partial<Record<(typeof counterFields)[number], number>>,
    hour?: number,
  ): Promise<boolean> {
    const marker = {
      ...event,
      eventId: `FEEDBACK#${eventId}`,
      receivedAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + ttlDays * 86_400,
    };
    const counters = withHours(delta, hour);
    const shard = hash32(eventId) % counterShards;
    const sk = `COUNTERS#${shard}#${arm.segmentId}#${arm.variantId}`;
    return this.feedback.transact([
      { table: this.feedback, putIfAbsent: marker, keyName: 'eventId' },
      // An event that adds nothing (a zero-value conversion's value) still has its count.
      ...(Object.keys(counters).length > 0
        ? [{ table: this.campaigns, increment: { pk: pk(arm.campaignId), sk }, counters }]
        : []),
    ]);
  }

  /** Per segment, per hour of day: sends, clicks and conversions (`sends_<h>`…), summed over its arms. */
  async hourCounts(campaignId: string): Promise<Record<string, Record<string, number>>> {
    const items = await this.campaigns.query('pk', pk(campaignId));
    const bySegment: Record<string, Record<string, number>> = {};
    for (const item of items) {
      const arm = counterArm(String(item['sk']));
      if (arm === undefined) continue;
      const segmentId = arm.split('#')[0] ?? '';
      bySegment[segmentId] ??= {};
      const hours = bySegment[segmentId];
      for (const [name, value] of Object.entries(item)) {
        if (/^(sends|clicks|conversions)_\d+$/.test(name)) hours[name] = (hours[name] ?? 0) + Number(value);
      }
    }
    return bySegment;
  }

  async putSnapshot(campaignId: string, snapshot: AllocationSnapshot): Promise<void> {
    await this.campaigns.put({ pk: pk(campaignId), sk: `ALLOCATION#${snapshot.at}`, ...snapshot });
  }

  async recordImpression(impression: Impression, ttlDays: number): Promise<void> {
    await this.feedback.put({
      eventId: `IMPRESSION#${impression.impressionId}`,
      ...impression,
      expiresAt: Math.floor(Date.parse(impression.at) / 1000) + ttlDays * 86_400,
    });
  }

  async getImpression(impressionId: string): Promise<Impression | undefined> {
    const item = await this.feedback.get({ eventId: `IMPRESSION#${impressionId}` });
    return item ? (strip(item) as unknown as Impression) : undefined;
  }

  /** Count one message to a user in the cap's window; returns the count after this one. */
  async countTowardCap(campaignId: string, userId: string, periodHours: number, at: Date): Promise<number> {
    const periodMs = periodHours * 3_600_000;
    const window = Math.floor(at.getTime() / periodMs);
    const key = { eventId: `CAP#${campaignId}#${userId}#${window}` };
    const item = await this.feedback.increment(key, { count: 1 });
    if (item['expiresAt'] === undefined) {
      await this.feedback.update(key, { expiresAt: Math.ceil(((window + 1) * periodMs) / 1000) });
    }
    return Number(item['count']);
  }
}
