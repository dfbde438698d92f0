import { RemovalPolicy } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import * as z from 'zod';
import { currencySchema, fallbackCurrency } from '../functions/shared/schemas';

/**
 * Deploy settings: read once from CDK context (`cdk.json` or `-c key=value`), validated,
 * typed. Values from the command line arrive as strings, so numbers and lists are coerced;
 * an empty string counts as "not set".
 */
const csv = (value: unknown): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
    : value;

const schema = z
  .object({
    /** How callers of the HTTP API authenticate: SigV4 (`iam`) or a JWT issuer (`jwt`). */
    authorizer: z.enum(['iam', 'jwt']).default('iam'),
    /** Issuer URL of the JWT authorizer; required when `authorizer` is `jwt`. */
    jwtIssuer: z.url({ protocol: /^https$/ }).optional(),
    /** Accepted `aud` claims of the JWT authorizer; required when `authorizer` is `jwt`. */
    jwtAudience: z.preprocess(csv, z.array(z.string().min(1)).min(1)).optional(),
    /** Hugging Face model id served by the text-generation-inference container. */
    modelId: z.string().min(1).default('Qwen/Qwen2.5-7B-Instruct'),
    /**
     * Serve weights from S3 instead of the Hub model: an `s3://bucket/key.tar.gz` archive, or an
     * `s3://bucket/prefix/` of uncompressed files (e.g. a fine-tuned generator, docs/fine-tuning.md).
     */
    modelDataUrl: z
      .string()
      .regex(
        /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/(.+\.tar\.gz|(.+\/)?)$/,
        'expected s3://bucket/key.tar.gz or s3://bucket/prefix/',
      )
      .optional(),
    /** Serving container image; default: the HF TGI deep learning container of the stack's region. */
    modelImage: z.string().min(1).optional(),
    /** SageMaker instance type of the endpoint (a GPU type for TGI). */
    modelInstanceType: z
      .string()
      .regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'expected a SageMaker instance type such as ml.g5.2xlarge')
      .default('ml.g5.2xlarge'),
    /** Initial (and minimum) instance count; autoscaling may go up to four times this. */
    modelInstanceCount: z.coerce.number().int().min(1).max(50).default(1),
    /** Use an endpoint managed elsewhere: no SageMaker model or endpoint is created. */
    existingEndpointName: z
      .string()
      .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'expected a SageMaker endpoint name')
      .optional(),
    /** EventBridge schedule expression of the periodic re-profiling. */
    profilingSchedule: z
      .string()
      .regex(/^(rate|cron)\(.+\)$/, 'expected an EventBridge schedule expression: rate(...) or cron(...)')
      .default('rate(1 day)'),
    /** EventBridge schedule expression of the periodic re-optimization (posteriors, verdicts, retraining, challengers). */
    optimizationSchedule: z
      .string()
      .regex(/^(rate|cron)\(.+\)$/, 'expected an EventBridge schedule expression: rate(...) or cron(...)')
      .default('rate(6 hours)'),
    /** Number of user-hash shards raw events are written to (and profiled in parallel). */
    rawShards: z.coerce.number().int().min(1).max(4096).default(16),
    /** ISO 4217 currency of products that name none (no currency column, preset or field). */
    defaultCurrency: currencySchema.default(fallbackCurrency),
    /** What happens to the stateful resources (tables, bucket, key) when their stack is deleted. */
    removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
    /** Run the cdk-nag AwsSolutions checks on synth. */
    nag: z.union([z.boolean(), z.stringbool()]).default(false),
  })
  .superRefine((value, ctx) => {
    if (value.authorizer !== 'jwt') return;
    if (value.jwtIssuer === undefined) {
      ctx.addIssue({ code: 'custom', path: ['jwtIssuer'], message: 'required when authorizer is jwt' });
    }
    if (value.jwtAudience === undefined) {
      ctx.addIssue({ code: 'custom', path: ['jwtAudience'], message: 'required when authorizer is jwt' });
    }
  });

export type Settings = z.output<typeof schema>;
export type SettingKey = keyof Settings;

export const settingKeys = Object.keys(schema.shape) as SettingKey[];

/**
 * Parse raw setting values (context values, possibly strings). Throws an Error naming the
 * context key of the first bad value.
 */
export function parseSettings(raw: Record<string, unknown>): Settings {
  const input: Record<string, unknown> = {};
  for (const key of settingKeys) {
    const value = raw[key];
    if (value !== undefined && value !== null && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue?.path[0] ?? 'settings');
    throw new Error(`Invalid CDK context value for "${key}": ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** Read the settings from the construct tree's context, with optional typed overrides on top. */
export function readSettings(scope: Construct, overrides: Partial<Settings> = {}): Settings {
  const raw: Record<string, unknown> = {};
  for (const key of settingKeys) raw[key] = scope.node.tryGetContext(key);
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) raw[key] = value;
  }
  return parseSettings(raw);
}

export function removalPolicyOf(settings: Settings): RemovalPolicy {
  return settings.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}
