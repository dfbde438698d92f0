/**
 * Feedback under load: the local system (in memory, free ports) holds N concurrent writers
 * posting `POST /feedback` for S seconds, and at the end every counter of the campaign, read
 * back through `GET /campaigns/{id}`, must equal the counts of the unique events sent: no
 * event lost, none counted twice. On purpose, about 10% of the events are resends of event
 * ids sent before (some still in flight: concurrent duplicates), some batches are posted
 * twice at the same time, and a request that fails is retried as it was until it succeeds
 * (retries are safe because event ids dedupe).
 *
 * Writers post batches of 1–20 events of every type (impression, click, conversion with a
 * value, unsubscribe), 70% through an impression id and 30% through campaign, segment and
 * variant ids. Values are multiples of 0.25, exact in binary floating point, so the value
 * sums compare exactly too.
 *
 * The campaign is made through `POST /campaigns` and its impressions through
 * `GET /campaigns/{id}/decision`; with `--seed-direct` one campaign (3 segments × 3 variants
 * + control) and its impressions are written straight into the local DynamoDB instead (for
 * when those routes are not there). `--in-process` calls the feedback core (acceptFeedback)
 * directly on the local DynamoDB instead of going through HTTP: the same exactness check
 * without the API (latencies are then the core's).
 *
 *   npx tsx bench/optimize-load.ts [--writers 200] [--seconds 60] [--seed-direct] [--in-process]
 */
import { parseArgs } from 'node:util';
import { ApiClient, ApiError } from '../cli/client';
import { sleep, table } from '../cli/output';
import { hash32 } from '../core/hash';
import { mulberry32 } from '../core/random';
import { acceptFeedback, type FeedbackResult } from '../functions/optimize/feedback/accept';
import {
  type Campaign,
  type CampaignState,
  CONTROL,
  type Counter,
  type Variant,
} from '../functions/optimize/records';
import type { FeedbackType } from '../functions/optimize/schema';
import { CampaignStore } from '../functions/optimize/store';
import { DynamoTable } from '../functions/shared/adapters/dynamo-table';
import { clients } from '../functions/shared/clients';
import { config, requireSetting } from '../functions/shared/config';
import type { BodyOf } from '../functions/shared/contract';
import { startLocal } from '../local/runtime';
import { progress } from './lib/timing';

const { values } = parseArgs({
  options: {
    writers: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '60' },
    'seed-direct': { type: 'boolean', default: false },
    'in-process': { type: 'boolean', default: false },
    'resend-share': { type: 'string', default: '0.1' },
    'double-post-share': { type: 'string', default: '0.02' },
    impressions: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
  },
});
const writers = Number(values.writers);
const seconds = Number(values.seconds);
const resendShare = Number(values['resend-share']);
const doublePostShare = Number(values['double-post-share']);
const impressionCount = Number(values.impressions);
const seed = Number(values.seed);
const log = progress();

const types: readonly FeedbackType[] = ['impression', 'click', 'conversion', 'unsubscribe'];
const fieldOf = {
  impression: 'impressions',
  click: 'clicks',
  conversion: 'conversions',
  unsubscribe: 'unsubscribes',
} as const;
const measured = ['impressions', 'clicks', 'conversions', 'value', 'unsubscribes'] as const;
type Measured = (typeof measured)[number];
const maxAttempts = 8;

interface Arm {
  readonly segmentId: string;
  readonly variantId: string;
}
interface Sent {
  readonly body: Record<string, unknown>;
  readonly arm: Arm;
}

const armKey = (arm: Arm) => `${arm.segmentId}#${arm.variantId}`;

function localStore(): CampaignStore {
  const { dynamo } = clients(config());
  return new CampaignStore(
    new DynamoTable(dynamo, requireSetting(config(), 'CAMPAIGNS_TABLE')),
    new DynamoTable(dynamo, requireSetting(config(), 'FEEDBACK_TABLE')),
  );
}

