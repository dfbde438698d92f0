import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  type HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type ApiGroup, listRoutes } from '../../functions/shared/routes';
import { CampaignRun } from '../constructs/campaign-run';
import { acknowledge } from '../constructs/nag';
import { OptimizationRun } from '../constructs/optimization-run';
import { ProfilingRun } from '../constructs/profiling-run';
import { TailorFunction } from '../constructs/tailor-function';
import type { Settings } from '../settings';

/** The stateful resources the service uses, as typed objects from the stateful stack. */
export interface ServiceResources {
  readonly catalogTable: ITable;
  readonly profilesTable: ITable;
  readonly operationsTable: ITable;
  readonly campaignsTable: ITable;
  readonly feedbackTable: ITable;
  readonly modelsTable: ITable;
  readonly dataBucket: IBucket;
  readonly linkKeySecret: ISecret;
  readonly dataKey: IKey;
}

export interface ServiceStackProps extends StackProps {
  readonly resources: ServiceResources;
  /** Name and ARN of the generation model's SageMaker endpoint. */
  readonly endpointName: string;
  readonly endpointArn: string;
  readonly settings: Settings;
}

/** Prefix under which uploaded batches start ingestion (functions/shared/config.ts BATCH_PREFIX). */
const BATCH_PREFIX = 'batch/';
/** The embedded generator's learned model, read beside the generate functions' code (their fallback). */
const embeddedGeneratorAssets = ['model/embedded/copy-model.zh.json'];

/**
 * The stateless service: the functions, the HTTP API (routes from functions/shared/routes.ts),
 * the profiling, campaign and re-optimization state machines, the S3 batch-upload rule and the
 * re-profiling and re-optimization schedules.
 */
export class ServiceStack extends Stack {
  readonly api: HttpApi;
  readonly apiUrl: string;
  readonly functions: {
    readonly profileApi: TailorFunction;
    readonly profileIngest: TailorFunction;
    readonly profileRun: TailorFunction;
    readonly profileSchedule: TailorFunction;
    readonly generateApi: TailorFunction;
    readonly predictApi: TailorFunction;
    readonly optimizeApi: TailorFunction;
    readonly generateTask: TailorFunction;
    readonly predictTask: TailorFunction;
    readonly campaignTask: TailorFunction;
    readonly optimizeTask: TailorFunction;
    readonly optimizeSchedule: TailorFunction;
  };
  readonly profilingRun: ProfilingRun;
  readonly campaignRun: CampaignRun;
  readonly optimizationRun: OptimizationRun;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { resources: r, settings } = props;
    const shards = { RAW_SHARDS: String(settings.rawShards) };
    // Products that name no currency are priced in this one, when stored and when copy is written.
    const currency = { TAILOR_DEFAULT_CURRENCY: settings.defaultCurrency };

    // Functions. Each gets exactly the resources it uses, through one grant-and-name call.
    const profileRun = new TailorFunction(this, 'ProfileRunFunction', {
      entry: 'functions/profile/handler.ts',
      exportName: 'runTask',
      description: 'Profiling run steps: prepare shards, profile a shard, finish, mark failed',
      timeout: Duration.minutes(15),
      memorySize: 1769,
      environment: shards,
    })
      .useBucket('DATA_BUCKET', r.dataBucket, 'readWrite')
      .useTable('OPERATIONS_TABLE', r.operationsTable, 'readWrite')
      .useTable('PROFILES_TABLE', r.profilesTable, 'readWrite')
      .useTable('CATALOG_TABLE', r.catalogTable, 'read');

    this.profilingRun = new ProfilingRun(this, 'ProfilingRun', {
      runFunction: profileRun,
      bucket: r.dataBucket,
    });
    const stateMachine = this.profilingRun.stateMachine;

