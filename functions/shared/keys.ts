import type { Key } from './ports';

/**
 * The key catalog: every DynamoDB table's keys, next to the access patterns they serve. The
 * tables are declared in `lib/stacks/stateful-stack.ts`; a new item kind gets its key function
 * here, with its access pattern, before any code writes it.
 */

/**
 * Operations table (`pk`, `sk`; TTL `expiresAt`): the bookkeeping of ingestion and profiling.
 * - an upload: get `UPLOAD#<id>` / `UPLOAD`; recent uploads: query `UPLOADS` (sort key
 *   newest-first, see `shared/runs.ts` newestFirstKey), then batch-get the records;
 * - an uploaded file's fingerprint (duplicate uploads): conditional put `UPLOADHASH#<etag>-<size>`;
 * - a profiling run: get `RUN#<runId>` / `RUN`; recent runs: query `RUNS`, then batch-get;
 *   the one-at-a-time lock: conditional put `RUN#ACTIVE` / `RUN` (with `expiresAt`);
 * - a re-optimization run: get `OPTRUN#<runId>` / `RUN`; its lock `OPTRUN#ACTIVE` / `RUN`;
 * - an accepted event id (exactly-once for `POST /events`): conditional put `EVENT#<id>` (TTL);
 * - the health probe: get `HEALTH` / `HEALTH`.
 */
export const operationsKeys = {
  upload: (uploadId: string): Key => ({ pk: `UPLOAD#${uploadId}`, sk: 'UPLOAD' }),
  uploadsIndex: 'UPLOADS',
  uploadFingerprint: (etag: string, size: number): Key => ({
    pk: `UPLOADHASH#${etag}-${size}`,
    sk: 'UPLOADHASH',
  }),
  profilingRun: (runId: string): Key => ({ pk: `RUN#${runId}`, sk: 'RUN' }),
  profilingRunsIndex: 'RUNS',
  profilingRunLock: { pk: 'RUN#ACTIVE', sk: 'RUN' } as Key,
  optimizationRun: (runId: string): Key => ({ pk: `OPTRUN#${runId}`, sk: 'RUN' }),
  optimizationRunLock: { pk: 'OPTRUN#ACTIVE', sk: 'RUN' } as Key,
  acceptedEvent: (eventId: string): Key => ({ pk: `EVENT#${eventId}`, sk: 'EVENT' }),
  health: { pk: 'HEALTH', sk: 'HEALTH' } as Key,
} as const;

/**
 * Profiles table (`pk`, `sk`): what profiling runs produce, and the strategies campaigns learn.
 * - a user's profile: get `USER#<userId>` / `PROFILE` (the latest run's, overwritten per run);
 * - the current segments: get `CURRENT` / `SEGMENTS` → run id, then query `SEGMENTS#<runId>`;
 *   one segment: get `SEGMENTS#<runId>` / `<segmentId>`;
 * - the current rules: `CURRENT` / `RULES` → run id; all ranked: query `RULES#<runId>`; those
 *   for a product: query `RULE#<runId>#<productId>` (one item per antecedent product);
 * - a segment's strategy (re-optimization): get `STRATEGY#<segmentId>` / `STRATEGY`.
 * A run writes its segments and rules under its own id and then moves the `CURRENT` pointer,
 * so readers see one run's set or the next one's, never a mix.
 */
export const profilesKeys = {
  profile: (userId: string): Key => ({ pk: `USER#${userId}`, sk: 'PROFILE' }),
  current: (kind: 'SEGMENTS' | 'RULES'): Key => ({ pk: 'CURRENT', sk: kind }),
  segmentsPartition: (runId: string) => `SEGMENTS#${runId}`,
  segment: (runId: string, segmentId: string): Key => ({ pk: `SEGMENTS#${runId}`, sk: segmentId }),
  rulesPartition: (runId: string) => `RULES#${runId}`,
  productRulesPartition: (runId: string, productId: string) => `RULE#${runId}#${productId}`,
  /** Rules sort by rank, zero-padded so text order is rank order. */
  ruleRank: (rank: number) => String(rank).padStart(6, '0'),
  strategy: (segmentId: string): Key => ({ pk: `STRATEGY#${segmentId}`, sk: 'STRATEGY' }),
} as const;

