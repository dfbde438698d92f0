import { DynamoTable } from '../shared/adapters/dynamo-table';
import { S3ObjectStore } from '../shared/adapters/s3-object-store';
import { clients } from '../shared/clients';
import { config, requireSetting } from '../shared/config';
import { defineRoute, httpApi } from '../shared/http';
import { listModels } from './models';
import { ModelRegistry } from './registry';

let registry: ModelRegistry | undefined;
/** One registry per container, so loaded models are reused across invocations. */
const models = () => {
  registry ??= new ModelRegistry(
    new DynamoTable(clients(config()).dynamo, requireSetting(config(), 'MODELS_TABLE')),
    new S3ObjectStore(clients(config()).s3, requireSetting(config(), 'DATA_BUCKET')),
  );
  return registry;
};

/** HTTP routes of the predict group. */
export const api = httpApi('predict', {
  'GET /models': defineRoute({ handle: async () => ({ body: await listModels(models()) }) }),
});