    const profileApi = new TailorFunction(this, 'ProfileApiFunction', {
      entry: 'functions/profile/handler.ts',
      exportName: 'api',
      description: 'HTTP API: health, events, products, uploads, profiling runs, profiles, segments, rules',
      environment: { ...shards, ...currency },
    })
      .useTable('CATALOG_TABLE', r.catalogTable, 'readWrite')
      .useTable('PROFILES_TABLE', r.profilesTable, 'readWrite')
      .useTable('OPERATIONS_TABLE', r.operationsTable, 'readWrite')
      .useBucket('DATA_BUCKET', r.dataBucket, 'readWrite')
      .useStateMachine('PROFILING_STATE_MACHINE_ARN', stateMachine);

    const profileIngest = new TailorFunction(this, 'ProfileIngestFunction', {
      entry: 'functions/profile/handler.ts',
      exportName: 'ingest',
      description: 'Ingests a batch uploaded under batch/: validates rows, writes raw shards and a report',
      timeout: Duration.minutes(15),
      memorySize: 1769,
      environment: { ...shards, ...currency },
    })
      .useBucket('DATA_BUCKET', r.dataBucket, 'readWrite')
      .useTable('OPERATIONS_TABLE', r.operationsTable, 'readWrite')
      // Product uploads, and event exports that describe their products, fill the catalog.
      .useTable('CATALOG_TABLE', r.catalogTable, 'readWrite')
      .useStateMachine('PROFILING_STATE_MACHINE_ARN', stateMachine);

    const profileSchedule = new TailorFunction(this, 'ProfileScheduleFunction', {
      entry: 'functions/profile/handler.ts',
      exportName: 'schedule',
      description: 'Scheduled re-profiling: starts a profiling run',
    })
      .useTable('OPERATIONS_TABLE', r.operationsTable, 'readWrite')
      .useStateMachine('PROFILING_STATE_MACHINE_ARN', stateMachine);

    const generateApi = new TailorFunction(this, 'GenerateApiFunction', {
      entry: 'functions/generate/handler.ts',
      exportName: 'api',
      description: 'HTTP API: copy generation through the SageMaker endpoint',
      timeout: Duration.seconds(60),
      environment: currency,
      assets: embeddedGeneratorAssets,
    })
      .useTable('CATALOG_TABLE', r.catalogTable, 'read')
      .useTable('PROFILES_TABLE', r.profilesTable, 'read')
      .useEndpoint('MODEL_ENDPOINT_NAME', props.endpointName, props.endpointArn);

    const predictApi = new TailorFunction(this, 'PredictApiFunction', {
      entry: 'functions/predict/handler.ts',
      exportName: 'api',
      description: 'HTTP API: CTR / conversion / uplift predictions and the model registry',
    })
      .useTable('MODELS_TABLE', r.modelsTable, 'read')
      .useTable('PROFILES_TABLE', r.profilesTable, 'read')
      .useBucket('DATA_BUCKET', r.dataBucket, 'read');

    // The state machines' task functions: one segment's copy, one segment's predictions, and the
    // campaign and re-optimization steps.
    const generateTask = new TailorFunction(this, 'GenerateTaskFunction', {
      entry: 'functions/generate/handler.ts',
      exportName: 'campaignTask',
      description: 'Campaign and re-optimization task: copy variants for one segment',
      timeout: Duration.minutes(5),
      environment: currency,
      assets: embeddedGeneratorAssets,
    })
      .useTable('CATALOG_TABLE', r.catalogTable, 'read')
      .useTable('PROFILES_TABLE', r.profilesTable, 'read')
      .useEndpoint('MODEL_ENDPOINT_NAME', props.endpointName, props.endpointArn);

    const predictTask = new TailorFunction(this, 'PredictTaskFunction', {
      entry: 'functions/predict/handler.ts',
      exportName: 'campaignTask',
      description: "Campaign and re-optimization task: predictions for one segment's variants",
      timeout: Duration.minutes(2),
    })
      .useTable('MODELS_TABLE', r.modelsTable, 'read')
      .useTable('PROFILES_TABLE', r.profilesTable, 'read')
      .useBucket('DATA_BUCKET', r.dataBucket, 'read');

