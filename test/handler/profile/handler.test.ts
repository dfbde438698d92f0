import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { api, ingest, runTask, schedule } from '../../../functions/profile/handler';
import { resetClients } from '../../../functions/shared/clients';
import { resetConfig } from '../../../functions/shared/config';
import { answer, apiEvent, lambdaContext } from '../../support/fixtures';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
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

beforeEach(() => {
  dynamo.reset();
  s3.reset();
  sfn.reset();
});

describe('profile API handler', () => {
  it('stores accepted events in S3 after marking them seen in DynamoDB', async () => {
    dynamo.on(PutCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});
    const event = { userId: 'u1', type: 'view', productId: 'p', timestamp: '2026-01-01T00:00:00Z' };
    const { status, body } = answer(
      await api(apiEvent('POST /events', { body: { events: [event] } }), context),
    );
    expect(status).toBe(200);
    expect(body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'ops',
      ConditionExpression: 'attribute_not_exists(#k)',
    });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'data' });
  });

  it('returns 400 naming the field when the events list is missing', async () => {
    const { status, body } = answer(await api(apiEvent('POST /events', { body: { event: [] } }), context));
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^body\.events: /);
  });

  it('returns 400 when every event in the batch is rejected', async () => {
    const { status, body } = answer(
      await api(apiEvent('POST /events', { body: { events: [{ userId: 'u', type: 'view' }] } }), context),
    );
    expect(status).toBe(400);
    expect(body.rejected).toEqual([{ index: 0, reason: expect.stringMatching(/^timestamp: /) }]);
  });

  it('returns 404 for an unknown upload', async () => {
    dynamo.on(GetCommand).resolves({});
    const { status, body } = answer(
      await api(apiEvent('GET /uploads/{id}', { pathParameters: { id: 'nope' } }), context),
    );
    expect(status).toBe(404);
    expect(body.error.message).toBe('no upload nope');
  });

  it('starts the profiling state machine with the run id as execution name', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({ Attributes: {} });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
    const { status, body } = answer(await api(apiEvent('POST /profiles/runs', { body: {} }), context));
    expect(status).toBe(202);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:Profiling',
      name: body.runId,
    });
  });

  it('answers 500 without internals when DynamoDB fails', async () => {
    dynamo.on(GetCommand).rejects(new Error('connect ECONNREFUSED 10.0.0.1:443'));
    const { status, raw } = answer(
      await api(apiEvent('GET /uploads/{id}', { pathParameters: { id: 'x' } }), context),
    );
    expect(status).toBe(500);
    expect(raw).not.toMatch(/ECONNREFUSED/);
  });
});

describe('profile event handlers', () => {
  it('rejects an ingest event that is not an S3 Object Created event, by name', async () => {
    await expect(
      ingest({ source: 'aws.s3', 'detail-type': 'Object Deleted' }, context),
    ).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('rejects an unknown state machine step with a ValidationError Step Functions can catch', async () => {
    await expect(runTask({ step: 'explode', runId: 'r' }, context)).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('starts a profiling run on a scheduled event', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({ Attributes: {} });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
    const run = await schedule(
      { 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-01-01T00:00:00Z', resources: [] },
      context,
    );
    expect(run).toMatchObject({ trigger: 'schedule', status: 'starting' });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });
});

describe('profile runTask (the step table)', () => {
  // The run function is granted the profiles table too (lib/stacks/service-stack.ts).
  beforeAll(() => {
    process.env['PROFILES_TABLE'] = 'profiles';
    resetConfig();
  });

  it('records a failed run with the Catch error and frees the lock it holds', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: {} });
    dynamo.on(GetCommand, { TableName: 'ops', Key: { pk: 'RUN#ACTIVE', sk: 'RUN' } }).resolves({
      Item: { pk: 'RUN#ACTIVE', sk: 'RUN', runId: 'run-1' },
    });
    dynamo.on(DeleteCommand).resolves({});

    const out = await runTask(
      { step: 'fail', runId: 'run-1', error: { Error: 'ShardReadError', Cause: 'could not read' } },
      context,
    );

    expect(out).toEqual({ runId: 'run-1', status: 'failed' });
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'ops',
      Key: { pk: 'RUN#run-1', sk: 'RUN' },
    });
    const update = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(Object.values(update.ExpressionAttributeValues ?? {})).toEqual(
      expect.arrayContaining(['failed', 'ShardReadError: could not read']),
    );
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: 'ops',
      Key: { pk: 'RUN#ACTIVE', sk: 'RUN' },
    });
  });

  it('rejects a shard step without its shard descriptor, by name, before touching a table', async () => {
    await expect(runTask({ step: 'shard', runId: 'run-1' }, context)).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^task\.shard: /),
    });
    expect(dynamo.calls()).toHaveLength(0);
  });
});