/**
 * Catalog table (`productId`): a product, get or batch-get by id; upsert by id.
 */
export const catalogKeys = {
  product: (productId: string): Key => ({ productId }),
} as const;

/**
 * Models table (`model`, `version`): the predictor registry.
 * - a model's versions: query `model = <name>`; one version: get `<name>` / `<version>`;
 * - the serving version: get `<name>` / `CURRENT` (attribute `serving`; promotion is a
 *   compare-and-set on it).
 */
export const modelsKeys = {
  version: (model: string, version: string): Key => ({ model, version }),
  pointer: (model: string): Key => ({ model, version: 'CURRENT' }),
} as const;

/**
 * Suppressions (campaigns table, `pk`, `sk`): users no campaign may send to, keyed by a keyed
 * hash of the user id (HMAC under the link key, `functions/optimize/suppression/store.ts`), so a
 * suppression outlives the erasure of the user's data without naming them.
 * - is this user suppressed: get `SUPPRESSIONS` / `<hash>`; all of them: query `SUPPRESSIONS`.
 */
export const suppressionKeys = {
  partition: 'SUPPRESSIONS',
  user: (hash: string): Key => ({ pk: 'SUPPRESSIONS', sk: hash }),
} as const;

/**
 * Campaigns table (`pk`, `sk`): one partition per campaign.
 * - a campaign: get `CAMPAIGN#<id>` / `META`; all of it (variants, counters, snapshots): query
 *   `CAMPAIGN#<id>`; campaigns by creation: query `CAMPAIGNS` (sort key `<createdAt>#<id>`);
 * - a variant `VARIANT#<segmentId>#<variantId>`, its counters `COUNTER#<segmentId>#<variantId>`,
 *   an allocation snapshot `ALLOCATION#<at>`.
 */
export const campaignsKeys = {
  partition: (campaignId: string) => `CAMPAIGN#${campaignId}`,
  index: 'CAMPAIGNS',
  meta: (campaignId: string): Key => ({ pk: `CAMPAIGN#${campaignId}`, sk: 'META' }),
  indexEntry: (createdAt: string, campaignId: string): Key => ({
    pk: 'CAMPAIGNS',
    sk: `${createdAt}#${campaignId}`,
  }),
  variant: (campaignId: string, segmentId: string, variantId: string): Key => ({
    pk: `CAMPAIGN#${campaignId}`,
    sk: `VARIANT#${segmentId}#${variantId}`,
  }),
  counter: (campaignId: string, segmentId: string, variantId: string): Key => ({
    pk: `CAMPAIGN#${campaignId}`,
    sk: `COUNTER#${segmentId}#${variantId}`,
  }),
  snapshot: (campaignId: string, at: string): Key => ({
    pk: `CAMPAIGN#${campaignId}`,
    sk: `ALLOCATION#${at}`,
  }),
} as const;

/**
 * Feedback table (`eventId`; TTL `expiresAt`): short-lived, one item per key.
 * - a decision's impression: get `IMPRESSION#<impressionId>`;
 * - a feedback event, exactly once: conditional put `FEEDBACK#<eventId>`;
 * - a frequency cap: `CAP#<campaignId>#<userId>#<window>`.
 */
export const feedbackKeys = {
  impression: (impressionId: string): Key => ({ eventId: `IMPRESSION#${impressionId}` }),
  event: (eventId: string): Key => ({ eventId: `FEEDBACK#${eventId}` }),
  cap: (campaignId: string, userId: string, window: number): Key => ({
    eventId: `CAP#${campaignId}#${userId}#${window}`,
  }),
} as const;