/** One campaign with three segments of three variants and a control each, and its impressions. */
async function seedDirect(
  store: CampaignStore,
): Promise<{ campaignId: string; impressions: Array<Arm & { id: string }> }> {
  const campaignId = `load-${Date.now()}`;
  const now = new Date().toISOString();
  const segments = ['s1', 's2', 'all'];
  const campaign = {
    campaignId,
    spec: {
      name: 'load',
      goal: 'promotion',
      channel: 'push',
      language: 'en',
      tone: 'friendly',
      category: 'bench',
      audience: { kind: 'everyone' },
      variantsPerSegment: 3,
      controlShare: 0.1,
      objective: 'conversion',
      trafficSplit: 'bandit',
      frequencyCap: { count: 3, periodHours: 168 },
      mustInclude: [],
      mustAvoid: [],
      bannedWords: [],
      allowFallback: false,
    },
    status: 'active',
    createdAt: now,
    updatedAt: now,
    segments: segments.map((segmentId) => ({ segmentId })),
  } as Campaign;
  await store.createCampaign(campaign);
  const variants: Variant[] = segments.flatMap((segmentId) =>
    [CONTROL, 'v1', 'v2', 'v3'].map((variantId) => ({
      campaignId,
      segmentId,
      variantId,
      kind: variantId === CONTROL ? ('control' as const) : ('generated' as const),
      status: 'active' as const,
      headline: variantId === CONTROL ? '' : `Headline ${variantId}`,
      body: variantId === CONTROL ? '' : `Body ${variantId} for ${segmentId}`,
      callToAction: variantId === CONTROL ? '' : 'Shop now',
      tone: 'friendly',
      factsUsed: [],
      products: [],
      prior: { alpha: 1, beta: 19 },
      createdAt: now,
    })),
  );
  await store.putVariants(variants);
  const impressions: Array<Arm & { id: string }> = [];
  for (let i = 0; i < impressionCount; i++) {
    const v = variants[i % variants.length]!;
    const id = `imp-${campaignId}-${i}`;
    const at = new Date(Date.now() - (i % 24) * 3_600_000).toISOString();
    await store.recordImpression(
      { impressionId: id, campaignId, segmentId: v.segmentId, variantId: v.variantId, userId: `u${i}`, at },
      7,
    );
    impressions.push({ id, segmentId: v.segmentId, variantId: v.variantId });
  }
  return { campaignId, impressions };
}

