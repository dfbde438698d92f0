import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../../core/errors';
import { tableCatalog } from '../generate/adapters';
import { ModelRegistry } from '../predict/registry';
import { idParamsSchema } from '../profile/schema';
import { TableProfileStore } from '../profile/store';
import { DynamoTable } from '../shared/adapters/dynamo-table';
import { S3ObjectStore } from '../shared/adapters/s3-object-store';
import { StepFunctionsWorkflow } from '../shared/adapters/workflow';
import { clients } from '../shared/clients';
import { config, requireSetting, type Setting } from '../shared/config';
import { scheduledEventSchema } from '../shared/events';
import { defineRoute, httpApi } from '../shared/http';
import { logger } from '../shared/logger';
import { parseWith } from '../shared/validation';
import { campaignStep, campaignStepSchema, createCampaign, parseUserList } from './campaign-run';
import { decide } from './decision';
import { acceptFeedback } from './feedback';
import {
  getOptimization,
  liveVerdicts,
  optimizeStep,
  optimizeStepSchema,
  startOptimization,
} from './reoptimize';
import { campaignReport, writeCampaignReport } from './report';
import {
  campaignBodySchema,
  campaignListQuerySchema,
  decisionQuerySchema,
  feedbackBodySchema,
  optimizeRunBodySchema,
} from './schema';
import { CampaignStore } from './store';

const table = (name: Extract<Setting, `${string}_TABLE`>) =>
  new DynamoTable(clients(config()).dynamo, requireSetting(config(), name));
const objects = () => new S3ObjectStore(clients(config()).s3, requireSetting(config(), 'DATA_BUCKET'));
let campaignStore: CampaignStore | undefined;
/** One store per container: the decision's short-lived campaign-state cache lives on it. */
const store = () => {
  campaignStore ??= new CampaignStore(table('CAMPAIGNS_TABLE'), table('FEEDBACK_TABLE'));
  return campaignStore;
};
const profiles = () => new TableProfileStore(table('PROFILES_TABLE'));
const workflow = (arn: 'CAMPAIGN_STATE_MACHINE_ARN' | 'OPTIMIZATION_STATE_MACHINE_ARN') =>
  new StepFunctionsWorkflow(clients(config()).sfn, requireSetting(config(), arn));

/** A user-list audience's ids, read from the data bucket. */
async function userList(key: string): Promise<string[]> {
  const text = await objects().getText(key);
  if (text === undefined) throw new NotFoundError(`no user list at ${key} in the data bucket`);
  return parseUserList(text, key);
}

