import { idParamsSchema } from '../profile/schema';
import { DynamoTable } from '../shared/adapters/dynamo-table';
import { clients } from '../shared/clients';
import { config, requireSetting } from '../shared/config';
import { defineRoute, httpApi } from '../shared/http';
import { CampaignStore } from './store';

const store = () => {
  const { dynamo } = clients(config());
  return new CampaignStore(
    new DynamoTable(dynamo, requireSetting(config(), 'CAMPAIGNS_TABLE')),
    new DynamoTable(dynamo, requireSetting(config(), 'FEEDBACK_TABLE')),
  );
};

const notYet = (route: string) =>
  defineRoute({
    handle: async () => {
      throw new Error(`${route} is being wired`);
    },
  });

/** HTTP routes of the optimize group. */
export const api = httpApi('optimize', {
  'POST /campaigns': notYet('POST /campaigns'),
  'GET /campaigns': notYet('GET /campaigns'),
  'GET /campaigns/{id}': defineRoute({
    params: idParamsSchema,
    handle: async ({ params }) => ({ body: await store().getState(params.id) }),
  }),
  'GET /campaigns/{id}/decision': notYet('GET /campaigns/{id}/decision'),
  'GET /campaigns/{id}/report': notYet('GET /campaigns/{id}/report'),
  'POST /feedback': notYet('POST /feedback'),
  'POST /optimize/runs': notYet('POST /optimize/runs'),
  'GET /optimize/runs/{id}': notYet('GET /optimize/runs/{id}'),
});
