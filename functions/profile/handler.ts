import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../../core/errors';
import { getStrategy } from '../optimize/strategies';
import { DynamoTable } from '../shared/adapters/dynamo-table';
import { S3ObjectStore } from '../shared/adapters/s3-object-store';
import { StepFunctionsWorkflow } from '../shared/adapters/workflow';
import { clients } from '../shared/clients';
import { config, requireSetting } from '../shared/config';
import { objectCreatedEventSchema, scheduledEventSchema } from '../shared/events';
import { defineRoute, httpApi } from '../shared/http';
import { logger } from '../shared/logger';
import { parseWith } from '../shared/validation';
import { upsertProducts } from './catalog';
import { acceptEvents } from './events';
import { checkHealth } from './health';
import { ingestObject } from './ingest';
import {
  assignShard,
  failRun,
  finishRun,
  fitRun,
  getRun,
  listRuns,
  prepareRun,
  profileShard,
  startProfilingRun,
} from './runs';
import {
  createUploadSchema,
  eventsBodySchema,
  idParamsSchema,
  productsBodySchema,
  rulesQuerySchema,
  startRunSchema,
  userParamsSchema,
} from './schema';
import { TableProfileStore } from './store';
import { createUpload, getUpload, listUploads, recentListQuerySchema } from './uploads';

// Ports are built on first use, once per container.
const objects = () => new S3ObjectStore(clients(config()).s3, requireSetting(config(), 'DATA_BUCKET'));
const table = (name: 'OPERATIONS_TABLE' | 'CATALOG_TABLE' | 'PROFILES_TABLE') =>
  new DynamoTable(clients(config()).dynamo, requireSetting(config(), name));
const profileStore = () => new TableProfileStore(table('PROFILES_TABLE'));
const workflow = () =>
  new StepFunctionsWorkflow(clients(config()).sfn, requireSetting(config(), 'PROFILING_STATE_MACHINE_ARN'));

/** HTTP routes of the profile group. */
export const api = httpApi('profile', {
  'GET /health': defineRoute({
    handle: async () => {
      const health = await checkHealth({ objects: objects(), operations: table('OPERATIONS_TABLE') });
      return {
        statusCode: health.status === 'ok' ? 200 : 503,
        body: { ...health, version: config().TAILOR_VERSION },
      };
    },
  }),
  'POST /events': defineRoute({
    body: eventsBodySchema,
    handle: async ({ body, requestId }) => {
      const cfg = config();
      const result = await acceptEvents(
        body.events,
        {
          objects: objects(),
          operations: table('OPERATIONS_TABLE'),
          rawPrefix: cfg.RAW_PREFIX,
          shards: cfg.RAW_SHARDS,
          dedupTtlDays: cfg.EVENT_DEDUP_TTL_DAYS,
        },
        requestId,
      );
      return { statusCode: result.rejected.length > 0 && result.accepted === 0 ? 400 : 200, body: result };
    },
  }),
  'POST /products': defineRoute({
    body: productsBodySchema,
    handle: async ({ body }) => {
      const result = await upsertProducts(
        body.products,
        table('CATALOG_TABLE'),
        new Date(),
        config().TAILOR_DEFAULT_CURRENCY,
      );
      return { statusCode: result.rejected.length > 0 && result.upserted === 0 ? 400 : 200, body: result };
    },
  }),
  'POST /uploads': defineRoute({
    body: createUploadSchema,
    handle: async ({ body }) => {
      const cfg = config();
      const upload = await createUpload(body, {
        objects: objects(),
        operations: table('OPERATIONS_TABLE'),
        batchPrefix: cfg.BATCH_PREFIX,
        urlTtlSeconds: cfg.UPLOAD_URL_TTL_SECONDS,
      });
      return { statusCode: 201, body: upload };
    },
  }),
  'GET /uploads': defineRoute({
    query: recentListQuerySchema,
    handle: async ({ query }) => ({
      body: { uploads: await listUploads(table('OPERATIONS_TABLE'), query.limit) },
    }),
  }),
  'GET /uploads/{id}': defineRoute({
    params: idParamsSchema,
    handle: async ({ params }) => ({ body: await getUpload(params.id, table('OPERATIONS_TABLE')) }),
  }),
  'POST /profiles/runs': defineRoute({
    body: startRunSchema,
    handle: async () => {
      const run = await startProfilingRun('api', {
        operations: table('OPERATIONS_TABLE'),
        workflow: workflow(),
      });
      return { statusCode: 202, body: run };
    },
  }),
  'GET /profiles/runs': defineRoute({
    query: recentListQuerySchema,
    handle: async ({ query }) => ({
      body: { runs: await listRuns(table('OPERATIONS_TABLE'), query.limit) },
    }),
  }),
  'GET /profiles/runs/{id}': defineRoute({
    params: idParamsSchema,
    handle: async ({ params }) => ({ body: await getRun(params.id, table('OPERATIONS_TABLE')) }),
  }),
  'GET /profiles/{userId}': defineRoute({
    params: userParamsSchema,
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
    params: idParamsSchema,
    handle: async ({ params }) => {
      const [segment, strategy] = await Promise.all([
        profileStore().getSegment(params.id),
        getStrategy(table('PROFILES_TABLE'), params.id),
      ]);
      if (!segment) throw new NotFoundError(`no segment ${params.id} in the latest profiling run`);
      // What the campaigns have found works best for this segment so far (re-optimization).
      return { body: { ...segment, strategy: strategy ?? null } };
    },
  }),
  'GET /rules': defineRoute({
    query: rulesQuerySchema,
    handle: async ({ query }) => ({
      body: { productId: query.productId ?? null, rules: await profileStore().rules(query) },
    }),
  }),
});

