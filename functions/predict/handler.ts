import { modelRegistry, profileStore } from '../container';
import { defineRoute, httpApi } from '../shared/http';
import { task } from '../shared/steps';
import { audienceOf } from './audience';
import { predictForSegment } from './campaign-task';
import { type PredictPorts, predict } from './core';
import { DEFAULT_BITS } from './kernels/hashing';
import { listModels } from './models';
import { predictBodySchema } from './schema';

/** The predictor's ports: the container's registry (models loaded once) and profiles. */
const ports = (): PredictPorts => ({
  audience: (input) => audienceOf(input, profileStore()),
  serving: (name) => modelRegistry().serving(name),
  bits: DEFAULT_BITS,
});

/** HTTP routes of the predict group. */
export const api = httpApi('predict', {
  'GET /models': defineRoute({ handle: async () => ({ body: await listModels(modelRegistry()) }) }),
  'POST /predict': defineRoute({
    body: predictBodySchema,
    handle: async ({ body }) => ({ body: await predict(body, ports()) }),
  }),
});

/** The campaign-run and re-optimization task: predictions for one segment's variants (Step Functions). */
export const campaignTask = task((event) => predictForSegment(event, ports()));
