import { existsSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcards, type FindingPattern, resourceOf } from './nag';

/** CloudFormation metadata keys the local runtime reads to find each Lambda's module and export. */
export const ENTRY_METADATA = 'Tailor:Entry';
export const EXPORT_METADATA = 'Tailor:Export';

/**
 * How every function is bundled (esbuild, locally). The budget is under 1 MB of code per
 * function (test/infra/bundle-size.test.ts). What keeps it there:
 * - zod is imported as a namespace (`import * as z from 'zod'`): the named `z` export is an
 *   object holding all of zod, its 40-odd error-message locales included, and defeats tree
 *   shaking (about 370 KB per bundle);
 * - the AWS SDK v3 is bundled although the nodejs22.x runtime ships one: the bundled clients
 *   are the versions in package-lock.json, the ones the tests and the local runtime run, not
 *   whatever the runtime carries that month, and their ES module builds tree-shake to what
 *   is used (about 400 KB for S3, DynamoDB, Step Functions and SageMaker Runtime together);
 * - minified; source maps are written beside the code (not inline) and are not counted.
 */
export const bundlingOptions = {
  forceDockerBundling: false,
  format: OutputFormat.CJS,
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // Prefer the ES module builds so the SDK tree-shakes; bundle everything, SDK included.
  mainFields: ['module', 'main'],
  externalModules: [] as string[],
};

/** Environment variable names, as read by functions/shared/config.ts. */
export type TableEnv =
  | 'CATALOG_TABLE'
  | 'PROFILES_TABLE'
  | 'OPERATIONS_TABLE'
  | 'CAMPAIGNS_TABLE'
  | 'FEEDBACK_TABLE'
  | 'MODELS_TABLE';
export type BucketEnv = 'DATA_BUCKET';
export type StateMachineEnv =
  | 'PROFILING_STATE_MACHINE_ARN'
  | 'CAMPAIGN_STATE_MACHINE_ARN'
  | 'OPTIMIZATION_STATE_MACHINE_ARN';
export type EndpointEnv = 'MODEL_ENDPOINT_NAME';
export type SecretEnv = 'LINK_KEY_SECRET_ARN';

export interface TailorFunctionProps {
  /** Handler module, relative to the repository root, e.g. `functions/profile/handler.ts`. */
  readonly entry: string;
  /** Name of the handler's export in that module, e.g. `api`. */
  readonly exportName: string;
  readonly description: string;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** @default 512 MB */
  readonly memorySize?: number;
  /**
   * Files, relative to the repository root, that the code reads beside itself at run time
   * (e.g. the embedded generator's learned model); copied next to the bundle's index.js.
   */
  readonly assets?: readonly string[];
  /** Extra environment; resource names are added by the `use*` methods instead. */
  readonly environment?: Record<string, string>;
}

/**
 * The one Lambda function construct: every Tailor function is Node.js 22 on arm64 with
 * active tracing, source maps, a one-month log group of its own, a role that may write only
 * to that log group, and an esbuild bundle that includes the AWS SDK (so the SDK version is
 * the one in package-lock.json, not whatever the runtime ships).
 *
 * Access to other resources is added with the `use*` methods, which grant the narrowest
 * built-in permission set and pass the resource's name in the environment in one call.
 *
 * The synthesized function carries `Tailor:Entry` and `Tailor:Export` metadata: the local
 * runtime reads them from the template to run the same module and export.
 */
export class TailorFunction extends NodejsFunction {
  readonly entryPath: string;
  readonly exportName: string;

