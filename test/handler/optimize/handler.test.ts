import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { api, campaignTask, optimizeTask, schedule } from '../../../functions/optimize/handler';
import { resetClients } from '../../../functions/shared/clients';
import { resetConfig } from '../../../functions/shared/config';
import { answer, apiEvent, lambdaContext } from '../../support/fixtures';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const context = lambdaContext('optimize');
const optimizationArn = 'arn:aws:states:us-east-1:1:stateMachine:Optimization';
const conditionFailed = Object.assign(new Error('The conditional request failed'), {
  name: 'ConditionalCheckFailedException',
});

beforeAll(() => {
  Object.assign(process.env, {
    OPERATIONS_TABLE: 'ops',
    CAMPAIGNS_TABLE: 'campaigns',
    FEEDBACK_TABLE: 'feedback',
    PROFILES_TABLE: 'profiles',
    CATALOG_TABLE: 'catalog',
    MODELS_TABLE: 'models',
    DATA_BUCKET: 'data',
    CAMPAIGN_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:1:stateMachine:Campaign',
    OPTIMIZATION_STATE_MACHINE_ARN: optimizationArn,
  });
  resetConfig();
  resetClients();
});

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
});

describe('optimize API handler', () => {
  it('starts a re-optimization with its own export thresholds, recorded on the run', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:1' });
    const { status, body } = answer(
      await api(
        apiEvent('POST /optimize/runs', {
          body: { breed: false, preferences: { minProbability: 0.8, minSends: 50 } },
        }),
        context,
      ),
    );
    expect(status).toBe(202);
    expect(body).toMatchObject({
      status: 'running',
      trigger: 'api',
      breed: false,
      preferences: { minProbability: 0.8, minSends: 50 },
      executionArn: 'arn:exec:1',
    });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'ops',
      Item: expect.objectContaining({ pk: 'OPTRUN#ACTIVE', runId: body.runId }),
      ConditionExpression: 'attribute_not_exists(#k)',
    });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'ops',
      Item: expect.objectContaining({
        pk: `OPTRUN#${body.runId}`,
        preferences: { minProbability: 0.8, minSends: 50 },
      }),
    });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: optimizationArn,
      name: body.runId,
      input: JSON.stringify({ runId: body.runId, campaignIds: null, breed: false, trigger: 'api' }),
    });
  });

  it('returns 409 naming the run under way when another re-optimization holds the lock', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed);
    dynamo.on(GetCommand, { TableName: 'ops', Key: { pk: 'OPTRUN#ACTIVE', sk: 'RUN' } }).resolves({
      Item: {
        pk: 'OPTRUN#ACTIVE',
        sk: 'RUN',
        runId: 'opt-busy',
        expiresAt: Math.floor(Date.now() / 1000) + 600,
      },
    });
    const { status, body } = answer(await api(apiEvent('POST /optimize/runs', { body: {} }), context));
    expect(status).toBe(409);
    expect(body.error.message).toBe('re-optimization opt-busy is already under way');
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('returns 400 when an export threshold cannot be a preference', async () => {
    const { status, body } = answer(
      await api(apiEvent('POST /optimize/runs', { body: { preferences: { minProbability: 0.3 } } }), context),
    );
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^body\.preferences\.minProbability: /);
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });

  it('returns 404 for an unknown re-optimization run', async () => {
    dynamo.on(GetCommand).resolves({});
    const { status, body } = answer(
      await api(apiEvent('GET /optimize/runs/{id}', { pathParameters: { id: 'opt-x' } }), context),
    );
    expect(status).toBe(404);
    expect(body.error.message).toBe('no re-optimization run opt-x');
  });

  it('returns 404 for the report of an unknown campaign', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(GetCommand).resolves({});
    const { status } = answer(
      await api(apiEvent('GET /campaigns/{id}/report', { pathParameters: { id: 'cmp-none' } }), context),
    );
    expect(status).toBe(404);
  });

  it('returns 400 when a campaign has no name', async () => {
    const { status, body } = answer(
      await api(apiEvent('POST /campaigns', { body: { goal: 'promotion' } }), context),
    );
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^body\./);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});

describe('optimize step tables', () => {
  it('records a failed campaign run from the Catch path, with the Lambda error’s message', async () => {
    dynamo.on(UpdateCommand).resolves({});
    const out = await campaignTask(
      {
        step: 'fail',
        campaignId: 'cmp-1',
        error: { Error: 'NotFoundError', Cause: JSON.stringify({ errorMessage: 'unknown product ids: p9' }) },
      },
      context,
    );
    expect(out).toEqual({
      campaignId: 'cmp-1',
      status: 'failed',
      error: { error: 'NotFoundError', cause: 'unknown product ids: p9' },
    });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'campaigns',
      Key: { pk: 'CAMPAIGN#cmp-1', sk: 'META' },
    });
  });

  it('throws a ValidationError for a step the campaign run does not have', async () => {
    await expect(campaignTask({ step: 'retrain', campaignId: 'cmp-1' }, context)).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('finishes a re-optimization: the record succeeded, its lock freed', async () => {
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(GetCommand, { TableName: 'ops', Key: { pk: 'OPTRUN#ACTIVE', sk: 'RUN' } }).resolves({
      Item: { pk: 'OPTRUN#ACTIVE', sk: 'RUN', runId: 'opt-1' },
    });
    dynamo.on(DeleteCommand).resolves({});
    const out = await optimizeTask({ step: 'finish', runId: 'opt-1', summary: { campaigns: 2 } }, context);
    expect(out).toMatchObject({ runId: 'opt-1', status: 'succeeded' });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'ops',
      Key: { pk: 'OPTRUN#opt-1', sk: 'RUN' },
    });
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: 'ops',
      Key: { pk: 'OPTRUN#ACTIVE', sk: 'RUN' },
    });
  });

  it('throws a ValidationError naming the field when a step input is malformed', async () => {
    await expect(
      optimizeTask({ step: 'update', runId: 'opt 1', campaignId: 'c' }, context),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^task\.runId: /),
    });
  });
});

describe('optimize schedule', () => {
  it('skips the firing when a re-optimization is already under way', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed);
    dynamo.on(GetCommand).resolves({
      Item: {
        pk: 'OPTRUN#ACTIVE',
        sk: 'RUN',
        runId: 'opt-busy',
        expiresAt: Math.floor(Date.now() / 1000) + 600,
      },
    });
    const out = await schedule(
      { source: 'aws.events', 'detail-type': 'Scheduled Event', time: '2026-01-01T00:00:00Z', detail: {} },
      context,
    );
    expect(out).toEqual({ skipped: 're-optimization opt-busy is already under way' });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});
