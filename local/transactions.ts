import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, readFile, unlink } from 'node:fs/promises';
import { Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import {
  type AttributeValue,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

/**
 * TransactWriteItems for dynalite, which has none: the layer the local runtime puts in front
 * of it, so the handlers send the same TransactWriteItems on dynalite, DynamoDB Local and AWS.
 *
 * How: the layer takes the request before dynalite sees it (every other action goes straight
 * to dynalite). Under a lock on each item the transaction names (taken in one sorted order, so
 * two transactions never wait on each other in a circle), it reads every item's before-image,
 * writes them to an undo journal (one fsynced file per transaction in `<data>/dynamodb-transactions/`),
 * then applies each action through dynalite's own PutItem / UpdateItem / DeleteItem with the
 * action's condition, so conditions and expressions are dynalite's. If any condition fails, or
 * any action is refused, every item is put back to its before-image and the answer is AWS's:
 * `TransactionCanceledException` with one `CancellationReasons` entry per action
 * (`ConditionalCheckFailed`, with the old item when `ReturnValuesOnConditionCheckFailure` is
 * `ALL_OLD`, or `None`), or the refusal (a ValidationException) as dynalite words it. The
 * journal file is removed once the transaction is committed or undone; at start, any journal
 * left by a process that died midway is undone before the first request, so a transaction is
 * all or nothing across a SIGKILL too.
 *
 * Limits (stated in docs/reliability.md): isolation holds between transactions only: a plain
 * write to an item a transaction is writing, or a read of it, is not held back (the handlers
 * write marker and counter-shard items only through transactions); ClientRequestToken is
 * accepted but not remembered (a retried token runs again; the handlers' conditions make a
 * retry a no-op); TransactGetItems is not implemented; the journal is fsynced but its removal
 * is not, so a power cut (not a process kill) may undo a transaction that had committed.
 */

type AttributeMap = Record<string, AttributeValue>;

interface Action {
  readonly kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  readonly spec: Record<string, unknown> & {
    TableName: string;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: AttributeMap;
    ReturnValuesOnConditionCheckFailure?: string;
  };
  readonly key: AttributeMap;
}

interface Before {
  readonly table: string;
  readonly key: AttributeMap;
  readonly item: AttributeMap | null;
}

const prefix = 'com.amazonaws.dynamodb.v20120810#';
const maxActions = 100;

class ClientError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Per-item locks: a promise chain per item id. */
class Locks {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(ids: readonly string[]): Promise<() => void> {
    const releases: Array<() => void> = [];
    for (const id of [...new Set(ids)].sort()) {
      const previous = this.tails.get(id) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => mine);
      this.tails.set(id, tail);
      await previous;
      releases.push(() => {
        release();
        if (this.tails.get(id) === tail) this.tails.delete(id);
      });
    }
    return () => {
      for (const r of releases) r();
    };
  }
}

/** A transaction layer on a listening dynalite server (call after `listen`). */
export async function addTransactions(
  server: Server,
  url: string,
  /** The folder for the undo journal; none for an in-memory database. */
  dir: string | undefined,
): Promise<{ close(): void }> {
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    // Its own requests to dynalite must not queue behind a handler's: a wide keep-alive pool.
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 512 }) },
  });
  // Beside dynalite's LevelDB folder, not in it: LevelDB owns its folder.
  const journal = dir ? `${dir}-transactions` : undefined;
  if (journal) {
    mkdirSync(journal, { recursive: true });
    await recover(client, journal);
  }
  const keySchemas = new Map<string, string[]>();
  const keyNames = async (table: string): Promise<string[]> => {
    let names = keySchemas.get(table);
    if (!names) {
      try {
        const out = await client.send(new DescribeTableCommand({ TableName: table }));
        names = (out.Table?.KeySchema ?? []).map((k) => k.AttributeName!);
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') {
          throw new ClientError('ResourceNotFoundException', 'Requested resource not found');
        }
        throw error;
      }
      keySchemas.set(table, names);
    }
    return names;
  };
  const locks = new Locks();

  const [dynalite] = server.listeners('request') as Array<
    (req: IncomingMessage, res: ServerResponse) => void
  >;
  if (!dynalite) throw new Error('dynalite has no request handler');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || target !== 'DynamoDB_20120810.TransactWriteItems') {
      dynalite(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'Content-Type': 'application/x-amz-json-1.0',
          'Content-Length': Buffer.byteLength(text),
          'x-amzn-RequestId': randomUUID(),
        });
        res.end(text);
      };
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        reply(400, { __type: `${prefix}SerializationException`, message: 'the body is not JSON' });
        return;
      }
      transact(body).then(
        () => reply(200, {}),
        (error: unknown) => {
          if (error instanceof ClientError) {
            reply(400, { __type: `${prefix}${error.type}`, message: error.message, ...error.extra });
          } else {
            reply(500, { __type: `${prefix}InternalServerError`, message: (error as Error).message });
          }
        },
      );
    });
  });

  async function parse(body: unknown): Promise<Action[]> {
    const items = (body as { TransactItems?: unknown })?.TransactItems;
    if (!Array.isArray(items) || items.length === 0 || items.length > maxActions) {
      throw new ClientError(
        'ValidationException',
        `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length between 1 and ${maxActions}`,
      );
    }
    const actions: Action[] = [];
    for (const entry of items as Array<Record<string, unknown>>) {
      const kinds = (['Put', 'Update', 'Delete', 'ConditionCheck'] as const).filter((k) => entry?.[k]);
      if (kinds.length !== 1) {
        throw new ClientError(
          'ValidationException',
          'TransactItems can only contain one of Check, Put, Update or Delete',
        );
      }
      const kind = kinds[0]!;
      const spec = entry[kind] as Action['spec'];
      if (typeof spec.TableName !== 'string') {
        throw new ClientError('ValidationException', 'TableName must be given');
      }
      const names = await keyNames(spec.TableName);
      const source = (kind === 'Put' ? spec['Item'] : spec['Key']) as AttributeMap | undefined;
      const key: AttributeMap = {};
      for (const name of names) {
        if (!source?.[name]) {
          throw new ClientError('ValidationException', 'The provided key element does not match the schema');
        }
        key[name] = source[name]!;
      }
      actions.push({ kind, spec, key });
    }
    const ids = actions.map((a) => itemId(a.spec.TableName, a.key));
    if (new Set(ids).size !== ids.length) {
      throw new ClientError(
        'ValidationException',
        'Transaction request cannot include multiple operations on one item',
      );
    }
    return actions;
  }

  async function transact(body: unknown): Promise<void> {
    const actions = await parse(body);
    const release = await locks.acquire(actions.map((a) => itemId(a.spec.TableName, a.key)));
    const file = journal ? path.join(journal, `${Date.now()}-${randomUUID()}.json`) : undefined;
    try {
      // Distinct items (checked above) under their locks: read and written in parallel.
      const before: Before[] = await Promise.all(
        actions.map(async (a) => {
          const out = await client.send(
            new GetItemCommand({ TableName: a.spec.TableName, Key: a.key, ConsistentRead: true }),
          );
          return { table: a.spec.TableName, key: a.key, item: out.Item ?? null };
        }),
      );
      if (file) await writeSynced(file, JSON.stringify(before));
      let refused: unknown;
      const reasons: Array<Record<string, unknown>> = await Promise.all(
        actions.map(async (a, i) => {
          try {
            await apply(client, a, before[i]!);
            return { Code: 'None' };
          } catch (error) {
            if ((error as Error).name !== 'ConditionalCheckFailedException') {
              refused ??= error;
              return { Code: 'ValidationError', Message: (error as Error).message };
            }
            const old = before[i]!.item;
            return {
              Code: 'ConditionalCheckFailed',
              Message: 'The conditional request failed',
              ...(a.spec.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: old } : {}),
            };
          }
        }),
      );
      const failed = refused !== undefined || reasons.some((r) => r['Code'] !== 'None');
      // A ConditionCheck on an absent item was evaluated by writing its bare key: undo that too.
      const undo = failed
        ? before
        : before.filter((b, i) => actions[i]!.kind === 'ConditionCheck' && b.item === null);
      await restore(client, undo);
      if (file) await unlink(file);
      if (refused !== undefined) {
        const error = refused as Error & { $metadata?: unknown };
        throw new ClientError(error.name || 'ValidationException', error.message);
      }
      if (failed) {
        throw new ClientError(
          'TransactionCanceledException',
          `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r['Code']).join(', ')}]`,
          { CancellationReasons: reasons },
        );
      }
    } finally {
      release();
    }
  }

  return { close: () => client.destroy() };
}

