import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
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
    DATA_BUCKET: 'data',
    PROFILING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:1:stateMachine:Profiling',
  });
  resetConfig();
  resetClients();
});

beforeEach(() => dynamo.reset());

describe('GET /uploads', () => {
  it('reads the uploads index with the limit, then answers the records in index order', async () => {
    dynamo.on(QueryCommand).resolves({
      Items: [
        { pk: 'UPLOADS', sk: '1#b', uploadId: 'b' },
        { pk: 'UPLOADS', sk: '2#a', uploadId: 'a' },
      ],
    });
    dynamo.on(BatchGetCommand).resolves({
      Responses: {
        ops: [
          { pk: 'UPLOAD#a', sk: 'UPLOAD', uploadId: 'a', status: 'succeeded', rowsRead: 3 },
          { pk: 'UPLOAD#b', sk: 'UPLOAD', uploadId: 'b', status: 'ingesting' },
        ],
      },
    });
    const { status, body } = answer(await api(apiEvent('GET /uploads', { query: { limit: '2' } }), context));
    expect(status).toBe(200);
    expect(body.uploads).toEqual([
      { uploadId: 'b', status: 'ingesting' },
      { uploadId: 'a', status: 'succeeded', rowsRead: 3 },
    ]);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'ops',
      ExpressionAttributeValues: expect.objectContaining({ ':pk': 'UPLOADS' }),
      Limit: 2,
    });
  });

  it('returns 400 naming the parameter when the limit is out of range', async () => {
    const { status, body } = answer(await api(apiEvent('GET /uploads', { query: { limit: '0' } }), context));
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/limit/);
  });
});

describe('GET /profiles/runs', () => {
  it('answers the recent runs from the runs index, newest first as indexed', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [{ pk: 'RUNS', sk: '1#r2', runId: 'r2' }] });
    dynamo.on(BatchGetCommand).resolves({
      Responses: { ops: [{ pk: 'RUN#r2', sk: 'RUN', runId: 'r2', status: 'running', phase: 'fitting' }] },
    });
    const { status, body } = answer(await api(apiEvent('GET /profiles/runs'), context));
    expect(status).toBe(200);
    expect(body.runs).toEqual([{ runId: 'r2', status: 'running', phase: 'fitting' }]);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':pk': 'RUNS' }),
      Limit: 50,
    });
  });

  it('answers an empty list when no run was ever started', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const { status, body } = answer(await api(apiEvent('GET /profiles/runs'), context));
    expect(status).toBe(200);
    expect(body.runs).toEqual([]);
  });
});
