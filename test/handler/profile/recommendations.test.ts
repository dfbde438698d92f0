import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { api } from '../../../functions/profile/handler';
import { resetClients } from '../../../functions/shared/clients';
import { resetConfig } from '../../../functions/shared/config';
import { answer, apiEvent, lambdaContext } from '../../support/fixtures';

const dynamo = mockClient(DynamoDBDocumentClient);
const context = lambdaContext('profile');

beforeAll(() => {
  Object.assign(process.env, {
    OPERATIONS_TABLE: 'ops',
    CATALOG_TABLE: 'catalog',
    PROFILES_TABLE: 'profiles',
    DATA_BUCKET: 'data',
    PROFILING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:1:stateMachine:Profiling',
  });
  resetConfig();
  resetClients();
});

beforeEach(() => dynamo.reset());

const profile = {
  pk: 'USER#u1',
  sk: 'PROFILE',
  userId: 'u1',
  segmentId: 'seg-1',
  runId: 'r1',
  recommendations: [
    { productId: 'A', score: 2.5, source: 'history', becauseProductId: 'A' },
    { productId: 'B', score: 1.25, source: 'neighbours', becauseProductId: 'A' },
    { productId: 'C', score: 0.5, source: 'popularity' },
  ],
  discover: [{ productId: 'B', score: 1.1, source: 'neighbours', becauseProductId: 'A' }],
};

describe('GET /recommendations', () => {
  it('answers the user’s list best first with reasons in words naming the product', async () => {
    dynamo.on(GetCommand).resolves({ Item: profile });
    dynamo.on(BatchGetCommand).resolves({ Responses: { catalog: [{ productId: 'A', title: 'Red mug' }] } });
    const { status, body } = answer(
      await api(apiEvent('GET /recommendations', { query: { userId: 'u1', limit: '2' } }), context),
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      userId: 'u1',
      items: [
        { productId: 'A', score: 2.5, reason: 'you bought Red mug', source: 'history' },
        {
          productId: 'B',
          score: 1.25,
          reason: 'people who bought Red mug also bought this',
          source: 'neighbours',
        },
      ],
    });
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'profiles',
      Key: { pk: 'USER#u1', sk: 'PROFILE' },
    });
  });

  it('answers only never-bought products with exclude=purchased', async () => {
    dynamo.on(GetCommand).resolves({ Item: profile });
    dynamo.on(BatchGetCommand).resolves({ Responses: { catalog: [] } });
    const { status, body } = answer(
      await api(apiEvent('GET /recommendations', { query: { userId: 'u1', exclude: 'purchased' } }), context),
    );
    expect(status).toBe(200);
    expect(body.items.map((i: { productId: string }) => i.productId)).toEqual(['B']);
  });

  it('answers a user with no purchases their segment’s picks', async () => {
    // The profile, then the current-segments pointer and the segment (both answered by the second branch).
    dynamo.on(GetCommand).callsFake((input: { Key: { pk: string } }) =>
      input.Key.pk === 'USER#u2'
        ? { Item: { pk: 'USER#u2', sk: 'PROFILE', userId: 'u2', segmentId: 'browsers', runId: 'r1' } }
        : {
            Item: {
              segmentId: 'browsers',
              runId: 'r1',
              picks: [
                { productId: 'X', buyers: 8 },
                { productId: 'Y', buyers: 2 },
              ],
            },
          },
    );
    const { status, body } = answer(
      await api(apiEvent('GET /recommendations', { query: { userId: 'u2' } }), context),
    );
    expect(status).toBe(200);
    expect(body.items).toEqual([
      { productId: 'X', score: 1, reason: 'popular in your segment', source: 'segment' },
      { productId: 'Y', score: 0.25, reason: 'popular in your segment', source: 'segment' },
    ]);
  });

  it('returns 404 naming an unknown user', async () => {
    dynamo.on(GetCommand).resolves({});
    const { status, body } = answer(
      await api(apiEvent('GET /recommendations', { query: { userId: 'ghost' } }), context),
    );
    expect(status).toBe(404);
    expect(body.error.message).toMatch(/ghost/);
  });

  it.each(['0', '21', 'ten'])('returns 400 naming the limit when it is %s', async (limit) => {
    const { status, body } = answer(
      await api(apiEvent('GET /recommendations', { query: { userId: 'u1', limit } }), context),
    );
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/limit/);
  });

  it('returns 400 when the user id is missing or exclude is not "purchased"', async () => {
    const missing = answer(await api(apiEvent('GET /recommendations', { query: {} }), context));
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/userId/);
    const bad = answer(
      await api(apiEvent('GET /recommendations', { query: { userId: 'u1', exclude: 'viewed' } }), context),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/exclude/);
  });
});
