import * as z from 'zod';
import { ConflictError } from '../../core/errors';
import { tables, workflows } from '../container';
import { idParamsSchema } from '../profile/schema';
import { scheduledEventSchema } from '../shared/events';
import { defineRoute, httpApi } from '../shared/http';
import { logger } from '../shared/logger';
import { defineStep, stepTask, task } from '../shared/steps';
import { parseWith } from '../shared/validation';
import { createCampaign } from './campaign/create';
import { campaignStepSchema } from './campaign/schema';
import { campaignStep } from './campaign/step';
import { decide } from './decision/decide';
import { acceptFeedback } from './feedback/accept';
import { getOptimization, startOptimization } from './reoptimize/run';
import { optimizeStepSchema } from './reoptimize/schema';
import { optimizeStep } from './reoptimize/step';
import { liveVerdicts } from './reoptimize/verdicts';
import {
  campaignBodySchema,
  campaignListQuerySchema,
  decisionQuerySchema,
  feedbackBodySchema,
  optimizeRunBodySchema,
} from './schema';
import * as w from './wiring';

/** HTTP routes of the optimize group. */
export const api = httpApi('optimize', {
  'POST /campaigns': defineRoute({
    body: campaignBodySchema,
    handle: async ({ body }) => ({
      statusCode: 202,
      body: await createCampaign(body, { store: w.campaignStore(), workflow: workflows.campaign() }),
    }),
  }),
  'GET /campaigns': defineRoute({
    query: campaignListQuerySchema,
    handle: async ({ query }) => ({
      body: { campaigns: await w.campaignStore().listCampaigns(query.limit) },
    }),
  }),
  'GET /campaigns/{id}': defineRoute({
    params: idParamsSchema,
    handle: async ({ params }) => {
      const state = await w.campaignStore().getState(params.id);
      return { body: { ...state, live: liveVerdicts(state) } };
    },
  }),
  'GET /campaigns/{id}/decision': defineRoute({
    params: idParamsSchema,
    query: decisionQuerySchema,
    handle: async ({ params, query }) => ({
      body: await decide({ campaignId: params.id, userId: query.userId, at: query.at }, w.decisionPorts()),
    }),
  }),
  'GET /campaigns/{id}/report': defineRoute({
    params: idParamsSchema,
    query: z.object({ language: z.enum(['en', 'zh']).optional() }),
    // Written with its charts by each re-optimization; the Markdown here is always current.
    handle: async ({ params, query }) => ({ body: await w.currentReport(params.id, query.language) }),
  }),
  'POST /feedback': defineRoute({
    body: feedbackBodySchema,
    handle: async ({ body }) => w.feedbackAnswer(await acceptFeedback(body.events, w.feedbackPorts())),
  }),
  'POST /optimize/runs': defineRoute({
    body: optimizeRunBodySchema,
    handle: async ({ body }) => ({
      statusCode: 202,
      body: await startOptimization(body, 'api', {
        operations: tables.operations(),
        workflow: workflows.optimization(),
      }),
    }),
  }),
  'GET /optimize/runs/{id}': defineRoute({
    params: idParamsSchema,
    handle: async ({ params }) => ({
      body: await getOptimization(params.id, tables.operations(), workflows.optimization()),
    }),
  }),
});

/** The campaign run's Step Functions tasks; errors are thrown by name for Retry/Catch. */
const campaignStepRun = defineStep({
  input: campaignStepSchema,
  run: (input) => campaignStep(input, w.campaignRunPorts()),
});
export const campaignTask = stepTask('campaign run', {
  plan: campaignStepRun,
  select: campaignStepRun,
  messages: campaignStepRun,
  finish: campaignStepRun,
  fail: campaignStepRun,
});

/** The re-optimization's Step Functions tasks, and the campaign report written after each update. */
const optimizeStepRun = defineStep({
  input: optimizeStepSchema,
  run: (input) => optimizeStep(input, w.optimizePorts()),
});
export const optimizeTask = stepTask('re-optimization', {
  collect: optimizeStepRun,
  update: optimizeStepRun,
  enter: optimizeStepRun,
  report: defineStep({
    input: z.object({ runId: z.string().min(1), campaignId: z.string().min(1) }),
    run: ({ campaignId }) => w.writeReport(campaignId),
  }),
  retrain: optimizeStepRun,
  strategies: optimizeStepRun,
  export: optimizeStepRun,
  finish: optimizeStepRun,
  fail: optimizeStepRun,
});

/** The EventBridge schedule: start a re-optimization of every active campaign. */
export const schedule = task(async (event) => {
  const scheduled = parseWith(scheduledEventSchema, event, 'event');
  try {
    const run = await startOptimization({ breed: true }, 'schedule', {
      operations: tables.operations(),
      workflow: workflows.optimization(),
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
