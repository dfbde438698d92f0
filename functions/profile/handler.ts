import * as z from 'zod';
import { profileStore, settings, tables, workflows } from '../container';
import { objectCreatedEventSchema, scheduledEventSchema } from '../shared/events';
import { defineRoute, httpApi } from '../shared/http';
import { logger } from '../shared/logger';
import { recentListQuerySchema as recent, stepErrorSchema } from '../shared/runs';
import { defineStep, stepTask, task } from '../shared/steps';
import { parseWith } from '../shared/validation';
import { upsertProducts } from './catalog';
import { acceptEvents } from './events';
import { ingestObject } from './ingest';
import { getRecommendations } from './recommendations';
import { assignShard, failRun, finishRun, fitRun, getRun, listRuns, prepareRun, profileShard } from './runs';
import * as s from './schema';
import { createUpload, getUpload, listUploads } from './uploads';
import * as w from './wiring';

const ops = tables.operations;

/** HTTP routes of the profile group. */
export const api = httpApi('profile', {
  'GET /health': defineRoute({ handle: w.health }),
  'POST /events': defineRoute({
    body: s.eventsBodySchema,
    handle: async ({ body, requestId }) => {
      const result = await acceptEvents(body.events, w.eventPorts(), requestId);
      return { statusCode: w.batchStatus(result.accepted, result.rejected.length), body: result };
    },
  }),
  'POST /products': defineRoute({
    body: s.productsBodySchema,
    handle: async ({ body }) => {
      const result = await upsertProducts(
        body.products,
        tables.catalog(),
        new Date(),
        settings().TAILOR_DEFAULT_CURRENCY,
      );
      return { statusCode: w.batchStatus(result.upserted, result.rejected.length), body: result };
    },
  }),
  'POST /uploads': defineRoute({
    body: s.createUploadSchema,
    handle: async ({ body }) => ({ statusCode: 201, body: await createUpload(body, w.uploadPorts()) }),
  }),
  'GET /uploads': defineRoute({
    query: recent,
    handle: async ({ query }) => ({ body: { uploads: await listUploads(ops(), query.limit) } }),
  }),
  'GET /uploads/{id}': defineRoute({
    params: s.idParamsSchema,
    handle: async ({ params }) => ({ body: await getUpload(params.id, ops()) }),
  }),
  'POST /profiles/runs': defineRoute({
    body: s.startRunSchema,
    handle: async () => ({ statusCode: 202, body: await w.startRun('api') }),
  }),
  'GET /profiles/runs': defineRoute({
    query: recent,
    handle: async ({ query }) => ({ body: { runs: await listRuns(ops(), query.limit) } }),
  }),
  'GET /profiles/runs/{id}': defineRoute({
    params: s.idParamsSchema,
    handle: async ({ params }) => ({ body: await getRun(params.id, ops(), workflows.profiling()) }),
  }),
  'GET /profiles/{userId}': defineRoute({
    params: s.userParamsSchema,
    handle: async ({ params }) => ({ body: await w.userProfile(params.userId) }),
  }),
  'GET /segments': defineRoute({
    handle: async () => ({ body: { segments: await profileStore().listSegments() } }),
  }),
  'GET /segments/{id}': defineRoute({
    params: s.idParamsSchema,
    handle: async ({ params }) => ({ body: await w.segmentWithStrategy(params.id) }),
  }),
  'GET /recommendations': defineRoute({
    query: s.recommendationsQuerySchema,
    handle: async ({ query }) => ({ body: await getRecommendations(query, w.recommendationPorts()) }),
  }),
  'GET /rules': defineRoute({
    query: s.rulesQuerySchema,
    handle: async ({ query }) => ({
      body: { productId: query.productId ?? null, rules: await profileStore().rules(query) },
    }),
  }),
});

/** S3 "Object Created" under the batch prefix (through EventBridge): ingest the file. */
export const ingest = task(async (event) => {
  const { detail } = parseWith(objectCreatedEventSchema, event, 'event');
  const summary = await ingestObject(detail.object, w.ingestPorts());
  if (summary) logger.info('upload ingested', { ...summary });
  return summary ?? { skipped: detail.object.key };
});

const runInput = z.object({ runId: z.string().min(1) });
const shardInput = runInput.extend({ shard: s.shardDescriptorSchema });
const failInput = runInput.extend({ error: stepErrorSchema.default({}) });

/** The profiling run's Step Functions tasks; errors are thrown by name for Retry/Catch. */
export const runTask = stepTask('profiling run', {
  prepare: defineStep({ input: runInput, run: (i) => prepareRun(i.runId, w.runPorts()) }),
  shard: defineStep({ input: shardInput, run: (i) => profileShard(i.runId, i.shard, w.runPorts()) }),
  fit: defineStep({ input: runInput, run: (i) => fitRun(i.runId, w.runPorts()) }),
  assign: defineStep({ input: shardInput, run: (i) => assignShard(i.runId, i.shard, w.runPorts()) }),
  finish: defineStep({ input: runInput, run: (i) => finishRun(i.runId, w.runPorts()) }),
  fail: defineStep({ input: failInput, run: (i) => failRun(i.runId, i.error, w.runPorts()) }),
});

/** The EventBridge schedule: start a profiling run. */
export const schedule = task(async (event) => {
  const scheduled = parseWith(scheduledEventSchema, event, 'event');
  const started = await w.startRun('schedule');
  logger.info('scheduled profiling run started', { runId: started.runId, firedAt: scheduled.time });
  return started;
});
