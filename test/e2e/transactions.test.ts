import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CampaignStore, counterShards } from '../../functions/optimize/store';
import { DynamoTable } from '../../functions/shared/adapters/dynamo-table';
import { dynamoEngineFromEnv, type LocalDynamo, startDynamo } from '../../local/dynamodb';

/**
 * TransactWriteItems on the local DynamoDB the suite runs on (dynalite through the layer in
 * `local/transactions.ts`, or DynamoDB Local natively, by TAILOR_DYNAMODB): the same requests,
 * the same answers. Feedback's exactly-once rests on it.
 */
jest.setTimeout(120_000);

const engine = dynamoEngineFromEnv(process.env);
let dir: string;
let dynamo: LocalDynamo;
let raw: DynamoDBClient;
let store: CampaignStore;

const clientOf = (url: string) =>
  new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

async function createTables(client: DynamoDBClient): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: 'campaigns',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  await client.send(
    new CreateTableCommand({
      TableName: 'feedback',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'eventId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tailor-tx-'));
  dynamo = await startDynamo({ engine, host: '127.0.0.1', port: 0, dir: path.join(dir, 'dynamodb') });
  raw = clientOf(dynamo.url);
  await createTables(raw);
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const campaigns = new DynamoTable(doc, 'campaigns');
  store = new CampaignStore(campaigns, new DynamoTable(doc, 'feedback'));
  await campaigns.put({ pk: 'CAMPAIGN#c1', sk: 'META', campaignId: 'c1' });
  await store.putVariants([
    { campaignId: 'c1', segmentId: 's1', variantId: 'v1', kind: 'generated' } as never,
  ]);
});

afterAll(async () => {
  raw?.destroy();
  await dynamo?.close();
  rmSync(dir, { recursive: true, force: true });
});

const arm = { campaignId: 'c1', segmentId: 's1', variantId: 'v1' };
const now = new Date('2026-03-01T10:00:00Z');

describe(`TransactWriteItems on ${engine}`, () => {
  it('counts one event sent 20 times at once exactly once', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        store.countEvent('burst-1', { type: 'conversion' }, 1, now, arm, { conversions: 1, value: 12.5 }, 10),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const state = await store.getState('c1');
    expect(state.counters[0]).toMatchObject({ conversions: 1, value: 12.5 });
    expect((await store.hourCounts('c1'))['s1']).toEqual({ conversions_10: 1 });
  });

  it('spreads distinct events over the shards and sums them on read', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `click-${i}`);
    const results = await Promise.all(
      ids.map((id) => store.countEvent(id, { type: 'click' }, 1, now, arm, { clicks: 1 }, 9)),
    );
    expect(results.every(Boolean)).toBe(true);
    expect((await store.getState('c1')).counters[0]).toMatchObject({ clicks: 60, conversions: 1 });
    const items = await new DynamoTable(DynamoDBDocumentClient.from(raw), 'campaigns').query(
      'pk',
      'CAMPAIGN#c1',
    );
    const shards = items.filter((i) => String(i['sk']).startsWith('COUNTERS#'));
    expect(shards.length).toBeGreaterThan(1);
    expect(shards.length).toBeLessThanOrEqual(counterShards);
  });

  it('writes nothing when one condition fails, and answers the reasons as AWS does', async () => {
    await raw.send(new PutItemCommand({ TableName: 'feedback', Item: { eventId: { S: 'taken' } } }));
    const attempt = raw.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: 'campaigns',
              Key: { pk: { S: 'CAMPAIGN#c1' }, sk: { S: 'ATOMIC' } },
              UpdateExpression: 'ADD n :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
          {
            Put: {
              TableName: 'feedback',
              Item: { eventId: { S: 'taken' }, other: { S: 'x' } },
              ConditionExpression: 'attribute_not_exists(eventId)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
        ],
      }),
    );
    await expect(attempt).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'ConditionalCheckFailed', Item: { eventId: { S: 'taken' } } },
      ],
    });
    const after = await raw.send(
      new GetItemCommand({ TableName: 'campaigns', Key: { pk: { S: 'CAMPAIGN#c1' }, sk: { S: 'ATOMIC' } } }),
    );
    expect(after.Item).toBeUndefined();
    const marker = await raw.send(
      new GetItemCommand({ TableName: 'feedback', Key: { eventId: { S: 'taken' } } }),
    );
    expect(marker.Item).toEqual({ eventId: { S: 'taken' } });
  });

  it('refuses two actions on one item with a ValidationException', async () => {
    const key = { pk: { S: 'CAMPAIGN#c1' }, sk: { S: 'TWICE' } };
    const update = {
      TableName: 'campaigns',
      Key: key,
      UpdateExpression: 'ADD n :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
    };
    await expect(
      raw.send(new TransactWriteItemsCommand({ TransactItems: [{ Update: update }, { Update: update }] })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    expect((await raw.send(new GetItemCommand({ TableName: 'campaigns', Key: key }))).Item).toBeUndefined();
  });

  // The undo journal is the dynalite layer's own: DynamoDB Local keeps transactions atomic itself.
  (engine === 'dynalite' ? it : it.skip)(
    'undoes, at the next start, a transaction whose process died midway',
    async () => {
      // The state a SIGKILL leaves after the first of two actions: the marker written, the
      // journal (before-images: both absent) on disk, the counter not yet added.
      await raw.send(
        new PutItemCommand({ TableName: 'feedback', Item: { eventId: { S: 'FEEDBACK#half' } } }),
      );
      writeFileSync(
        path.join(`${path.join(dir, 'dynamodb')}-transactions`, '0-crashed.json'),
        JSON.stringify([
          { table: 'feedback', key: { eventId: { S: 'FEEDBACK#half' } }, item: null },
          {
            table: 'campaigns',
            key: { pk: { S: 'CAMPAIGN#c1' }, sk: { S: 'COUNTERS#0#s1#v1' } },
            item: null,
          },
        ]),
      );
      raw.destroy();
      await dynamo.close();
      dynamo = await startDynamo({ engine, host: '127.0.0.1', port: 0, dir: path.join(dir, 'dynamodb') });
      raw = clientOf(dynamo.url);
      const marker = await raw.send(
        new GetItemCommand({ TableName: 'feedback', Key: { eventId: { S: 'FEEDBACK#half' } } }),
      );
      expect(marker.Item).toBeUndefined();
      // Committed transactions before it are kept.
      const burst = await raw.send(
        new GetItemCommand({ TableName: 'feedback', Key: { eventId: { S: 'FEEDBACK#burst-1' } } }),
      );
      expect(burst.Item).toBeDefined();
    },
  );
});
