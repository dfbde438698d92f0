import { createInterface } from 'node:readline';
import { TailorError } from '../../core/errors';
import { fnv1a } from '../../core/hash';
import { mulberry32 } from '../../core/random';
import type { Workflow } from '../shared/adapters/workflow';
import { operationsKeys } from '../shared/keys';
import type { ObjectStore, Table } from '../shared/ports';
import {
  type Clock,
  clockOf,
  newRunId,
  type RunKind,
  RunLedger,
  type StepError,
  stepFailure,
} from '../shared/runs';
import {
  addCounts,
  aggregateShard,
  type CategoryPriceStats,
  type CleaningCounts,
  categoryAffinity,
  defaultCleaning,
  defaultSnapshot,
  emptyCleaning,
  fitRfmBoundaries,
  type GlobalReference,
  isGuest,
  mergeCategoryPrices,
  rfmOf,
  type UserAggregate,
  userFeatures,
} from './features';
import { associationRules, frequentItemsets, rulesFor } from './kernels/fpgrowth';
import { shardPrefix } from './raw-store';
import {
  countSegmentBuyers,
  fitRecommendationModel,
  maxRecommendations,
  type PurchaseHistory,
  purchaseHistories,
  type RecommendationModel,
  recommendShard,
  type SegmentProductCounts,
  segmentPicks,
} from './recommendations';
import { renderRunReport } from './report';
import type { RunFigures, RunModel, RunRecord, RunTrigger } from './run-record';
import type { BehaviourEvent } from './schema';
import {
  addUserToStats,
  assignSegment,
  browsersSegment,
  describeSegments,
  emptySegmentStats,
  fitSegmentation,
  mergeSegmentStats,
  type PreviousSegment,
  type SegmentStats,
} from './segments';
import type { ProfileStore, StoredRule } from './store';

// The record types live in `run-record.ts` (the report reads them too); callers have always found them here.
export type { RunFigures, RunModel, RunPhase, RunRecord, RunStatus, RunTrigger } from './run-record';

/** A shard's data could not be read: the state machine retries, then fails the run. */
export class ShardReadError extends TailorError {
  override readonly code = 'ShardReadError';
}

/** Tuning of a run; the defaults suit data sets from thousands to millions of users. */
export interface RunOptions {
  /** Users sampled (from all shards) to fit the segmentation. */
  readonly sampleSize: number;
  /** Order baskets sampled to mine rules. */
  readonly maxBaskets: number;
  readonly minSupport: number;
  readonly minConfidence: number;
  readonly minLift: number;
  readonly kMax: number;
  readonly seed: number;
  /** Rules kept for lookups and cross-sell. */
  readonly maxRules: number;
  /** Users' purchase histories sampled (from all shards) to fit the recommender's item side. */
  readonly recommenderUsers: number;
}

export const defaultRunOptions: RunOptions = {
  sampleSize: 20_000,
  maxBaskets: 500_000,
  minSupport: 0.01,
  minConfidence: 0.3,
  minLift: 1.2,
  kMax: 8,
  seed: 42,
  maxRules: 5_000,
  recommenderUsers: 50_000,
};

/** Profiling runs in the operations table (keys and access patterns: `shared/keys.ts`). */
export const runKind: RunKind = {
  noun: 'profiling run',
  idField: 'runId',
  key: operationsKeys.profilingRun,
  index: operationsKeys.profilingRunsIndex,
  // One run at a time: two runs would write the same profiles and move `CURRENT` twice.
  lock: { key: operationsKeys.profilingRunLock, seconds: 2 * 3600 },
};
export const runKey = operationsKeys.profilingRun;

export interface RunPorts {
  readonly objects: ObjectStore;
  readonly operations: Table;
  readonly profiles: ProfileStore;
  readonly catalog: Table;
  readonly rawPrefix: string;
  readonly now?: Clock;
  readonly options?: Partial<RunOptions>;
}

const ledgerOf = (ports: { operations: Table; now?: Clock }) =>
  new RunLedger<RunRecord>(ports.operations, runKind, ports.now);
const optionsOf = (ports: RunPorts): RunOptions => ({ ...defaultRunOptions, ...ports.options });
const runFile = (runId: string, ...parts: string[]) => [`runs/${runId}`, ...parts].join('/');