  constructor(scope: Construct, id: string, props: TailorFunctionProps) {
    const root = projectRoot();
    const entryPath = posix.normalize(props.entry.replaceAll('\\', '/'));
    // The role and log group are siblings of the function because they must exist before
    // `super()`; an explicit role replaces the AWSLambdaBasicExecutionRole managed policy
    // (which may write to any log group) with write access to this function's group only.
    const logGroup = new LogGroup(scope, `${id}LogGroup`, { retention: RetentionDays.ONE_MONTH });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: join(root, entryPath),
      handler: props.exportName,
      projectRoot: root,
      depsLockFilePath: join(root, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      logGroup,
      role,
      environment: {
        LOG_LEVEL: 'INFO',
        POWERTOOLS_SERVICE_NAME: 'tailor',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        ...bundlingOptions,
        tsconfig: join(root, 'tsconfig.json'),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) =>
            (props.assets ?? []).map((file) => `cp "${join(inputDir, file)}" "${outputDir}/"`),
        },
      },
    });
    this.entryPath = entryPath;
    this.exportName = props.exportName;

    const cfn = this.node.defaultChild as CfnFunction;
    cfn.addMetadata(ENTRY_METADATA, entryPath);
    cfn.addMetadata(EXPORT_METADATA, props.exportName);

    acknowledge(
      this,
      'AwsSolutions-L1',
      'Node.js 22 is deliberate: it is the version pinned for the local runtime and the tests (package.json "node"), so the code that runs locally is the code that runs in Lambda.',
    );
    this.suppressWildcards(
      'X-Ray does not support resource-level permissions: xray:PutTraceSegments and xray:PutTelemetryRecords (added by active tracing) need "*".',
      ['Resource::*'],
    );
  }

  /** Grant read or read/write data access to a table and pass its name as `envName`. */
  useTable(envName: TableEnv, table: ITable, access: 'read' | 'readWrite'): this {
    if (access === 'read') {
      table.grantReadData(this);
    } else {
      table.grantReadWriteData(this);
      if (table.encryptionKey) {
        this.suppressWildcards(
          'kms:ReEncrypt* and kms:GenerateDataKey* are the actions CDK grants on the table key (and only that key) for DynamoDB writes with a customer-managed key.',
          ['Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*'],
        );
      }
    }
    this.addEnvironment(envName, table.tableName);
    return this;
  }

  /**
   * Grant object access to a bucket and pass its name as `envName`: `read` (get, list),
   * `readWrite` (also put and delete) or `put` (write only, e.g. to presign uploads).
   */
  useBucket(envName: BucketEnv, bucket: IBucket, access: 'read' | 'readWrite' | 'put'): this {
    const actions: string[] = [];
    if (access === 'put') {
      bucket.grantPut(this);
      actions.push('Action::s3:Abort*');
    } else if (access === 'read') {
      bucket.grantRead(this);
      actions.push('Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*');
    } else {
      bucket.grantReadWrite(this);
      actions.push(
        'Action::s3:GetObject*',
        'Action::s3:GetBucket*',
        'Action::s3:List*',
        'Action::s3:DeleteObject*',
        'Action::s3:Abort*',
      );
    }
    if (bucket.encryptionKey) actions.push('Action::kms:ReEncrypt*', 'Action::kms:GenerateDataKey*');
    this.suppressWildcards(
      'Object keys are data (user shards, uploads, model artifacts), so access is to the objects of this one bucket; the action wildcards are the set CDK grants for that access level.',
      [...actions, resourceOf(bucket, '', '\\/\\*')],
    );
    this.addEnvironment(envName, bucket.bucketName);
    return this;
  }

  /** Allow starting and reading executions of a state machine and pass its ARN as `envName`. */
  useStateMachine(envName: StateMachineEnv, stateMachine: IStateMachine): this {
    stateMachine.grantStartExecution(this);
    stateMachine.grantRead(this);
    this.suppressWildcards(
      'grantRead on the state machine: executions are named at run time (execution:<machine>:*), and states:ListActivities/DescribeActivity/DescribeStateMachine are granted on "*" by CDK.',
      [resourceOf(stateMachine, '.*:execution:', ':\\*'), 'Resource::*'],
    );
    this.addEnvironment(envName, stateMachine.stateMachineArn);
    return this;
  }

  /**
   * Allow reading one secret's value (decrypted with `key` through Secrets Manager only) and
   * pass its ARN as `envName`. Granted on the function's role rather than with
   * `secret.grantRead`, which writes the role into the key's policy in the stateful stack and
   * so would make that stack depend on this one.
   */
  useSecret(envName: SecretEnv, secret: ISecret, key: IKey): this {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [secret.secretArn],
      }),
    );
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
    this.addEnvironment(envName, secret.secretArn);
    return this;
  }

  /** Allow `sagemaker:InvokeEndpoint` on one endpoint and pass its name as `envName`. */
  useEndpoint(envName: EndpointEnv, endpointName: string, endpointArn: string): this {
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['sagemaker:InvokeEndpoint'], resources: [endpointArn] }),
    );
    this.addEnvironment(envName, endpointName);
    return this;
  }

  private suppressWildcards(reason: string, findings: FindingPattern[]): void {
    if (this.role) acknowledgeWildcards(this.role, reason, findings);
  }
}

let cachedRoot: string | undefined;

/**
 * The repository root: the nearest directory at or above the working directory holding
 * `cdk.json` and `package.json` (the CDK CLI, jest and the local runtime all run from there).
 * Found from the working directory because this module is loaded both as ESM (tsx) and as
 * CommonJS (jest), which do not share a way to name their own location.
 */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = resolve(process.cwd());
  for (;;) {
    if (existsSync(join(dir, 'cdk.json')) && existsSync(join(dir, 'package.json'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`No cdk.json found at or above ${process.cwd()}: run from the Tailor repository`);
    }
    dir = parent;
  }
}
