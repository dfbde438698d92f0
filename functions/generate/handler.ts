import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { completeEmbedded } from '../../model/embedded';
import { TableProfileStore } from '../profile/store';
import { DynamoTable } from '../shared/adapters/dynamo-table';
import { clients } from '../shared/clients';
import { config, requireSetting } from '../shared/config';
import { defineRoute, httpApi } from '../shared/http';
import { logger } from '../shared/logger';
import { sagemakerModel, tableCatalog } from './adapters';
import { generateForSegment } from './campaign-task';
import { type GeneratePorts, generateCopy } from './core';
import { generateBodySchema } from './schema';

/**
 * The core's ports, wired to this container's clients. Built on use so that a missing setting
 * surfaces as a ConfigurationError in the request that needs it (the catalog table only when a
 * request names products by id).
 */
function ports(): GeneratePorts {
  const cfg = config();
  const { dynamo, sagemaker } = clients(cfg);
  return {
    catalog: {
      getProducts: (ids) =>
        tableCatalog(new DynamoTable(dynamo, requireSetting(cfg, 'CATALOG_TABLE'))).getProducts(ids),
    },
    model: sagemakerModel(sagemaker, { endpointName: requireSetting(cfg, 'MODEL_ENDPOINT_NAME') }),
    fallback: {
      invoke: async (request) => new TextEncoder().encode(JSON.stringify(completeEmbedded(request))),
    },
    audience: {
      profile: (userId) => profiles().getProfile(userId),
      segment: (segmentId) => profiles().getSegment(segmentId),
    },
    defaultCurrency: cfg.TAILOR_DEFAULT_CURRENCY,
  };
  function profiles() {
    return new TableProfileStore(new DynamoTable(dynamo, requireSetting(cfg, 'PROFILES_TABLE')));
  }
}

/** The generate group's HTTP function: `POST /generate`. */
export const api = httpApi('generate', {
  'POST /generate': defineRoute({
    body: generateBodySchema,
    handle: async ({ body }) => ({ body: await generateCopy(body, ports()) }),
  }),
});

/** The campaign-run and re-optimization task: copy variants for one segment (Step Functions). */
export const campaignTask = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: unknown) => generateForSegment(event, ports()));
