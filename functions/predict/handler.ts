import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { TableProfileStore } from '../profile/store';
import { DynamoTable } from '../shared/adapters/dynamo-table';
import { S3ObjectStore } from '../shared/adapters/s3-object-store';
import { clients } from '../shared/clients';
import { config, requireSetting } from '../shared/config';
import { defineRoute, httpApi } from '../shared/http';
import { logger } from '../shared/logger';
import { audienceOf } from './audience';
import { predictForSegment } from './campaign-task';
import { type PredictPorts, predict } from './core';
import { DEFAULT_BITS } from './kernels/hashing';
import { listModels } from './models';
import { ModelRegistry } from './registry';
import { predictBodySchema } from './schema';

let registry: ModelRegistry | undefined;
/** One registry per container, so loaded models are reused across invocations. */
const models = () => {
  registry ??= new ModelRegistry(
    new DynamoTable(clients(config()).dynamo, requireSetting(config(), 'MODELS_TABLE')),
    new S3ObjectStore(clients(config()).s3, requireSetting(config(), 'DATA_BUCKET')),
  );
  return registry;
};

const profiles = () =>
  new TableProfileStore(
    new DynamoTable(clients(config()).dynamo, requireSetting(config(), 'PROFILES_TABLE')),
  );

/** The predictor's ports, wired to this container's registry and profiles. */
const ports = (): PredictPorts => ({
  audience: (input) => audienceOf(input, profiles()),
  serving: (name) => models().serving(name),
  bits: DEFAULT_BITS,
});

/** HTTP routes of the predict group. */
export const api = httpApi('predict', {
  'GET /models': defineRoute({ handle: async () => ({ body: await listModels(models()) }) }),
  'POST /predict': defineRoute({
    body: predictBodySchema,
    handle: async ({ body }) => ({ body: await predict(body, ports()) }),
  }),
});

/** The campaign-run and re-optimization task: predictions for one segment's variants (Step Functions). */
export const campaignTask = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: unknown) => predictForSegment(event, ports()));
