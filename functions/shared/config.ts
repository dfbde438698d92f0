import * as z from 'zod';
import { ConfigurationError } from '../../core/errors';
import { currencySchema, fallbackCurrency } from './schemas';

/**
 * Function configuration: read once from the environment, validated, typed. Nothing else in
 * the functions touches `process.env`. Resource names are optional here because each function
 * is granted only the resources it uses; `requireSetting` names the missing variable when a
 * function reaches for one it was not given.
 */
const schema = z.object({
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'),
  AWS_REGION: z.string().default('us-east-1'),
  CATALOG_TABLE: z.string().min(1).optional(),
  PROFILES_TABLE: z.string().min(1).optional(),
  OPERATIONS_TABLE: z.string().min(1).optional(),
  CAMPAIGNS_TABLE: z.string().min(1).optional(),
  FEEDBACK_TABLE: z.string().min(1).optional(),
  MODELS_TABLE: z.string().min(1).optional(),
  DATA_BUCKET: z.string().min(1).optional(),
  PROFILING_STATE_MACHINE_ARN: z.string().min(1).optional(),
  CAMPAIGN_STATE_MACHINE_ARN: z.string().min(1).optional(),
  OPTIMIZATION_STATE_MACHINE_ARN: z.string().min(1).optional(),
  MODEL_ENDPOINT_NAME: z.string().min(1).optional(),
  /** The API's public base URL, under which tracked links (`/r/`, `/o/`, `/u/`) are written. */
  PUBLIC_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The Secrets Manager secret holding the tracked-link key (AWS). */
  LINK_KEY_SECRET_ARN: z.string().min(1).optional(),
  /** A file holding the tracked-link key (the local data folder); takes precedence over the secret. */
  LINK_KEY_FILE: z.string().min(1).optional(),
  BATCH_PREFIX: z.string().default('batch/'),
  RAW_PREFIX: z.string().default('raw/'),
  RAW_SHARDS: z.coerce.number().int().min(1).max(4096).default(16),
  UPLOAD_URL_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(900),
  EVENT_DEDUP_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** How long raw feedback events (and their dedup markers) are kept. */
  FEEDBACK_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** How long a decision's impression record waits for its feedback. */
  IMPRESSION_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  // Endpoint overrides: the standard AWS SDK variable names, set only by the local runtime.
  AWS_ENDPOINT_URL_DYNAMODB: z.string().url().optional(),
  AWS_ENDPOINT_URL_S3: z.string().url().optional(),
  AWS_ENDPOINT_URL_SFN: z.string().url().optional(),
  AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: z.string().url().optional(),
  AWS_ENDPOINT_URL_SECRETS_MANAGER: z.string().url().optional(),
  TAILOR_S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  TAILOR_VERSION: z.string().default('0.1.0'),
  /** ISO 4217 currency of products that name none (no currency column, preset or field). */
  TAILOR_DEFAULT_CURRENCY: currencySchema.default(fallbackCurrency),
});

export type Config = z.infer<typeof schema>;

export type Setting = {
  [K in keyof Config]-?: undefined extends Config[K] ? K : never;
}[keyof Config];

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigurationError(`invalid setting ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return result.data;
}

let cached: Config | undefined;

/** The container's configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Forget the parsed configuration (the local runtime sets the environment, then reloads). */
export function resetConfig(): void {
  cached = undefined;
}

/** A setting this function cannot work without. */
export function requireSetting<K extends Setting>(cfg: Config, key: K): NonNullable<Config[K]> {
  const value = cfg[key];
  if (value === undefined || value === null) {
    throw new ConfigurationError(`${key} is not set for this function`);
  }
  return value as NonNullable<Config[K]>;
}