/** A campaign made through the API, and impressions from its decisions. */
async function throughApi(
  client: ApiClient,
): Promise<{ campaignId: string; impressions: Array<Arm & { id: string }> }> {
  const created = await client.createCampaign({
    name: 'load',
    goal: 'promotion',
    channel: 'push',
    language: 'en',
    category: 'bench',
    controlShare: 0.1,
    frequencyCap: { count: 100, periodHours: 24 },
  });
  const { campaignId } = created;
  const started = Date.now();
  for (;;) {
    const state = await client.campaign(campaignId);
    if (state.campaign.status === 'active') break;
    if (state.campaign.status === 'failed')
      throw new Error(`campaign run failed: ${JSON.stringify(state.campaign.error)}`);
    if (Date.now() - started > 180_000)
      throw new Error(`campaign still ${state.campaign.status} after 180 s`);
    await sleep(500);
  }
  const impressions: Array<Arm & { id: string }> = [];
  for (let i = 0; i < impressionCount; i++) {
    const decision: { impressionId?: string; segmentId?: string; variantId?: string } = await client.decision(
      campaignId,
      { userId: `load-user-${i}` },
    );
    if (decision.impressionId && decision.segmentId && decision.variantId) {
      impressions.push({
        id: decision.impressionId,
        segmentId: decision.segmentId,
        variantId: decision.variantId,
      });
    }
  }
  if (impressions.length === 0) throw new Error('no decision answered an impression id');
  return { campaignId, impressions };
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main() {
  // Failed attempts are tallied in the figures; the service log would bury the tables.
  process.env['LOG_LEVEL'] ??= 'SILENT';
  log(`starting the local system in memory (writers ${writers}, ${seconds} s)`);
  const system = await startLocal({
    inMemory: true,
    schedules: false,
    ports: { api: 0, dynamodb: 0, s3: 0, stepfunctions: 0, model: 0 },
  });
  try {
    const client = new ApiClient({ url: system.apiUrl });
    const store = localStore();
    const setup = values['seed-direct']
      ? await seedDirect(store)
      : await throughApi(client).catch((error: Error) => {
          throw new Error(`making the campaign through the API failed (${error.message}); try --seed-direct`);
        });
    const { campaignId, impressions } = setup;
    const before = await client.campaign(campaignId);
    const arms: Arm[] = before.variants.filter((v) => v.status === 'active');
    log(
      `campaign ${campaignId} (${values['seed-direct'] ? 'seeded directly' : 'through the API'}): ${arms.length} arms, ${impressions.length} impressions`,
    );

    // What the counters must gain: one count per unique event id.
    const expected = new Map<string, Record<Measured, number>>();
    const pool: Sent[] = [];
    let uniqueEvents = 0;
    const fresh = (random: () => number, n: number): Sent => {
      const type = types[Math.floor(random() * types.length)]!;
      const value = type === 'conversion' ? Math.floor(random() * 800) / 4 : undefined;
      let arm: Arm;
      let body: Record<string, unknown>;
      const eventId = `load-${n}-${hash32(seed, n).toString(36)}`;
      if (random() < 0.7) {
        const impression = impressions[Math.floor(random() * impressions.length)]!;
        arm = impression;
        body = { eventId, type, impressionId: impression.id };
      } else {
        arm = arms[Math.floor(random() * arms.length)]!;
        body = {
          eventId,
          type,
          campaignId,
          segmentId: arm.segmentId,
          variantId: arm.variantId,
          timestamp: Date.now(),
        };
      }
      if (value !== undefined) body['value'] = value;
      const counts = expected.get(armKey(arm)) ?? {
        impressions: 0,
        clicks: 0,
        conversions: 0,
        value: 0,
        unsubscribes: 0,
      };
      counts[fieldOf[type]] += 1;
      if (value !== undefined) counts.value += value;
      expected.set(armKey(arm), counts);
      uniqueEvents++;
      return { body, arm };
    };

    const latencies: number[] = [];
    let requests = 0;
    let eventsPosted = 0;
    let resends = 0;
    let doublePosts = 0;
    let retries = 0;
    let accepted = 0;
    let duplicates = 0;
    let rejected = 0;
    let unknown = 0;
    let unconfirmed = 0;
    const failures = new Map<string, number>();

    const postOnce = async (events: Array<Record<string, unknown>>): Promise<FeedbackResult> => {
      if (values['in-process']) return acceptFeedback(events, { store, ttlDays: 7 });
      return client.feedback({ events } as BodyOf<'POST /feedback'>);
    };
    const post = async (events: Array<Record<string, unknown>>) => {
      for (let attempt = 1; ; attempt++) {
        const started = performance.now();
        try {
          const result = await postOnce(events);
          latencies.push(performance.now() - started);
          requests++;
          eventsPosted += events.length;
          accepted += result.accepted;
          duplicates += result.duplicates;
          rejected += result.rejected.length;
          unknown += result.unknown.length;
          return;
        } catch (error) {
          latencies.push(performance.now() - started);
          requests++;
          const what =
            error instanceof ApiError ? `${error.status} ${error.message}` : (error as Error).message;
          failures.set(what.slice(0, 120), (failures.get(what.slice(0, 120)) ?? 0) + 1);
          // A 4xx will not get better by retrying; anything else is retried as it was.
          if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
            unconfirmed += events.length;
            return;
          }
          if (attempt >= maxAttempts) {
            unconfirmed += events.length;
            return;
          }
          retries++;
          await sleep(20 * attempt);
        }
      }
    };

    let next = 0;
    const deadline = Date.now() + seconds * 1000;
    const started = performance.now();
    const writer = async (w: number) => {
      const random = mulberry32(hash32(seed, 'writer', w));
      while (Date.now() < deadline) {
        const size = 1 + Math.floor(random() * 20);
        const batch: Array<Record<string, unknown>> = [];
        for (let i = 0; i < size; i++) {
          if (pool.length > 0 && random() < resendShare) {
            batch.push(pool[Math.floor(random() * pool.length)]!.body);
            resends++;
          } else {
            const sent = fresh(random, next++);
            batch.push(sent.body);
            if (pool.length < 50_000) pool.push(sent);
            else pool[Math.floor(random() * pool.length)] = sent;
          }
        }
        if (random() < doublePostShare) {
          doublePosts++;
          await Promise.all([post(batch), post(batch)]);
        } else {
          await post(batch);
        }
      }
    };
    const ticker = setInterval(
      () =>
        log(`${requests} requests, ${eventsPosted} events posted, ${accepted} counted, ${retries} retries`),
      5000,
    );
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    clearInterval(ticker);
    const elapsed = (performance.now() - started) / 1000;

    const after = await client.campaign(campaignId);
    const counterOf = (state: CampaignState, arm: Arm): Counter | undefined =>
      state.counters.find((c) => c.segmentId === arm.segmentId && c.variantId === arm.variantId);
    const rows: string[][] = [];
    let exact = unconfirmed === 0 && rejected === 0 && unknown === 0;
    for (const arm of arms) {
      const gained = expected.get(armKey(arm));
      const b = counterOf(before, arm);
      const a = counterOf(after, arm);
      const cells = measured.map((field) => {
        const want = (b?.[field] ?? 0) + (gained?.[field] ?? 0);
        const got = a?.[field] ?? 0;
        if (want !== got) exact = false;
        return want === got ? String(got) : `${got} ≠ ${want}`;
      });
      rows.push([arm.segmentId, arm.variantId, ...cells]);
    }
    const sorted = [...latencies].sort((x, y) => x - y);

    console.log(
      `\n## POST /feedback under load (${values['in-process'] ? 'feedback core in process' : 'HTTP API'})`,
    );
    console.log(
      table(
        ['figure', 'value'],
        [
          ['writers', writers],
          ['seconds', elapsed.toFixed(1)],
          ['requests (incl. retries)', requests],
          ['requests/s', (requests / elapsed).toFixed(0)],
          ['events posted (incl. resends)', eventsPosted],
          ['events/s posted', (eventsPosted / elapsed).toFixed(0)],
          ['unique events', uniqueEvents],
          ['unique events/s', (uniqueEvents / elapsed).toFixed(0)],
          ['resent event ids', resends],
          ['batches posted twice at once', doublePosts],
          ['retried requests', retries],
          ['answered accepted / duplicates', `${accepted} / ${duplicates}`],
          ['rejected / unknown / unconfirmed', `${rejected} / ${unknown} / ${unconfirmed}`],
          ['request latency p50 (ms)', quantile(sorted, 0.5).toFixed(1)],
          ['request latency p99 (ms)', quantile(sorted, 0.99).toFixed(1)],
          ['request latency max (ms)', (sorted.at(-1) ?? Number.NaN).toFixed(1)],
        ],
      ),
    );
    if (failures.size > 0) {
      console.log('\nfailed attempts:');
      console.log(table(['error', 'count'], [...failures.entries()]));
    }
    console.log(
      `\n## Counters after the run (GET /campaigns/${campaignId}); "got ≠ want" marks a difference`,
    );
    console.log(table(['segment', 'variant', ...measured], rows));
    const counted =
      accepted === uniqueEvents
        ? 'every unique event answered accepted once'
        : `answered accepted ${accepted} of ${uniqueEvents} unique events (a retried request counted the rest)`;
    console.log(`\n${exact ? 'PASS' : 'FAIL'}: counters ${exact ? 'exact' : 'not exact'}; ${counted}`);
    process.exitCode = exact ? 0 : 1;
  } finally {
    await system.close();
  }
}

await main();
