/**
 * The HTTP API's contract: for every route of the route table (`routes.ts`), what it takes
 * (path parameters, query, body) and what it answers. Requests are the zod schemas the handlers
 * validate with (their input types: what a client may send); answers are the types the use
 * cases return. `httpApi` checks every handler's answer against this table at compile time, and
 * the one API client (`api-client.ts`, used by the CLI and the console) takes its types from it,
 * so a change on either side that the other does not follow fails `tsc`.
 *
 * Only types are imported here (erased at build), so the console's bundle takes nothing from the
 * server modules.
 */
import type { z } from 'zod';
import type { generateCopy } from '../generate/core';
import type { generateBodySchema } from '../generate/schema';
import type { createCampaign } from '../optimize/campaign/create';
import type { decide } from '../optimize/decision/decide';
import type { acceptFeedback } from '../optimize/feedback/accept';
import type { Campaign, CampaignState, SegmentVerdict } from '../optimize/records';
import type { getOptimization, startOptimization } from '../optimize/reoptimize/run';
import type { Strategy } from '../optimize/reoptimize/strategies';
import type {
  campaignBodySchema,
  campaignListQuerySchema,
  decisionQuerySchema,
  feedbackBodySchema,
  optimizeRunBodySchema,
} from '../optimize/schema';
import type { predict } from '../predict/core';
import type { listModels } from '../predict/models';
import type { predictBodySchema } from '../predict/schema';
import type { upsertProducts } from '../profile/catalog';
import type { acceptEvents } from '../profile/events';
import type { Health } from '../profile/health';
import type { getRecommendations } from '../profile/recommendations';
import type { RunRecord } from '../profile/runs';
import type {
  createUploadSchema,
  eventsBodySchema,
  idParamsSchema,
  productsBodySchema,
  recommendationsQuerySchema,
  rulesQuerySchema,
  startRunSchema,
  userParamsSchema,
} from '../profile/schema';
import type { Segment } from '../profile/segments';
import type { Profile, StoredRule } from '../profile/store';
import type { createUpload, recentListQuerySchema, UploadRecord } from '../profile/uploads';
import type { RouteKey } from './routes';

/** What a route's use case resolves to. */
type Answer<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;
/** What a client may send for a schema (defaults and coercions still to apply). */
type In<S extends z.ZodType> = z.input<S>;

/** One route's request parts (absent: the route takes none) and its answer. */
interface RouteContract {
  readonly params?: Record<string, string>;
  readonly query?: Record<string, unknown>;
  readonly body?: unknown;
  readonly response: unknown;
}

type Id = In<typeof idParamsSchema>;

/** The verdicts of a campaign from its current counters, per segment (see `liveVerdicts`). */
export type LiveVerdicts = Record<string, SegmentVerdict>;

export interface ApiContract {
  'GET /health': { response: Health & { version: string } };
  'POST /events': { body: In<typeof eventsBodySchema>; response: Answer<typeof acceptEvents> };
  'POST /products': { body: In<typeof productsBodySchema>; response: Answer<typeof upsertProducts> };
  'POST /uploads': { body: In<typeof createUploadSchema>; response: Answer<typeof createUpload> };
  'GET /uploads': { query: In<typeof recentListQuerySchema>; response: { uploads: UploadRecord[] } };
  'GET /uploads/{id}': { params: Id; response: UploadRecord };
  'POST /profiles/runs': { body: In<typeof startRunSchema>; response: RunRecord };
  'GET /profiles/runs': { query: In<typeof recentListQuerySchema>; response: { runs: RunRecord[] } };
  'GET /profiles/runs/{id}': { params: Id; response: RunRecord };
  'GET /profiles/{userId}': { params: In<typeof userParamsSchema>; response: Profile };
  'GET /segments': { response: { segments: Segment[] } };
  'GET /segments/{id}': { params: Id; response: Segment & { strategy: Strategy | null } };
  'GET /recommendations': {
    query: In<typeof recommendationsQuerySchema>;
    response: Answer<typeof getRecommendations>;
  };
  'GET /rules': {
    query: In<typeof rulesQuerySchema>;
    response: { productId: string | null; rules: StoredRule[] };
  };
  'POST /generate': { body: In<typeof generateBodySchema>; response: Answer<typeof generateCopy> };
  'POST /predict': { body: In<typeof predictBodySchema>; response: Answer<typeof predict> };
  'GET /models': { response: Answer<typeof listModels> };
  'POST /campaigns': { body: In<typeof campaignBodySchema>; response: Answer<typeof createCampaign> };
  'GET /campaigns': { query: In<typeof campaignListQuerySchema>; response: { campaigns: Campaign[] } };
  /** The campaign with its variants, counters and snapshots, and the verdicts from the current counters. */
  'GET /campaigns/{id}': { params: Id; response: CampaignState & { live: LiveVerdicts } };
  'GET /campaigns/{id}/decision': {
    params: Id;
    query: In<typeof decisionQuerySchema>;
    response: Answer<typeof decide>;
  };
  'GET /campaigns/{id}/report': {
    params: Id;
    query: { language?: 'en' | 'zh' };
    response: { key: string | null; markdown: string };
  };
  'POST /feedback': { body: In<typeof feedbackBodySchema>; response: Answer<typeof acceptFeedback> };
  'POST /optimize/runs': {
    body: In<typeof optimizeRunBodySchema>;
    response: Answer<typeof startOptimization>;
  };
  'GET /optimize/runs/{id}': { params: Id; response: Answer<typeof getOptimization> };
  // Tracked links, followed by readers' browsers and mail clients: no JSON answer (`never`, so
  // a handler can only answer them raw): a 302, a GIF, an HTML page; errors are the JSON error.
  'GET /r/{token}': { params: { token: string }; response: never };
  'GET /o/{token}': { params: { token: string }; response: never };
  'GET /u/{token}': { params: { token: string }; query: { lang?: string }; response: never };
  'POST /u/{token}': { params: { token: string }; query: { lang?: string }; response: never };
}

// Every route of the table has a contract, and nothing else does.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _everyRoute: Exact<keyof ApiContract, RouteKey> = true;
const _wellFormed: ApiContract extends Record<RouteKey, RouteContract> ? true : never = true;
void _everyRoute;
void _wellFormed;

/** The answer of a route. */
export type ResponseOf<K extends RouteKey> = ApiContract[K]['response'];

type Part<K extends RouteKey, P extends 'params' | 'query' | 'body'> = ApiContract[K] extends {
  [k in P]: infer T;
}
  ? T
  : never;

/**
 * What a client passes to call a route: `params` when its path has some, `body` when it takes
 * one, `query` (always optional) when it reads one.
 */
export type RequestOf<K extends RouteKey> = ([Part<K, 'params'>] extends [never]
  ? unknown
  : { params: Part<K, 'params'> }) &
  ([Part<K, 'query'>] extends [never] ? unknown : { query?: Part<K, 'query'> }) &
  ([Part<K, 'body'>] extends [never] ? unknown : { body: Part<K, 'body'> });

/** The body a route takes (what a client may send). */
export type BodyOf<K extends RouteKey> = Part<K, 'body'>;
/** The query a route reads. */
export type QueryOf<K extends RouteKey> = Part<K, 'query'>;
