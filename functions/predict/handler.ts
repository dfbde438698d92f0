import { DynamoTable } from '../shared/adapters/dynamo-table';
import { clients } from '../shared/clients';
import { config, requireSetting } from '../shared/config';
import { defineRoute, httpApi } from '../shared/http';
import { listModels } from './models';

const registry = () => new DynamoTable(clients(config()).dynamo, requireSetting(config(), 'MODELS_TABLE'));

/** HTTP routes of the predict group. */
export const api = httpApi('predict', {
  'GET /models': defineRoute({ handle: async () => ({ body: await listModels(registry()) }) }),
});
