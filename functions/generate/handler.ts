import { completeEmbedded } from '../../model/embedded';
import { catalog, languageModel, profileStore, settings } from '../container';
import { defineRoute, httpApi } from '../shared/http';
import { task } from '../shared/steps';
import { generateForSegment } from './campaign-task';
import { type GeneratePorts, generateCopy } from './core';
import { generateBodySchema } from './schema';

/**
 * The core's ports, from the composition root. Each is reached for on use, so that a missing
 * setting surfaces as a ConfigurationError in the request that needs it (the catalog table only
 * when a request names products by id, the profiles table only when it names an audience).
 */
const ports = (): GeneratePorts => ({
  catalog: { getProducts: (ids) => catalog().getProducts(ids) },
  model: languageModel(),
  fallback: {
    invoke: async (request) => new TextEncoder().encode(JSON.stringify(completeEmbedded(request))),
  },
  audience: {
    profile: (userId) => profileStore().getProfile(userId),
    segment: (segmentId) => profileStore().getSegment(segmentId),
  },
  defaultCurrency: settings().TAILOR_DEFAULT_CURRENCY,
});

/** The generate group's HTTP function: `POST /generate`. */
export const api = httpApi('generate', {
  'POST /generate': defineRoute({
    body: generateBodySchema,
    handle: async ({ body }) => ({ body: await generateCopy(body, ports()) }),
  }),
});

/** The campaign-run and re-optimization task: copy variants for one segment (Step Functions). */
export const campaignTask = task((event) => generateForSegment(event, ports()));
