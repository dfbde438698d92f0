import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { newLinkKey } from '../functions/optimize/links/token';
import { resetClients } from '../functions/shared/clients';
import { resetConfig } from '../functions/shared/config';
import type { GenerationBackend } from '../model/backend';
import { backendFromConfig } from '../model/backends';
import { startModelServer } from '../model/server';
import { loadTemplates, TemplateResolver } from './assembly';
import { type DynamoEngine, dynamoEngineFromEnv, startDynamo } from './dynamodb';
import { LocalEventBus } from './event-bus';
import { LocalHttpApi } from './http-api';
import { LocalFunctions } from './lambdas';
import { closeServer } from './net';
import { LocalStepFunctions } from './step-functions';

export interface LocalOptions {
  /** Where DynamoDB and S3 keep their data; ignored with `inMemory`. */
  readonly dataDir?: string;
  readonly inMemory?: boolean;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly ports?: Partial<Record<'api' | 'dynamodb' | 's3' | 'stepfunctions' | 'model', number>>;
  /** Start the schedule rules' timers (off in tests, which fire them by hand). */
  readonly schedules?: boolean;
  readonly log?: (line: string) => void;
  /** The local DynamoDB: dynalite (default) or AWS's DynamoDB Local; default from TAILOR_DYNAMODB. */
  readonly dynamodb?: DynamoEngine;
  /** The generation backend; default: chosen by TAILOR_MODEL_BACKEND (embedded when unset). */
  readonly modelBackend?: GenerationBackend;
}

export interface LocalSystem {
  readonly apiUrl: string;
  readonly endpoints: Record<'dynamodb' | 's3' | 'stepfunctions' | 'model', string>;
  readonly bucket: string;
  readonly modelBackend: string;
  readonly dynamodb: DynamoEngine;
  readonly tables: string[];
  readonly functions: LocalFunctions;
  readonly stepFunctions: LocalStepFunctions;
  readonly events: LocalEventBus;
  /** Wait for in-flight ingestions and executions. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

interface S3EventRecord {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
}

/** Wait for work under way, but no longer than `ms` (and leave no timer behind). */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export const defaultPorts = {
  api: 3000,
  dynamodb: 4567,
  s3: 4568,
  stepfunctions: 4569,
  model: 4570,
} as const;

/** The local credentials: s3rver knows this key pair; the other emulators accept any. */
const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

function tableInput(name: string, props: Record<string, unknown>): CreateTableCommandInput {
  return {
    TableName: name,
    KeySchema: props['KeySchema'] as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: props['AttributeDefinitions'] as CreateTableCommandInput['AttributeDefinitions'],
    GlobalSecondaryIndexes: (
      props['GlobalSecondaryIndexes'] as CreateTableCommandInput['GlobalSecondaryIndexes']
    )?.map((index) => ({ ...index, ProvisionedThroughput: undefined })),
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/**
 * Start the whole system on this machine: DynamoDB (dynalite), S3 with object-created events
 * (s3rver), Step Functions, EventBridge rules and schedules, the SageMaker-protocol model
 * server and the HTTP API, all made from the synthesized CDK app and running the same handlers.
 */
export async function startLocal(options: LocalOptions = {}): Promise<LocalSystem> {
  const host = options.host ?? '127.0.0.1';
  const ports = { ...defaultPorts, ...options.ports };
  const log = options.log ?? (() => undefined);
  const cleanups: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log(`shutdown: ${(error as Error).message}`);
      }
    }
  };

