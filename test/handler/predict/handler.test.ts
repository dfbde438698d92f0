import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { api, campaignTask } from '../../../functions/predict/handler';
import { resetClients } from '../../../functions/shared/clients';
import { resetConfig } from '../../../functions/shared/config';
import { answer, apiEvent, lambdaContext } from '../../support/fixtures';

const dynamo = mockClient(DynamoDBDocumentClient);
const context = lambdaContext('predict');
const variant = { headline: 'Hello', goal: 'promotion', channel: 'sms', language: 'en' };

beforeAll(() => {
  Object.assign(process.env, { MODELS_TABLE: 'models', PROFILES_TABLE: 'profiles', DATA_BUCKET: 'data' });
  resetConfig();
  resetClients();
});
beforeEach(() => dynamo.reset());

describe('predict API handler', () => {
  it('scores variants for a segment from the priors when no model serves', async () => {
    dynamo
      .on(GetCommand, { TableName: 'profiles', Key: { pk: 'CURRENT', sk: 'SEGMENTS' } })
      .resolves({ Item: { runId: 'r1' } });
    dynamo.on(GetCommand, { TableName: 'profiles', Key: { pk: 'SEGMENTS#r1', sk: 'seg-1' } }).resolves({
      Item: {
        segmentId: 'seg-1',
        tier: 'at-risk',
        priceBand: 'mid',
        topCategories: [],
        averages: { recencyDays: 200, frequency: 2, monetary: 80 },
      },
    });
    dynamo.on(GetCommand, { TableName: 'models' }).resolves({});
    const { status, body } = answer(
      await api(apiEvent('POST /predict', { body: { segmentId: 'seg-1', variants: [variant] } }), context),
    );
    expect(status).toBe(200);
    expect(body.audience).toEqual({ segmentId: 'seg-1', tier: 'at-risk' });
    expect(body.predictions[0].source.ctr).toBe('prior');
  });

  it('returns 404 for an unknown segment', async () => {
    dynamo.on(GetCommand).resolves({});
    const { status, body } = answer(
      await api(apiEvent('POST /predict', { body: { segmentId: 'nope', variants: [variant] } }), context),
    );
    expect(status).toBe(404);
    expect(body.error.message).toMatch(/no segment nope/);
  });

  it('returns 400 naming the field when more than 100 variants are sent', async () => {
    const { status, body } = answer(
      await api(
        apiEvent('POST /predict', { body: { userId: 'u', variants: Array(101).fill(variant) } }),
        context,
      ),
    );
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^body\.variants: /);
  });

  it('lists every model with its versions', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const { status, body } = answer(await api(apiEvent('GET /models'), context));
    expect(status).toBe(200);
    expect(body.models.map((m: { model: string }) => m.model)).toEqual(['ctr', 'cvr', 'uplift']);
  });
});

describe('predict campaignTask (Step Functions)', () => {
  const generated = {
    segmentId: 'all',
    promptVersion: 'v1',
    seed: 1,
    variants: [
      {
        variantId: 'v-1',
        headline: 'Hello',
        body: 'New running shoes are in.',
        callToAction: 'Shop now',
        factsUsed: [],
        rendered: { channel: 'push', title: 'Hello', body: 'New running shoes are in.' },
        checks: [],
      },
    ],
    dropped: [],
    products: [{ productId: 'p1', category: 'Running shoes', price: 89.9 }],
  };

  it('scores the generated variants of the `all` pseudo-segment through the middy chain', async () => {
    dynamo.on(GetCommand, { TableName: 'models' }).resolves({});
    const out = (await campaignTask(
      { segmentId: 'all', goal: 'promotion', channel: 'push', language: 'en', generated },
      context,
    )) as { segmentId: string; predictions: Array<{ variantId: string; source: { ctr: string } }> };
    expect(out.segmentId).toBe('all');
    expect(out.predictions.map((p) => p.variantId)).toEqual(['v-1']);
    expect(out.predictions[0]?.source.ctr).toBe('prior');
  });

  it('throws a ValidationError Step Functions can catch when the generated copy is missing', async () => {
    await expect(
      campaignTask({ segmentId: 'all', goal: 'promotion', channel: 'push', language: 'en' }, context),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