/** Step Functions execution names allow letters, digits, '-' and '_'; the run id is one. */
export const newProfilingRunId = (now: Date): string => newRunId('run', now);

/**
 * Record a run and start its state machine execution. One run at a time: a run already under
 * way (its lock younger than two hours) makes this a ConflictError.
 */
export async function startProfilingRun(
  trigger: RunTrigger,
  ports: { operations: Table; workflow: Workflow; now?: Clock },
): Promise<RunRecord> {
  const now = clockOf(ports);
  const runId = newProfilingRunId(now);
  const createdAt = now.toISOString();
  const record: RunRecord = {
    runId,
    status: 'starting',
    phase: 'preparing',
    trigger,
    createdAt,
    updatedAt: createdAt,
  };
  return ledgerOf(ports).start(runId, record, {
    workflow: ports.workflow,
    input: { runId, trigger },
    failedStart: (error) => ({ status: 'failed', error: error.message }),
  });
}

export async function getRun(runId: string, operations: Table, workflow?: Workflow): Promise<RunRecord> {
  const ledger = ledgerOf({ operations });
  // With the workflow: a run whose execution ended without an outcome is failed, not shown running.
  return workflow ? ledger.getSettled(runId, workflow) : ledger.get(runId);
}

/** The most recent profiling runs, newest first, each as its record stands now. */
export async function listRuns(operations: Table, limit: number): Promise<RunRecord[]> {
  return ledgerOf({ operations }).list(limit);
}

async function setRun(runId: string, ports: RunPorts, fields: Partial<RunRecord>): Promise<void> {
  await ledgerOf(ports).update(runId, fields);
}

export interface ShardDescriptor {
  readonly shard: string;
  readonly objects: number;
  readonly bytes: number;
  readonly shardCount: number;
}

/** First state: list the shards that hold data and write the manifest the Distributed Maps read. */
export async function prepareRun(runId: string, ports: RunPorts) {
  const objects = await ports.objects.list(`${ports.rawPrefix}events/`);
  const shards = new Map<string, { objects: number; bytes: number }>();
  for (const { key, size } of objects) {
    const name = /\/(shard=\d+)\//.exec(key)?.[1];
    if (!name) continue;
    const entry = shards.get(name) ?? { objects: 0, bytes: 0 };
    entry.objects++;
    entry.bytes += size;
    shards.set(name, entry);
  }
  const manifest: ShardDescriptor[] = [...shards.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([shard, stats]) => ({ shard, ...stats, shardCount: shards.size }));
  const manifestKey = runFile(runId, 'shards.json');
  await ports.objects.put(manifestKey, JSON.stringify(manifest), 'application/json');
  await setRun(runId, ports, {
    status: 'running',
    phase: 'aggregating',
    shardCount: manifest.length,
    shardsDone: 0,
    shardsAssigned: 0,
  });
  return { runId, bucket: ports.objects.bucket, manifestKey, shardCount: manifest.length };
}

async function* readLines(ports: RunPorts, key: string): AsyncGenerator<string> {
  let stream: Awaited<ReturnType<ObjectStore['getStream']>>;
  try {
    stream = await ports.objects.getStream(key);
  } catch (error) {
    throw new ShardReadError(`could not read ${key}: ${(error as Error).message}`);
  }
  for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line) yield line;
  }
}

/** Read every event of a shard, each event once (by id, whichever copy came first). */
export async function readShardEvents(
  shard: string,
  ports: RunPorts,
): Promise<{ events: BehaviourEvent[]; read: number; duplicates: number }> {
  const objects = await ports.objects.list(shardPrefix(ports.rawPrefix, shard));
  const byId = new Map<string, BehaviourEvent>();
  let read = 0;
  for (const { key } of objects) {
    for await (const line of readLines(ports, key)) {
      read++;
      const event = JSON.parse(line) as BehaviourEvent;
      if (!byId.has(event.eventId)) byId.set(event.eventId, event);
    }
  }
  return { events: [...byId.values()], read, duplicates: read - byId.size };
}