    const campaignTask = new TailorFunction(this, 'CampaignTaskFunction', {
      entry: 'functions/optimize/handler.ts',
      exportName: 'campaignTask',
      description: 'Campaign run steps: plan, select variants, write batch messages, finish, mark failed',
      timeout: Duration.minutes(15),
      memorySize: 1024,
    })
      .useTable('CAMPAIGNS_TABLE', r.campaignsTable, 'readWrite')
      .useTable('FEEDBACK_TABLE', r.feedbackTable, 'readWrite')
      .useTable('PROFILES_TABLE', r.profilesTable, 'read')
      .useTable('CATALOG_TABLE', r.catalogTable, 'read')
      .useBucket('DATA_BUCKET', r.dataBucket, 'readWrite');

    this.campaignRun = new CampaignRun(this, 'CampaignRun', {
      campaignFunction: campaignTask,
      generateFunction: generateTask,
      predictFunction: predictTask,
      bucket: r.dataBucket,
    });

    const optimizeTask = new TailorFunction(this, 'OptimizeTaskFunction', {
      entry: 'functions/optimize/handler.ts',
      exportName: 'optimizeTask',
      description:
        'Re-optimization steps: posteriors and verdicts, challengers, reports, retraining, strategies, preference export',
      timeout: Duration.minutes(15),
      memorySize: 1769,
    })
      .useTable('CAMPAIGNS_TABLE', r.campaignsTable, 'readWrite')
      .useTable('FEEDBACK_TABLE', r.feedbackTable, 'read')
      .useTable('PROFILES_TABLE', r.profilesTable, 'readWrite')
      .useTable('OPERATIONS_TABLE', r.operationsTable, 'readWrite')
      .useTable('MODELS_TABLE', r.modelsTable, 'readWrite')
      // Product facts, to rebuild the prompts of exported preference pairs.
      .useTable('CATALOG_TABLE', r.catalogTable, 'read')
      .useBucket('DATA_BUCKET', r.dataBucket, 'readWrite');

    this.optimizationRun = new OptimizationRun(this, 'OptimizationRun', {
      optimizeFunction: optimizeTask,
      generateFunction: generateTask,
      predictFunction: predictTask,
    });

    const optimizeApi = new TailorFunction(this, 'OptimizeApiFunction', {
      entry: 'functions/optimize/handler.ts',
      exportName: 'api',
      description: 'HTTP API: campaigns, allocation decisions, feedback, re-optimization runs, reports',
    })
      .useTable('CAMPAIGNS_TABLE', r.campaignsTable, 'readWrite')
      .useTable('FEEDBACK_TABLE', r.feedbackTable, 'readWrite')
      .useTable('PROFILES_TABLE', r.profilesTable, 'read')
      .useTable('OPERATIONS_TABLE', r.operationsTable, 'readWrite')
      .useBucket('DATA_BUCKET', r.dataBucket, 'read')
      .useSecret('LINK_KEY_SECRET_ARN', r.linkKeySecret, r.dataKey)
      .useStateMachine('CAMPAIGN_STATE_MACHINE_ARN', this.campaignRun.stateMachine)
      .useStateMachine('OPTIMIZATION_STATE_MACHINE_ARN', this.optimizationRun.stateMachine);

    const optimizeSchedule = new TailorFunction(this, 'OptimizeScheduleFunction', {
      entry: 'functions/optimize/handler.ts',
      exportName: 'schedule',
      description: 'Scheduled re-optimization: starts a re-optimization run',
    })
      .useTable('OPERATIONS_TABLE', r.operationsTable, 'readWrite')
      .useStateMachine('OPTIMIZATION_STATE_MACHINE_ARN', this.optimizationRun.stateMachine);

    this.functions = {
      profileApi,
      profileIngest,
      profileRun,
      profileSchedule,
      generateApi,
      predictApi,
      optimizeApi,
      generateTask,
      predictTask,
      campaignTask,
      optimizeTask,
      optimizeSchedule,
    };

    const { api, stage } = this.httpApi(settings, {
      profile: profileApi,
      generate: generateApi,
      predict: predictApi,
      optimize: optimizeApi,
    });
    this.api = api;
    this.apiUrl = stage.url;
    // Tracked links are written under the API's own URL (the $default stage has no path).
    optimizeApi.addEnvironment('PUBLIC_API_URL', api.apiEndpoint);