function itemId(table: string, key: AttributeMap): string {
  const parts = Object.keys(key)
    .sort()
    .map((k) => `${k}=${JSON.stringify(key[k])}`);
  return `${table}\u0000${parts.join('\u0000')}`;
}

/** One action through dynalite, its condition evaluated there. */
async function apply(client: DynamoDBClient, a: Action, before: Before): Promise<void> {
  const { TableName, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues } = a.spec;
  const condition = { ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues };
  switch (a.kind) {
    case 'Put':
      await client.send(
        new PutItemCommand({ TableName, Item: a.spec['Item'] as AttributeMap, ...condition }),
      );
      return;
    case 'Update':
      await client.send(
        new UpdateItemCommand({
          TableName,
          Key: a.key,
          UpdateExpression: a.spec['UpdateExpression'] as string,
          ...condition,
        }),
      );
      return;
    case 'Delete':
      await client.send(new DeleteItemCommand({ TableName, Key: a.key, ...condition }));
      return;
    case 'ConditionCheck':
      // Rewrite the item as it is (or its bare key, undone after) under the condition.
      await client.send(new PutItemCommand({ TableName, Item: before.item ?? a.key, ...condition }));
      return;
  }
}

async function restore(client: DynamoDBClient, items: readonly Before[]): Promise<void> {
  await Promise.all(
    items.map((b) =>
      b.item
        ? client.send(new PutItemCommand({ TableName: b.table, Item: b.item }))
        : client.send(new DeleteItemCommand({ TableName: b.table, Key: b.key })),
    ),
  );
}

async function writeSynced(file: string, text: string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Undo every transaction a dead process left in the journal (oldest first). */
async function recover(client: DynamoDBClient, journal: string): Promise<void> {
  const files = (await readdir(journal)).filter((f) => f.endsWith('.json')).sort();
  for (const name of files) {
    const file = path.join(journal, name);
    let before: Before[];
    try {
      before = JSON.parse(await readFile(file, 'utf8')) as Before[];
    } catch {
      // A journal cut short by the crash: written before any action was applied.
      await unlink(file);
      continue;
    }
    await restore(client, before);
    await unlink(file);
  }
}