/** Uniform sample of up to `size` items (reservoir sampling, seeded). */
function reservoir<T>(items: Iterable<T>, size: number, random: () => number): { sample: T[]; seen: number } {
  const sample: T[] = [];
  let seen = 0;
  for (const item of items) {
    seen++;
    if (sample.length < size) sample.push(item);
    else {
      const j = Math.floor(random() * seen);
      if (j < size) sample[j] = item;
    }
  }
  return { sample, seen };
}

interface ShardSummary {
  readonly cleaning: CleaningCounts;
  readonly categoryPrices: CategoryPriceStats;
  readonly maxTimestamp: number;
  readonly minTimestamp: number;
  readonly users: number;
  readonly baskets: number;
  readonly eventTypes: Record<string, number>;
}

const jsonl = (rows: unknown[]) => (rows.length ? `${rows.map((r) => JSON.stringify(r)).join('\n')}\n` : '');

/**
 * Distributed Map item 1: clean one shard's events and fold them per user. Leaves in S3 the
 * user aggregates, a sample of them and of the order baskets for fitting, and the shard's
 * cleaning counts and price statistics.
 */
export async function profileShard(runId: string, descriptor: ShardDescriptor, ports: RunPorts) {
  const options = optionsOf(ports);
  const { shard } = descriptor;
  const { events, duplicates } = await readShardEvents(shard, ports);
  const result = aggregateShard(events, duplicates, defaultCleaning(clockOf(ports).getTime()));
  const random = mulberry32(options.seed ^ fnv1a(shard));
  const perShard = (total: number) =>
    Math.max(500, Math.ceil((4 * total) / Math.max(1, descriptor.shardCount)));
  const userSample = reservoir(result.users, perShard(options.sampleSize), random).sample;
  const basketSample = reservoir(result.baskets, perShard(options.maxBaskets), random).sample;
  // Purchase histories: all of them for this shard's own recommendations, and a sample for
  // fitting the item side (item factors need many users per item, not every user).
  const histories = purchaseHistories(events, clockOf(ports).getTime(), isGuest);
  const historySample = reservoir(histories, perShard(options.recommenderUsers), random).sample;
  const summary: ShardSummary = {
    cleaning: result.cleaning,
    categoryPrices: result.categoryPrices,
    maxTimestamp: result.maxTimestamp,
    minTimestamp: result.minTimestamp,
    users: result.users.length,
    baskets: result.baskets.length,
    eventTypes: result.eventTypes,
  };
  await Promise.all([
    ports.objects.put(runFile(runId, 'users', `${shard}.jsonl`), jsonl(result.users), 'application/x-ndjson'),
    ports.objects.put(runFile(runId, 'sample', `${shard}.jsonl`), jsonl(userSample), 'application/x-ndjson'),
    ports.objects.put(
      runFile(runId, 'baskets', `${shard}.jsonl`),
      jsonl(basketSample),
      'application/x-ndjson',
    ),
    ports.objects.put(runFile(runId, 'shards', `${shard}.json`), JSON.stringify(summary), 'application/json'),
    ports.objects.put(
      runFile(runId, 'purchases', `${shard}.jsonl`),
      jsonl(histories),
      'application/x-ndjson',
    ),
    ports.objects.put(
      runFile(runId, 'purchase-sample', `${shard}.jsonl`),
      jsonl(historySample),
      'application/x-ndjson',
    ),
  ]);
  await ledgerOf(ports).increment(runId, { shardsDone: 1 });
  return { runId, shard, users: result.users.length, events: result.cleaning.eventsKept };
}

async function readJsonFiles<T>(ports: RunPorts, prefix: string): Promise<T[]> {
  const files = await ports.objects.list(prefix);
  const out: T[] = [];
  for (const { key } of files) {
    const text = await ports.objects.getText(key);
    if (text) out.push(JSON.parse(text) as T);
  }
  return out;
}

async function readJsonLines<T>(ports: RunPorts, prefix: string, into: T[]): Promise<void> {
  for (const { key } of await ports.objects.list(prefix)) {
    for await (const line of readLines(ports, key)) into.push(JSON.parse(line) as T);
  }
}

/**
 * After the first map: merge the shards' statistics (snapshot date, typical price per
 * category), fit RFM quintiles and the segmentation on a sample of users drawn from every
 * shard in proportion to its size, and mine association rules on the sampled baskets.
 */
