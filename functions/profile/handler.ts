import { z } from 'zod';
import { NotFoundError } from '../../core/errors';
import { objects, profileStore, settings, tables } from '../container';
import { getStrategy } from '../optimize/strategies';
import { objectCreatedEventSchema, scheduledEventSchema } from '../shared/events';
import { defineRoute, httpApi } from '../shared/http';
import { logger } from '../shared/logger';
import { recentListQuerySchema, stepErrorSchema } from '../shared/runs';
import { defineStep, stepTask, task } from '../shared/steps';
import { parseWith } from '../shared/validation';
import { upsertProducts } from './catalog';
import { acceptEvents } from './events';
import { checkHealth } from './health';
import { ingestObject } from './ingest';
import { assignShard, failRun, finishRun, fitRun, getRun, listRuns, prepareRun, profileShard } from './runs';
import * as s from './schema';
import { createUpload, getUpload, listUploads } from './uploads';
import { eventPorts, ingestPorts, runPorts, startRun, uploadPorts } from './wiring';

/** 400 when a batch had rejections and nothing in it was taken, else 200. */
const batchStatus = (taken: number, rejected: number) => (rejected > 0 && taken === 0 ? 400 : 200);
const ops = tables.operations;

/** HTTP routes of the profile group. */
export const api = httpApi('profile', {
  'GET /health': defineRoute({
    handle: async () => {
      const health = await checkHealth({ objects: objects(), operations: ops() });
      return {
        statusCode: health.status === 'ok' ? 200 : 503,
        body: { ...health, version: settings().TAILOR_VERSION },
      };
    },
  }),
  'POST /events': defineRoute({
    body: s.eventsBodySchema,
    handle: async ({ body, requestId }) => {
      const result = await acceptEvents(body.events, eventPorts(), requestId);
      return { statusCode: batchStatus(result.accepted, result.rejected.length), body: result };
    },
  }),
  'POST /products': defineRoute({
    body: s.productsBodySchema,
    handle: async ({ body }) => {
      const result = await upsertProducts(body.products, tables.catalog());
      return { statusCode: batchStatus(result.upserted, result.rejected.length), body: result };
    },
  }),
  'POST /uploads': defineRoute({
    body: s.createUploadSchema,
    handle: async ({ body }) => ({ statusCode: 201, body: await createUpload(body, uploadPorts()) }),
  }),
  'GET /uploads': defineRoute({
    query: recentListQuerySchema,
    handle: async ({ query }) => ({ body: { uploads: await listUploads(ops(), query.limit) } }),
  }),
  'GET /uploads/{id}': defineRoute({
    params: s.idParamsSchema,
    handle: async ({ params }) => ({ body: await getUpload(params.id, ops()) }),
  }),
  'POST /profiles/runs': defineRoute({
    body: s.startRunSchema,
    handle: async () => ({ statusCode: 202, body: await startRun('api') }),
  }),
  'GET /profiles/runs': defineRoute({
    query: recentListQuerySchema,
    handle: async ({ query }) => ({ body: { runs: await listRuns(ops(), query.limit) } }),
  }),
  'GET /profiles/runs/{id}': defineRoute({
    params: s.idParamsSchema,
    handle: async ({ params }) => ({ body: await getRun(params.id, ops()) }),
  }),
  'GET /profiles/{userId}': defineRoute({
    params: s.userParamsSchema,
    handle: async ({ params }) => {
      const profile = await profileStore().getProfile(params.userId);
      if (!profile)
        throw new NotFoundError(`no profile for user ${params.userId}; has a profiling run included them?`);
      return { body: profile };
    },
  }),
  'GET /segments': defineRoute({
    handle: async () => ({ body: { segments: await profileStore().listSegments() } }),
  }),
  'GET /segments/{id}': defineRoute({
    params: s.idParamsSchema,
    handle: async ({ params }) => {
      const [segment, strategy] = await Promise.all([
        profileStore().getSegment(params.id),
        getStrategy(tables.profiles(), params.id),
      ]);
      if (!segment) throw new NotFoundError(`no segment ${params.id} in the latest profiling run`);
      // What the campaigns have found works best for this segment so far (re-optimization).
      return { body: { ...segment, strategy: strategy ?? null } };
    },
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
  const summary = await ingestObject(detail.object, ingestPorts());
  if (summary) logger.info('upload ingested', { ...summary });
  return summary ?? { skipped: detail.object.key };
});

const runInput = z.object({ runId: z.string().min(1) });
const shardInput = runInput.extend({ shard: s.shardDescriptorSchema });

/** The profiling run's Step Functions tasks; errors are thrown by name for Retry/Catch. */
export const runTask = stepTask('profiling run', {
  prepare: defineStep({ input: runInput, run: ({ runId }) => prepareRun(runId, runPorts()) }),
  shard: defineStep({ input: shardInput, run: (i) => profileShard(i.runId, i.shard, runPorts()) }),
  fit: defineStep({ input: runInput, run: ({ runId }) => fitRun(runId, runPorts()) }),
  assign: defineStep({ input: shardInput, run: (i) => assignShard(i.runId, i.shard, runPorts()) }),
  finish: defineStep({ input: runInput, run: ({ runId }) => finishRun(runId, runPorts()) }),
  fail: defineStep({
    input: runInput.extend({ error: stepErrorSchema.default({}) }),
    run: (i) => failRun(i.runId, i.error, runPorts()),
  }),
});

/** The EventBridge schedule: start a profiling run. */
export const schedule = task(async (event) => {
  const scheduled = parseWith(scheduledEventSchema, event, 'event');
  const started = await startRun('schedule');
  logger.info('scheduled profiling run started', { runId: started.runId, firedAt: scheduled.time });
  return started;
});