/** S3 "Object Created" under the batch prefix (through EventBridge): ingest the file. */
export const ingest = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: unknown) => {
    const { detail } = parseWith(objectCreatedEventSchema, event, 'event');
    const cfg = config();
    const summary = await ingestObject(detail.object, {
      objects: objects(),
      operations: table('OPERATIONS_TABLE'),
      catalog: table('CATALOG_TABLE'),
      batchPrefix: cfg.BATCH_PREFIX,
      rawPrefix: cfg.RAW_PREFIX,
      shards: cfg.RAW_SHARDS,
      defaultCurrency: cfg.TAILOR_DEFAULT_CURRENCY,
      progressEvery: 50_000,
      startProfiling: async () => {
        if (!cfg.PROFILING_STATE_MACHINE_ARN) return undefined;
        try {
          return (
            await startProfilingRun('ingestion', {
              operations: table('OPERATIONS_TABLE'),
              workflow: workflow(),
            })
          ).runId;
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          logger.info('a profiling run is under way; the next run will include this upload');
          return undefined;
        }
      },
    });
    if (summary) logger.info('upload ingested', { ...summary });
    return summary ?? { skipped: detail.object.key };
  });

const shardSchema = z.object({
  shard: z.string().min(1),
  objects: z.number().int().min(0),
  bytes: z.number().min(0),
  shardCount: z.number().int().min(1),
});
const taskInputSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal('prepare'), runId: z.string().min(1) }),
  z.object({ step: z.literal('shard'), runId: z.string().min(1), shard: shardSchema }),
  z.object({ step: z.literal('fit'), runId: z.string().min(1) }),
  z.object({ step: z.literal('assign'), runId: z.string().min(1), shard: shardSchema }),
  z.object({ step: z.literal('finish'), runId: z.string().min(1) }),
  z.object({
    step: z.literal('fail'),
    runId: z.string().min(1),
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).default({}),
  }),
]);

/** The profiling run's Step Functions tasks; errors are thrown by name for Retry/Catch. */
export const runTask = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: unknown) => {
    const input = parseWith(taskInputSchema, event, 'task');
    const ports = {
      objects: objects(),
      operations: table('OPERATIONS_TABLE'),
      profiles: profileStore(),
      catalog: table('CATALOG_TABLE'),
      rawPrefix: config().RAW_PREFIX,
    };
    switch (input.step) {
      case 'prepare':
        return prepareRun(input.runId, ports);
      case 'shard':
        return profileShard(input.runId, input.shard, ports);
      case 'fit':
        return fitRun(input.runId, ports);
      case 'assign':
        return assignShard(input.runId, input.shard, ports);
      case 'finish':
        return finishRun(input.runId, ports);
      case 'fail':
        return failRun(input.runId, input.error, ports);
    }
  });

/** The EventBridge schedule: start a profiling run. */
export const schedule = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: unknown) => {
    const scheduled = parseWith(scheduledEventSchema, event, 'event');
    const run = await startProfilingRun('schedule', {
      operations: table('OPERATIONS_TABLE'),
      workflow: workflow(),
    });
    logger.info('scheduled profiling run started', { runId: run.runId, firedAt: scheduled.time });
    return run;
  });