  try {
    const resolver = new TemplateResolver(await loadTemplates());
    const functions = new LocalFunctions(resolver);

    // DynamoDB
    let dataDir: string;
    if (options.inMemory) {
      dataDir = mkdtempSync(path.join(tmpdir(), 'tailor-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    } else {
      dataDir = path.resolve(options.dataDir ?? '.tailor');
      mkdirSync(path.join(dataDir, 'dynamodb'), { recursive: true });
      mkdirSync(path.join(dataDir, 's3'), { recursive: true });
    }
    const dynamoEngine = options.dynamodb ?? dynamoEngineFromEnv(process.env);
    const dynamo = await startDynamo({
      engine: dynamoEngine,
      host,
      port: ports.dynamodb,
      dir: options.inMemory ? undefined : path.join(dataDir, 'dynamodb'),
    });
    const dynamodbUrl = dynamo.url;
    cleanups.push(() => dynamo.close());

    // S3
    const [bucketId] = resolver.ofType('AWS::S3::Bucket').find(([id]) => id.startsWith('DataBucket')) ?? [];
    if (!bucketId) throw new Error('the app defines no DataBucket');
    const bucket = resolver.physicalName(bucketId);
    const s3rver = new S3rver({
      address: host,
      port: ports.s3,
      silent: true,
      directory: path.join(dataDir, 's3'),
      // The data bucket's CORS rule on AWS: browsers (the console) PUT uploads to presigned URLs.
      configureBuckets: [
        {
          name: bucket,
          configs: [
            '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>',
          ],
        },
      ],
      vhostBuckets: false,
    });
    let s3Url: string;
    try {
      const address = await s3rver.run();
      s3Url = `http://${host}:${address.port}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new Error(
          `port ${ports.s3} on ${host} is taken (wanted for S3 (s3rver)); choose another port or stop what is using it`,
        );
      }
      throw error;
    }
    cleanups.push(async () => {
      const server = (s3rver as unknown as { httpServer?: Server }).httpServer;
      const closed = s3rver.close();
      server?.closeAllConnections();
      await closed;
    });

    // The SageMaker-protocol model server with the embedded generator.
    // The backend behind the local endpoint: embedded by default, or an LLM server you run
    // (TAILOR_MODEL_BACKEND=openai|llamacpp with TAILOR_MODEL_URL, TAILOR_MODEL_NAME), or a GGUF
    // model in-process (TAILOR_MODEL_BACKEND=gguf, TAILOR_MODEL_PATH).
    const backend = options.modelBackend ?? backendFromConfig(process.env);
    const model = await startModelServer({
      host,
      port: ports.model,
      backend,
      endpointName: functions.environment()['MODEL_ENDPOINT_NAME'],
    });
    cleanups.push(() => model.close());

    // Point the SDK clients of every function at the emulators, by configuration only.
    const { LINK_KEY_SECRET_ARN: _secret, ...functionEnv } = functions.environment();
    const env: Record<string, string> = {
      ...functionEnv,
      // The tracked-link key: the stateful stack's secret on AWS, a file of the data folder here.
      LINK_KEY_FILE: localLinkKey(dataDir),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
      AWS_ENDPOINT_URL_S3: s3Url,
      AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: model.url,
      TAILOR_S3_FORCE_PATH_STYLE: 'true',
      POWERTOOLS_DEV: 'true',
      LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'WARN',
      // The deploy setting's default, unless the shell sets another for the local system.
      ...(process.env['TAILOR_DEFAULT_CURRENCY']
        ? { TAILOR_DEFAULT_CURRENCY: process.env['TAILOR_DEFAULT_CURRENCY'] }
        : {}),
    };
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: s3Url,
      forcePathStyle: true,
      credentials: localCredentials,
    });
    const stepFunctions = new LocalStepFunctions(resolver, functions, s3, log);
    const stepFunctionsUrl = await stepFunctions.listen(host, ports.stepfunctions);
    cleanups.push(async () => {
      stepFunctions.abortAll();
      await within(stepFunctions.settle(), 5000);
      await stepFunctions.close();
    });
    env['AWS_ENDPOINT_URL_SFN'] = stepFunctionsUrl;
    Object.assign(process.env, env);
    resetConfig();
    resetClients();

    // Tables, as the stateful stack defines them.
    const ddb = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: dynamodbUrl,
      credentials: localCredentials,
    });
    const existing = new Set((await ddb.send(new ListTablesCommand({}))).TableNames ?? []);
    const tables: string[] = [];
    for (const [logicalId, resource] of resolver.ofType('AWS::DynamoDB::Table')) {
      const name = resolver.physicalName(logicalId);
      tables.push(name);
      if (!existing.has(name))
        await ddb.send(new CreateTableCommand(tableInput(name, resource.Properties ?? {})));
    }

    // EventBridge: S3 object-created events and schedules.
    const events = new LocalEventBus(resolver, functions, log, path.join(dataDir, 'pending-events'));
    // s3rver is a Koa app: an EventEmitter, though its types do not say so.
    (s3rver as unknown as import('node:events').EventEmitter).on(
      'event',
      (notification: { Records: S3EventRecord[] }) => {
        for (const record of notification.Records) {
          if (!record.eventName.startsWith('ObjectCreated:')) continue;
          const { bucket: b, object } = record.s3;
          events.put({
            'detail-type': 'Object Created',
            source: 'aws.s3',
            resources: [`arn:aws:s3:::${b.name}`],
            detail: {
              version: '0',
              bucket: { name: b.name },
              object: {
                key: decodeURIComponent(String(object.key)),
                size: object.size ?? 0,
                etag: object.eTag ?? '',
              },
              reason: 'PutObject',
            },
          });
        }
      },
    );
    if (options.schedules ?? true) events.startSchedules();
    // Deliveries a killed process left (an upload mid-ingestion…) run again, as Lambda retries.
    const replayed = events.replayPending();
    if (replayed > 0) log(`replaying ${replayed} event deliveries interrupted by the last stop`);
    cleanups.push(async () => {
      events.stop();
      await within(events.settle(), 5000);
    });

    // The HTTP API last: once it answers, everything behind it is ready.
    const api = new LocalHttpApi(functions, log, { local: { s3: s3Url, bucket } });
    const apiUrl = await api.listen(host, ports.api);
    cleanups.push(() => api.close());
    // Tracked links are written under the API's URL, known once it listens.
    process.env['PUBLIC_API_URL'] = apiUrl;
    resetConfig();

    return {
      apiUrl,
      endpoints: { dynamodb: dynamodbUrl, s3: s3Url, stepfunctions: stepFunctionsUrl, model: model.url },
      bucket,
      modelBackend: backend.name,
      dynamodb: dynamoEngine,
      tables,
      functions,
      stepFunctions,
      events,
      settle: async () => {
        await events.settle();
        await stepFunctions.settle();
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The data folder's tracked-link key (`link-key`): made on first start and kept, so links in
 * messages already sent keep working across restarts. Returns the file's path.
 */
export function localLinkKey(dataDir: string): string {
  const file = path.join(dataDir, 'link-key');
  if (!existsSync(file) || readFileSync(file, 'utf8').trim().length < 32) {
    writeFileSync(file, `${newLinkKey().toString('base64url')}\n`, { mode: 0o600 });
  }
  return file;
}

export { closeServer };