export async function fitRun(runId: string, ports: RunPorts) {
  const options = optionsOf(ports);
  await setRun(runId, ports, { phase: 'fitting' });
  const summaryFiles = await ports.objects.list(runFile(runId, 'shards/'));
  const summariesByShard = new Map<string, ShardSummary>();
  for (const { key } of summaryFiles) {
    const text = await ports.objects.getText(key);
    const shard = /([^/]+)\.json$/.exec(key)?.[1];
    if (text && shard) summariesByShard.set(shard, JSON.parse(text) as ShardSummary);
  }
  const summaries = [...summariesByShard.values()];
  let cleaning = emptyCleaning();
  let eventTypes: Record<string, number> = {};
  let prices: CategoryPriceStats = {};
  let maxTimestamp = Number.NEGATIVE_INFINITY;
  let minTimestamp = Number.POSITIVE_INFINITY;
  let users = 0;
  let baskets = 0;
  for (const s of summaries) {
    cleaning = addCounts(cleaning, s.cleaning);
    eventTypes = addCounts(eventTypes, s.eventTypes ?? {});
    prices = mergeCategoryPrices(prices, s.categoryPrices);
    maxTimestamp = Math.max(maxTimestamp, s.maxTimestamp ?? Number.NEGATIVE_INFINITY);
    minTimestamp = Math.min(minTimestamp, s.minTimestamp ?? Number.POSITIVE_INFINITY);
    users += s.users;
    baskets += s.baskets;
  }
  const reference: GlobalReference = {
    snapshotAt: Number.isFinite(maxTimestamp) ? defaultSnapshot(maxTimestamp) : clockOf(ports).getTime(),
    categoryLogPrice: Object.fromEntries(
      Object.entries(prices)
        .filter(([, [, n]]) => n > 0)
        .map(([category, [sum, n]]) => [category, sum / n]),
    ),
  };

  // The sample: every shard's reservoir, thinned to the shard's share of all users.
  const random = mulberry32(options.seed);
  const sampled: UserAggregate[] = [];
  for (const { key } of await ports.objects.list(runFile(runId, 'sample/'))) {
    const shard = /([^/]+)\.jsonl$/.exec(key)?.[1] ?? '';
    const rows: UserAggregate[] = [];
    for await (const line of readLines(ports, key)) rows.push(JSON.parse(line) as UserAggregate);
    const shardUsers = summariesByShard.get(shard)?.users ?? rows.length;
    const quota = users > 0 ? Math.ceil((options.sampleSize * shardUsers) / users) : rows.length;
    sampled.push(...reservoir(rows, quota, random).sample);
  }
  const features = sampled.map((agg) => userFeatures(agg, reference));
  const buyers = features.filter((f) => f.buyer);
  const boundaries = fitRfmBoundaries(buyers);
  const previous = (await ports.profiles.listSegments())
    .filter((s) => s.segmentId !== browsersSegment && Array.isArray(s.centroid))
    .map((s) => ({ segmentId: s.segmentId, centroid: s.centroid }) as PreviousSegment);
  const segmentation = fitSegmentation(buyers, { seed: options.seed, kMax: options.kMax, previous });

  const basketRows: string[][] = [];
  await readJsonLines(ports, runFile(runId, 'baskets/'), basketRows);
  const mined = reservoir(basketRows, options.maxBaskets, random).sample.filter((b) => b.length > 0);
  const itemsets = mined.length
    ? frequentItemsets(mined, { minSupport: options.minSupport, maxLength: 3 })
    : [];
  const rules = mined.length
    ? associationRules(itemsets, mined.length, {
        minConfidence: options.minConfidence,
        minLift: options.minLift,
      }).slice(0, options.maxRules)
    : [];

  // Recommendations: item factors, neighbours, the blend and the interest model, fitted on a
  // sample of purchase histories thinned like the users' sample.
  const historyRows: PurchaseHistory[] = [];
  await readJsonLines(ports, runFile(runId, 'purchase-sample/'), historyRows);
  const historySample = reservoir(historyRows, options.recommenderUsers, random).sample;
  const recommender = fitRecommendationModel(historySample, reference.snapshotAt, { seed: options.seed });
  if (recommender) {
    await ports.objects.put(
      runFile(runId, 'recommender.json'),
      JSON.stringify(recommender),
      'application/json',
    );
  }

  const model: RunModel = {
    reference,
    boundaries,
    segmentation,
    rules,
    cleaning,
    eventTypes,
    users,
    baskets,
    basketsMined: mined.length,
    firstEventAt: Number.isFinite(minTimestamp) ? new Date(minTimestamp).toISOString() : null,
  };
  await ports.objects.put(runFile(runId, 'model.json'), JSON.stringify(model), 'application/json');
  await setRun(runId, ports, { phase: 'assigning' });
  return {
    runId,
    k: segmentation.centroids.length,
    rules: rules.length,
    sample: sampled.length,
    recommenderProducts: recommender?.productIds.length ?? 0,
  };
}