/** HTTP routes of the optimize group. */
export const api = httpApi('optimize', {
  'POST /campaigns': defineRoute({
    body: campaignBodySchema,
    handle: async ({ body }) => ({
      statusCode: 202,
      body: await createCampaign(body, { store: store(), workflow: workflow('CAMPAIGN_STATE_MACHINE_ARN') }),
    }),
  }),
  'GET /campaigns': defineRoute({
    query: campaignListQuerySchema,
    handle: async ({ query }) => ({ body: { campaigns: await store().listCampaigns(query.limit) } }),
  }),
  'GET /campaigns/{id}': defineRoute({
    params: idParamsSchema,
    handle: async ({ params }) => {
      const state = await store().getState(params.id);
      return { body: { ...state, live: liveVerdicts(state) } };
    },
  }),
  'GET /campaigns/{id}/decision': defineRoute({
    params: idParamsSchema,
    query: decisionQuerySchema,
    handle: async ({ params, query }) => ({
      body: await decide(
        { campaignId: params.id, userId: query.userId, at: query.at },
        {
          store: store(),
          profiles: profiles(),
          impressionTtlDays: config().IMPRESSION_TTL_DAYS,
          userList,
        },
      ),
    }),
  }),
  'GET /campaigns/{id}/report': defineRoute({
    params: idParamsSchema,
    query: z.object({ language: z.enum(['en', 'zh']).optional() }),
    handle: async ({ params, query }) => {
      const state = await store().getState(params.id);
      const language = query.language ?? state.campaign.spec.language;
      // Written with its charts by each re-optimization; the Markdown here is always current.
      return {
        body: {
          key: state.campaign.reportKey ?? null,
          markdown: campaignReport(state, { language }).markdown,
        },
      };
    },
  }),
  'POST /feedback': defineRoute({
    body: feedbackBodySchema,
    handle: async ({ body }) => {
      const result = await acceptFeedback(body.events, {
        store: store(),
        ttlDays: config().FEEDBACK_TTL_DAYS,
      });
      if (result.unknown.length > 0) {
        throw new NotFoundError(
          `${result.unknown.length} event(s) name an impression, campaign or variant that does not exist; the other events were processed`,
          result,
        );
      }
      const invalid = result.rejected.length > 0 && result.accepted + result.duplicates === 0;
      return { statusCode: invalid ? 400 : 200, body: result };
    },
  }),
  'POST /optimize/runs': defineRoute({
    body: optimizeRunBodySchema,
    handle: async ({ body }) => ({
      statusCode: 202,
      body: await startOptimization(body, 'api', {
        operations: table('OPERATIONS_TABLE'),
        workflow: workflow('OPTIMIZATION_STATE_MACHINE_ARN'),
      }),
    }),
  }),
  'GET /optimize/runs/{id}': defineRoute({
    params: idParamsSchema,
    handle: async ({ params }) => ({ body: await getOptimization(params.id, table('OPERATIONS_TABLE')) }),
  }),
});

/** The campaign run's Step Functions tasks; errors are thrown by name for Retry/Catch. */
export const campaignTask = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: unknown) =>
    campaignStep(parseWith(campaignStepSchema, event, 'task'), {
      store: store(),
      profiles: profiles(),
      objects: objects(),
      catalog: tableCatalog(table('CATALOG_TABLE')),
    }),
  );

const reportStepSchema = z.object({
  step: z.literal('report'),
  runId: z.string().min(1),
  campaignId: z.string().min(1),
});

/** The re-optimization's Step Functions tasks, and the campaign report written after each update. */
export const optimizeTask = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: unknown) => {
    if ((event as { step?: unknown } | null)?.step === 'report') {
      const { campaignId } = parseWith(reportStepSchema, event, 'task');
      const campaigns = store();
      const state = await campaigns.getState(campaignId);
      const written = await writeCampaignReport(state, objects(), { language: state.campaign.spec.language });
      await campaigns.updateCampaign(campaignId, { reportKey: written.key });
      return { campaignId, ...written };
    }
    return optimizeStep(parseWith(optimizeStepSchema, event, 'task'), {
      store: store(),
      operations: table('OPERATIONS_TABLE'),
      profilesTable: table('PROFILES_TABLE'),
      objects: objects(),
      registry: new ModelRegistry(table('MODELS_TABLE'), objects()),
      profiles: profiles(),
      catalog: tableCatalog(table('CATALOG_TABLE')),
    });
  });

/** The EventBridge schedule: start a re-optimization of every active campaign. */
export const schedule = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: unknown) => {
    const scheduled = parseWith(scheduledEventSchema, event, 'event');
    try {
      const run = await startOptimization({ breed: true }, 'schedule', {
        operations: table('OPERATIONS_TABLE'),
        workflow: workflow('OPTIMIZATION_STATE_MACHINE_ARN'),
      });
      logger.info('scheduled re-optimization started', { runId: run.runId, firedAt: scheduled.time });
      return run;
    } catch (error) {
      // One run at a time: the run under way covers this firing, so there is nothing to retry.
      if (!(error instanceof ConflictError)) throw error;
      logger.info('scheduled re-optimization skipped', { reason: error.message, firedAt: scheduled.time });
      return { skipped: error.message };
    }
  });
