import { idParamsSchema } from '../profile/schema';
import { DynamoTable } from '../shared/adapters/dynamo-table';
import { clients } from '../shared/clients';
import { config, requireSetting } from '../shared/config';
import { defineRoute, httpApi } from '../shared/http';
import { getCampaign } from './campaigns';

const campaigns = () =>
  new DynamoTable(clients(config()).dynamo, requireSetting(config(), 'CAMPAIGNS_TABLE'));

/** HTTP routes of the optimize group. */
export const api = httpApi('optimize', {
  'GET /campaigns/{id}': defineRoute({
    params: idParamsSchema,
    handle: async ({ params }) => ({ body: await getCampaign(params.id, campaigns()) }),
  }),
});