async function readModel(runId: string, ports: RunPorts): Promise<RunModel> {
  const text = await ports.objects.getText(runFile(runId, 'model.json'));
  if (!text) throw new ShardReadError(`run ${runId} has no fitted model yet`);
  return JSON.parse(text) as RunModel;
}

/** R × F score counts, for the report's heatmap. */
type RfGrid = number[][];
const emptyGrid = (): RfGrid => Array.from({ length: 5 }, () => new Array(5).fill(0));

/**
 * Distributed Map item 2: finish every user's features with the global reference, score RFM,
 * assign the segment, pick cross-sell suggestions, write the profiles, and add the shard's
 * users to the segment statistics.
 */
export async function assignShard(runId: string, descriptor: ShardDescriptor, ports: RunPorts) {
  const model = await readModel(runId, ports);
  const users: UserAggregate[] = [];
  await readJsonLines(ports, runFile(runId, 'users', `${descriptor.shard}.jsonl`), users);
  const stats: Record<string, SegmentStats> = {};
  const grid = emptyGrid();
  const updatedAt = clockOf(ports).toISOString();
  // This shard's users folded in against the run's item factors: their lists and interests.
  const recommenderText = await ports.objects.getText(runFile(runId, 'recommender.json'));
  const histories: PurchaseHistory[] = [];
  await readJsonLines(ports, runFile(runId, 'purchases', `${descriptor.shard}.jsonl`), histories);
  const historyOf = new Map(histories.map((h) => [h.userId, h]));
  const lists = recommenderText
    ? recommendShard(JSON.parse(recommenderText) as RecommendationModel, histories, maxRecommendations)
    : new Map();
  const segmentBuyers: SegmentProductCounts = {};
  const profiles = users.map((agg) => {
    const features = userFeatures(agg, model.reference);
    const rfm = rfmOf(features, model.boundaries);
    const { segmentId, distance } = assignSegment(features, model.segmentation);
    const categories = categoryAffinity(agg);
    const segmentStats = stats[segmentId] ?? emptySegmentStats();
    stats[segmentId] = segmentStats;
    addUserToStats(segmentStats, { features, rfm, categories });
    if (rfm.r > 0 && rfm.f > 0) grid[5 - rfm.r]![rfm.f - 1]!++;
    const history = historyOf.get(agg.userId);
    if (history) countSegmentBuyers(segmentBuyers, segmentId, history);
    const recommended = lists.get(agg.userId);
    const crossSell = rulesFor(agg.recentProducts, model.rules, 5).map((rule) => ({
      productId: rule.consequent[0] ?? '',
      because: rule.antecedent,
      confidence: round(rule.confidence),
      lift: round(rule.lift),
    }));
    return {
      userId: agg.userId,
      runId,
      segmentId,
      segmentDistance: round(distance),
      features: roundAll(features),
      rfm,
      topCategories: categories,
      recentProducts: agg.recentProducts.slice(0, 10),
      crossSell,
      ...(recommended
        ? {
            recommendations: recommended.recommendations,
            discover: recommended.discover,
            interest: recommended.interest,
          }
        : {}),
      updatedAt,
    };
  });
  await ports.profiles.putProfiles(profiles);
  await ports.objects.put(
    runFile(runId, 'segments', `${descriptor.shard}.json`),
    JSON.stringify({ stats, grid, segmentBuyers }),
    'application/json',
  );
  await ledgerOf(ports).increment(runId, { shardsAssigned: 1 });
  return { runId, shard: descriptor.shard, profiles: profiles.length };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
function roundAll<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]),
  ) as T;
}

