import * as z from 'zod';
import { ConflictError, NotFoundError } from '../../core/errors';
import { tables, workflows } from '../container';
import { idParamsSchema } from '../profile/schema';
import { scheduledEventSchema } from '../shared/events';
import { binary, defineRoute, httpApi, page, redirect } from '../shared/http';
import { logger } from '../shared/logger';
import { defineStep, stepTask, task } from '../shared/steps';
import { parseWith } from '../shared/validation';
import { createCampaign } from './campaign/create';
import { campaignStepSchema } from './campaign/schema';
import { campaignStep } from './campaign/step';
import { decide } from './decision/decide';
import { acceptFeedback } from './feedback/accept';
import { followClick, followOpen, followUnsubscribe, pixelGif, unsubscribeTarget } from './links/follow';
import { confirmPage, donePage, pageLanguage, unknownLinkPage } from './links/pages';
import { maxTokenLength } from './links/token';
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

/** A tracked link's token (its signature is checked by the use case). */
const tokenParams = z.object({ token: z.string().min(1).max(maxTokenLength) });
const pageQuery = z.object({ lang: z.string().optional() });

/** An unsubscribe page's answer: the page, or the unknown-link page (404) for a token that is not real. */
async function linkPage(
  language: 'en' | 'zh',
  render: () => Promise<string>,
): Promise<ReturnType<typeof page>> {
  try {
    return page(200, await render());
  } catch (error) {
    if (error instanceof NotFoundError) return page(404, unknownLinkPage(language));
    throw error;
  }
}

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
      body: await decide(
        { campaignId: params.id, userId: query.userId, at: query.at },
        await w.decisionPorts(),
      ),
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
  // A click: counted once, then 302 to the campaign's own URL; a token that is not real is a
  // 404 without Location (the JSON error).
  'GET /r/{token}': defineRoute({
    params: tokenParams,
    handle: async ({ params }) => redirect((await followClick(params.token, await w.linkPorts())).location),
  }),
  // The open pixel answers its GIF whatever happens, so a mail client never shows a broken image.
  'GET /o/{token}': defineRoute({
    params: z.object({ token: z.string().default('') }),
    handle: async ({ params }) => {
      try {
        await followOpen(params.token, await w.linkPorts());
      } catch (error) {
        if (!(error instanceof NotFoundError))
          logger.warn('open pixel not counted', { error: error as Error });
      }
      return binary(200, 'image/gif', pixelGif);
    },
  }),
  'GET /u/{token}': defineRoute({
    params: tokenParams,
    query: pageQuery,
    handle: async ({ params, query, headers }) => {
      const language = pageLanguage(query.lang, headers['accept-language']);
      return linkPage(language, async () => {
        await unsubscribeTarget(params.token, await w.linkPorts());
        return confirmPage(language, `${params.token}${query.lang ? `?lang=${language}` : ''}`);
      });
    },
  }),
  // RFC 8058 one-click: the mail client posts `List-Unsubscribe=One-Click`; the confirmation
  // page's form posts the same. The body is not read.
  'POST /u/{token}': defineRoute({
    params: tokenParams,
    query: pageQuery,
    ignoreBody: true,
    handle: async ({ params, query, headers }) => {
      const language = pageLanguage(query.lang, headers['accept-language']);
      return linkPage(language, async () => {
        await followUnsubscribe(params.token, await w.linkPorts());
        return donePage(language);
      });
    },
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
