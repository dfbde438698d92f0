import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Item, Key, Table, TransactWrite } from '../ports';

const batchWriteSize = 25;
const batchGetSize = 100;
const maxBatchRounds = 8;
/** Rounds a transaction is tried while it conflicts with concurrent ones (`TransactionConflict`). */
const maxTransactRounds = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The table port on one DynamoDB table, through the document client. */
export class DynamoTable implements Table {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(key: Key): Promise<Item | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return out.Item;
  }

  async put(item: Item): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async putIfAbsent(item: Item, keyName: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#k)',
          ExpressionAttributeNames: { '#k': keyName },
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      ) {
        return false;
      }
      throw error;
    }
  }

  async update(key: Key, attributes: Item): Promise<Item> {
    const entries = Object.entries(attributes).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return (await this.get(key)) ?? { ...key };
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = entries.map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:v${i}`] = value;
      return `#a${i} = :v${i}`;
    });
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes ?? {};
  }

  async compareAndSet(key: Key, attribute: string, expected: unknown, attributes: Item): Promise<boolean> {
    const names: Record<string, string> = { '#c': attribute };
    const values: Record<string, unknown> = {};
    const sets = Object.entries(attributes).map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:v${i}`] = value;
      return `#a${i} = :v${i}`;
    });
    let condition = 'attribute_not_exists(#c)';
    if (expected !== undefined) {
      values[':expected'] = expected;
      condition = '#c = :expected';
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async increment(key: Key, counters: Record<string, number>): Promise<Item> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const adds = Object.entries(counters).map(([name, by], i) => {
      names[`#c${i}`] = name;
      values[`:c${i}`] = by;
      return `#c${i} :c${i}`;
    });
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes ?? {};
  }

  async delete(key: Key): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
  }

  async query(partitionKey: string, value: string, limit = 1000): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': partitionKey },
          ExpressionAttributeValues: { ':pk': value },
          ExclusiveStartKey: start,
          Limit: Math.min(limit - items.length, 1000),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && items.length < limit);
    return items;
  }

  async batchPut(items: Item[]): Promise<void> {
    for (let i = 0; i < items.length; i += batchWriteSize) {
      let requests = items.slice(i, i + batchWriteSize).map((Item) => ({ PutRequest: { Item } }));
      for (let round = 0; requests.length > 0; round++) {
        if (round >= maxBatchRounds) throw new Error(`${this.tableName}: batch write kept being throttled`);
        if (round > 0) await sleep(25 * 2 ** round * Math.random());
        const out = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
        );
        requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
  }

  async batchGet(keys: Key[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let i = 0; i < keys.length; i += batchGetSize) {
      let pending: Key[] = keys.slice(i, i + batchGetSize);
      for (let round = 0; pending.length > 0; round++) {
        if (round >= maxBatchRounds) throw new Error(`${this.tableName}: batch get kept being throttled`);
        if (round > 0) await sleep(25 * 2 ** round * Math.random());
        const out = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
        );
        found.push(...(out.Responses?.[this.tableName] ?? []));
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
      }
    }
    return found;
  }

  /**
   * One TransactWriteItems call. A cancellation whose reasons include `ConditionalCheckFailed`
   * answers false (nothing was written); one cancelled only by conflicts with concurrent
   * transactions (`TransactionConflict`, e.g. retries of one event racing each other) is tried
   * again after a jittered backoff, so the loser then sees the winner's write.
   */
  async transact(writes: readonly TransactWrite[]): Promise<boolean> {
    if (writes.length === 0) return true;
    const items = writes.map((write) => {
      if (!(write.table instanceof DynamoTable)) {
        throw new Error('a transaction spans DynamoDB tables of one client only');
      }
      const TableName = write.table.tableName;
      if ('putIfAbsent' in write) {
        return {
          Put: {
            TableName,
            Item: write.putIfAbsent,
            ConditionExpression: 'attribute_not_exists(#k)',
            ExpressionAttributeNames: { '#k': write.keyName },
          },
        };
      }
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = {};
      const adds = Object.entries(write.counters).map(([name, by], i) => {
        names[`#c${i}`] = name;
        values[`:c${i}`] = by;
        return `#c${i} :c${i}`;
      });
      return {
        Update: {
          TableName,
          Key: write.increment,
          UpdateExpression: `ADD ${adds.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
    });
    for (let round = 0; ; round++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return true;
      } catch (error) {
        if ((error as Error).name !== 'TransactionCanceledException') throw error;
        const codes = (
          (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? []
        ).map((r) => r.Code);
        if (codes.includes('ConditionalCheckFailed')) return false;
        const retriable = codes.length > 0 && codes.every((c) => c === 'None' || c === 'TransactionConflict');
        if (!retriable || round + 1 >= maxTransactRounds) throw error;
        await sleep(10 * 2 ** Math.min(round, 6) * (0.5 + Math.random()));
      }
    }
  }
}
