import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../core/errors';
import { sagemakerModel, tableCatalog } from './generate/adapters';
import type { CatalogPort, ModelPort } from './generate/core';
import { ModelRegistry } from './predict/registry';
import { TableProfileStore } from './profile/store';
import { DynamoTable } from './shared/adapters/dynamo-table';
import { S3ObjectStore } from './shared/adapters/s3-object-store';
import { StepFunctionsWorkflow, type Workflow } from './shared/adapters/workflow';
import { type Clients, clients } from './shared/clients';
import { type Config, config, requireSetting, type Setting } from './shared/config';
import type { ObjectStore, Table } from './shared/ports';

/**
 * The composition root: every port a Lambda container uses, built here and nowhere else. It
 * sits above the workflow folders (it wires their stores) and only `handler.ts` files (and the
 * local runtime, through them) import it; cores take their ports as arguments and never do.
 *
 * Each port is built on first use and kept for the container's life, so a missing setting
 * surfaces as a ConfigurationError in the request that needs it, and stateful ports (the model
 * registry's loaded models) are reused across invocations. When the configuration or the SDK
 * clients are reset (`resetConfig`, `resetClients`: the local runtime re-pointing endpoints,
 * handler tests setting the environment), every port is rebuilt on its next use.
 *
 * A workflow folder with a port of its own adds it with {@link port}:
 *
 *   export const campaignStore = port(() => new CampaignStore(tables.campaigns(), tables.feedback()));
 */

interface Scope {
  readonly config: Config;
  readonly clients: Clients;
  readonly ports: Map<object, unknown>;
}
let scope: Scope | undefined;

function current(): Scope {
  const cfg = config();
  const sdk = clients(cfg);
  if (!scope || scope.config !== cfg || scope.clients !== sdk)
    scope = { config: cfg, clients: sdk, ports: new Map() };
  return scope;
}

/**
 * A port built once per container (per configuration), on first use. `build` receives the
 * configuration and the SDK clients; it may call other ports.
 */
export function port<T>(build: (cfg: Config, sdk: Clients) => T): () => T {
  const id = {};
  return () => {
    const { ports, config: cfg, clients: sdk } = current();
    if (!ports.has(id)) ports.set(id, build(cfg, sdk));
    return ports.get(id) as T;
  };
}

/** The container's configuration (parsed once). */
export const settings = (): Config => current().config;

const table = (name: Extract<Setting, `${string}_TABLE`>) =>
  port((cfg, sdk): Table => new DynamoTable(sdk.dynamo, requireSetting(cfg, name)));

/** The DynamoDB tables (keys and access patterns: `shared/keys.ts`). */
export const tables = {
  operations: table('OPERATIONS_TABLE'),
  catalog: table('CATALOG_TABLE'),
  profiles: table('PROFILES_TABLE'),
  campaigns: table('CAMPAIGNS_TABLE'),
  feedback: table('FEEDBACK_TABLE'),
  models: table('MODELS_TABLE'),
} as const;

/** The data bucket. */
export const objects = port(
  (cfg, sdk): ObjectStore => new S3ObjectStore(sdk.s3, requireSetting(cfg, 'DATA_BUCKET')),
);

const workflow = (arn: Extract<Setting, `${string}_STATE_MACHINE_ARN`>) =>
  port((cfg, sdk): Workflow => new StepFunctionsWorkflow(sdk.sfn, requireSetting(cfg, arn)));

/** The state machines, each as the workflow port that starts and reads its executions. */
export const workflows = {
  profiling: workflow('PROFILING_STATE_MACHINE_ARN'),
  campaign: workflow('CAMPAIGN_STATE_MACHINE_ARN'),
  optimization: workflow('OPTIMIZATION_STATE_MACHINE_ARN'),
} as const;

/** Profiles, segments and rules (the profiles table). */
export const profileStore = port(() => new TableProfileStore(tables.profiles()));

/** The product catalog as the generator reads it (validated items). */
export const catalog = port((): CatalogPort => tableCatalog(tables.catalog()));

/** The predictor registry: one per container, so loaded models are reused across invocations. */
export const modelRegistry = port(() => new ModelRegistry(tables.models(), objects()));

/** The copy model's SageMaker endpoint. */
export const languageModel = port(
  (cfg, sdk): ModelPort =>
    sagemakerModel(sdk.sagemaker, { endpointName: requireSetting(cfg, 'MODEL_ENDPOINT_NAME') }),
);

/**
 * The tracked-link key (HMAC of `/r/`, `/o/`, `/u/` tokens), read once per container: from
 * the file in the local data folder (`LINK_KEY_FILE`), else the stateful stack's secret
 * (`LINK_KEY_SECRET_ARN`). The key is the secret's text as UTF-8 bytes. A failed read is not
 * kept, so the next request tries again.
 */
export const linkKey = port((cfg, sdk): (() => Promise<Uint8Array>) => {
  let loaded: Promise<Uint8Array> | undefined;
  const read = async (): Promise<Uint8Array> => {
    let text: string | undefined;
    if (cfg.LINK_KEY_FILE) {
      text = await readFile(cfg.LINK_KEY_FILE, 'utf8');
    } else if (cfg.LINK_KEY_SECRET_ARN) {
      const secret = await sdk.secrets.send(new GetSecretValueCommand({ SecretId: cfg.LINK_KEY_SECRET_ARN }));
      text = secret.SecretString;
    } else {
      throw new ConfigurationError('LINK_KEY_FILE or LINK_KEY_SECRET_ARN is not set for this function');
    }
    const key = Buffer.from((text ?? '').trim(), 'utf8');
    if (key.length < 32) throw new ConfigurationError('the tracked-link key is shorter than 32 bytes');
    return key;
  };
  return () => {
    loaded ??= read().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
});

/** The API's public base URL: tracked links are written under it. */
export const publicApiUrl = (): string => requireSetting(settings(), 'PUBLIC_API_URL');