/** Last state: personas, rules and the report; the run record gets its figures. */
export async function finishRun(runId: string, ports: RunPorts) {
  await setRun(runId, ports, { phase: 'reporting' });
  const model = await readModel(runId, ports);
  const parts = await readJsonFiles<{
    stats: Record<string, SegmentStats>;
    grid: RfGrid;
    segmentBuyers?: SegmentProductCounts;
  }>(ports, runFile(runId, 'segments/'));
  const stats: Record<string, SegmentStats> = {};
  const grid = emptyGrid();
  for (const part of parts) {
    for (const [id, s] of Object.entries(part.stats))
      stats[id] = mergeSegmentStats(stats[id] ?? emptySegmentStats(), s);
    part.grid.forEach((row, r) => {
      row.forEach((n, f) => {
        grid[r]![f]! += n;
      });
    });
  }
  // Each segment's picks: its most bought products, what a member with no purchases is offered.
  const picks = segmentPicks(
    parts.map((part) => part.segmentBuyers ?? {}),
    maxRecommendations,
  );
  const segments = describeSegments(stats, model.segmentation).map((segment) => ({
    ...segment,
    picks: picks[segment.segmentId] ?? [],
  }));
  await ports.profiles.replaceSegments(segments, runId);

  // Titles of the products the top rules name, for people reading rules and reports.
  const ruleProducts = [
    ...new Set(model.rules.slice(0, 200).flatMap((r) => [...r.antecedent, ...r.consequent])),
  ];
  const titles = new Map<string, string>();
  const found = await ports.catalog.batchGet(ruleProducts.map((productId) => ({ productId })));
  for (const item of found) titles.set(String(item['productId']), String(item['title'] ?? ''));
  const stored: StoredRule[] = model.rules.map((rule, rank) => ({
    rank,
    antecedent: rule.antecedent,
    consequent: rule.consequent,
    support: rule.support,
    confidence: rule.confidence,
    lift: rule.lift,
    count: rule.count,
    titles: Object.fromEntries(
      [...rule.antecedent, ...rule.consequent].map((id) => [id, titles.get(id) ?? '']),
    ),
  }));
  await ports.profiles.replaceRules(stored, runId);

  const users = Object.values(stats).reduce((s, x) => s + x.users, 0);
  const figures: RunFigures = {
    snapshotDate: new Date(model.reference.snapshotAt).toISOString().slice(0, 10),
    cleaning: model.cleaning,
    users,
    buyers: users - (stats[browsersSegment]?.users ?? 0),
    baskets: model.baskets,
    segments: segments.length,
    k: model.segmentation.centroids.length,
    silhouette: model.segmentation.scores.map((s) => ({ k: s.k, silhouette: round(s.silhouette) })),
    rules: model.rules.length,
    eventTypes: model.eventTypes,
    funnel: funnelOf(model.eventTypes),
  };
  const report = renderRunReport({ runId, figures, segments, rules: stored.slice(0, 20), grid, model });
  for (const [name, body] of Object.entries(report.charts)) {
    await ports.objects.put(runFile(runId, name), body, 'image/svg+xml');
  }
  const reportKey = runFile(runId, 'report.md');
  await ports.objects.put(reportKey, report.markdown, 'text/markdown; charset=utf-8');
  await ledgerOf(ports).finish(runId, { phase: 'done', figures, reportKey });
  return { runId, status: 'succeeded', segments: segments.length, rules: stored.length, reportKey };
}

function funnelOf(types: Record<string, number>): RunFigures['funnel'] {
  const share = (a: string, b: string) =>
    (types[b] ?? 0) > 0 ? round((types[a] ?? 0) / (types[b] ?? 1)) : null;
  return {
    viewToCart: share('cart', 'view'),
    viewToPurchase: share('purchase', 'view'),
    cartToPurchase: share('purchase', 'cart'),
  };
}

/** The Catch path: record why the run failed, then the state machine ends in its Fail state. */
export async function failRun(runId: string, error: StepError, ports: RunPorts) {
  // The Cause is kept as Step Functions gave it (a Lambda error's JSON, say).
  await ledgerOf(ports).fail(runId, stepFailure(error));
  return { runId, status: 'failed' };
}