    // Event delivery failures (after EventBridge's retries) land here instead of being lost.
    const deadLetters = new Queue(this, 'EventsDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      deadLetters,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the EventBridge targets (S3 batch uploads, schedules).',
    );

    // Batch uploads: the bucket sends Object Created events to EventBridge (set in the stateful
    // stack); matching here keeps every reference pointing from this stack to that one.
    new Rule(this, 'BatchUploadRule', {
      description: `Starts ingestion of objects created under ${BATCH_PREFIX} in the data bucket`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [r.dataBucket.bucketName] },
          object: { key: [{ prefix: BATCH_PREFIX }] },
        },
      },
      targets: [
        new LambdaFunction(profileIngest, {
          deadLetterQueue: deadLetters,
          retryAttempts: 4,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    new Rule(this, 'ProfilingScheduleRule', {
      description: 'Periodic re-profiling',
      schedule: Schedule.expression(settings.profilingSchedule),
      targets: [
        new LambdaFunction(profileSchedule, {
          deadLetterQueue: deadLetters,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    new Rule(this, 'OptimizationScheduleRule', {
      description:
        'Periodic re-optimization: posteriors, verdicts, challengers, retraining, strategies, preference export',
      schedule: Schedule.expression(settings.optimizationSchedule),
      targets: [
        new LambdaFunction(optimizeSchedule, {
          deadLetterQueue: deadLetters,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    new CfnOutput(this, 'ApiUrl', { value: this.apiUrl, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'DataBucketName', {
      value: r.dataBucket.bucketName,
      description: `Data bucket; uploads under ${BATCH_PREFIX} are ingested`,
    });
    new CfnOutput(this, 'ProfilingStateMachineArn', { value: stateMachine.stateMachineArn });
    new CfnOutput(this, 'CampaignStateMachineArn', { value: this.campaignRun.stateMachine.stateMachineArn });
    new CfnOutput(this, 'OptimizationStateMachineArn', {
      value: this.optimizationRun.stateMachine.stateMachineArn,
    });
  }

  /** The HTTP API: one route per entry of the shared route table, on its group's function. */
  private httpApi(
    settings: Settings,
    handlers: Record<ApiGroup, TailorFunction>,
  ): { api: HttpApi; stage: HttpStage } {
    const api = new HttpApi(this, 'HttpApi', {
      description: 'Tailor HTTP API',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: ['*'],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
        // SigV4 headers too, for the default IAM authorizer.
        allowHeaders: [
          'content-type',
          'authorization',
          'x-amz-date',
          'x-amz-security-token',
          'x-amz-content-sha256',
        ],
        maxAge: Duration.hours(1),
      },
    });

    const accessLogs = new LogGroup(this, 'HttpApiAccessLogs', { retention: RetentionDays.ONE_MONTH });
    const stage = new HttpStage(this, 'HttpApiDefaultStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });

    const authorizer: IHttpRouteAuthorizer =
      settings.authorizer === 'jwt'
        ? new HttpJwtAuthorizer('JwtAuthorizer', settings.jwtIssuer ?? '', {
            jwtAudience: settings.jwtAudience ?? [],
          })
        : new HttpIamAuthorizer();
    const none = new HttpNoneAuthorizer();

    const integrations = new Map<ApiGroup, HttpLambdaIntegration>();
    for (const route of listRoutes()) {
      let integration = integrations.get(route.group);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.group}Integration`, handlers[route.group]);
        integrations.set(route.group, integration);
      }
      const [httpRoute] = api.addRoutes({
        path: route.path,
        methods: [route.method as HttpMethod],
        integration,
        authorizer: route.auth ? authorizer : none,
      });
      if (!route.auth && httpRoute) {
        acknowledge(
          httpRoute,
          'AwsSolutions-APIG4',
          `${route.key} is public by design (routes table: auth false): ${route.public ?? 'no reason given'}.`,
        );
      }
    }
    return { api, stage };
  }
}
