import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { api } from '../../../functions/predict/handler';
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
