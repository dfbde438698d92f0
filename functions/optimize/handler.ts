import { idParamsSchema } from '../profile/schema';
import { TableProfileStore } from '../profile/store';
import { DynamoTable } from '../shared/adapters/dynamo-table';
import { clients } from '../shared/clients';
import { config, requireSetting, type Setting } from '../shared/config';
import { NotFoundError } from '../shared/errors';
import { defineRoute, httpApi } from '../shared/http';
import { decide } from './decision';
import { acceptFeedback } from './feedback';
import { decisionQuerySchema, feedbackBodySchema } from './schema';
import { CampaignStore } from './store';

const table = (name: Extract<Setting, `${string}_TABLE`>) =>
  new DynamoTable(clients(config()).dynamo, requireSetting(config(), name));
const store = () => new CampaignStore(table('CAMPAIGNS_TABLE'), table('FEEDBACK_TABLE'));
const profiles = () => new TableProfileStore(table('PROFILES_TABLE'));

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
  'GET /campaigns/{id}/decision': defineRoute({
    params: idParamsSchema,
    query: decisionQuerySchema,
    handle: async ({ params, query }) => ({
      body: await decide(
        { campaignId: params.id, userId: query.userId, at: query.at },
        { store: store(), profiles: profiles(), impressionTtlDays: config().IMPRESSION_TTL_DAYS },
      ),
    }),
  }),
  'GET /campaigns/{id}/report': notYet('GET /campaigns/{id}/report'),
  'POST /feedback': defineRoute({
    body: feedbackBodySchema,
    handle: async ({ body }) => {
      const result = await acceptFeedback(body.events, { store: store(), ttlDays: config().FEEDBACK_TTL_DAYS });
      if (result.unknown.length > 0) {
        throw new NotFoundError(
          `${result.unknown.length} event(s) name an impression, campaign or variant that does not exist; the other events were processed`,
          result,
        );
      }
      const invalid = result.rejected.length > 0 && result.accepted + result.duplicates === 0;
      return { statusCode: invalid ? 400 : 200, body: result };
    },
  }),
  'POST /optimize/runs': notYet('POST /optimize/runs'),
  'GET /optimize/runs/{id}': notYet('GET /optimize/runs/{id}'),
});
