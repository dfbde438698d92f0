import { Match, Template } from 'aws-cdk-lib/assertions';
import { listRoutes } from '../../functions/shared/routes';
import { buildTestApp, stateMachineDefinition } from './synth';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON, read by shape
type Json = Record<string, any>;

// Two synthesized apps shared by every test: the default one (with a model instance type and
// count from context, as `-c` would pass them) and one using an existing endpoint and JWTs.
let stateful: Template;
let model: Template;
let service: Template;
let externalModel: Template;
let externalService: Template;

beforeAll(() => {
  const main = buildTestApp({ modelInstanceType: 'ml.g6.2xlarge', modelInstanceCount: '2' });
  stateful = Template.fromStack(main.stateful);
  model = Template.fromStack(main.model);
  service = Template.fromStack(main.service);
  const external = buildTestApp({
    existingEndpointName: 'Tailor-LLM',
    authorizer: 'jwt',
    jwtIssuer: 'https://issuer.example.com/',
    jwtAudience: 'tailor-console',
  });
  externalModel = Template.fromStack(external.model);
  externalService = Template.fromStack(external.service);
}, 120_000);

/** The one resource of `type` whose logical id starts with `prefix` (construct ids are stable). */
function resource(template: Template, type: string, prefix: string): [string, Json] {
  const matches = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${matches.length}`);
  return matches[0] as [string, Json];
}

const functionIds = {
  profile: 'ProfileApiFunction',
  generate: 'GenerateApiFunction',
  predict: 'PredictApiFunction',
  optimize: 'OptimizeApiFunction',
} as const;

describe('stateful stack', () => {
  it('creates six on-demand tables with point-in-time recovery and customer-managed KMS encryption', () => {
    stateful.resourceCountIs('AWS::DynamoDB::Table', 6);
    stateful.allResourcesProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
    });
  });

  it.each([
    ['CatalogTable', 'productId', undefined],
    ['ProfilesTable', 'pk', 'sk'],
    ['OperationsTable', 'pk', 'sk'],
    ['CampaignsTable', 'pk', 'sk'],
    ['FeedbackTable', 'eventId', undefined],
    ['ModelsTable', 'model', 'version'],
  ])('keys %s by %s / %s', (id, partitionKey, sortKey) => {
    const [, table] = resource(stateful, 'AWS::DynamoDB::Table', id);
    const keys = [{ AttributeName: partitionKey, KeyType: 'HASH' }];
    if (sortKey) keys.push({ AttributeName: sortKey, KeyType: 'RANGE' });
    expect(table.Properties.KeySchema).toEqual(keys);
  });

  it('expires operations and feedback items through expiresAt, and no others', () => {
    const withTtl = Object.entries(stateful.findResources('AWS::DynamoDB::Table'))
      .filter(([, table]) => table.Properties.TimeToLiveSpecification)
      .map(([id, table]) => [id.replace(/[0-9A-F]{8}$/, ''), table.Properties.TimeToLiveSpecification]);
    expect(withTtl).toEqual([
      ['OperationsTable', { AttributeName: 'expiresAt', Enabled: true }],
      ['FeedbackTable', { AttributeName: 'expiresAt', Enabled: true }],
    ]);
  });

  it('retains the tables and the key when the stack is deleted (default removal policy)', () => {
    stateful.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    stateful.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: { EnableKeyRotation: true },
    });
  });

  it('blocks all public access to both buckets', () => {
    stateful.resourceCountIs('AWS::S3::Bucket', 2);
    stateful.allResourcesProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.objectLike({ ServerSideEncryptionConfiguration: Match.anyValue() }),
    });
  });

  it('denies requests without TLS on both buckets', () => {
    const policies = Object.values(stateful.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      );
    }
  });

  it('versions the data bucket, logs its access, and sends its object events to EventBridge', () => {
    const [, bucket] = resource(stateful, 'AWS::S3::Bucket', 'DataBucket');
    const [logsId] = resource(stateful, 'AWS::S3::Bucket', 'AccessLogsBucket');
    expect(bucket.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: logsId } },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
  });

  it('aborts stale multipart uploads, expires old versions and moves raw events to infrequent access', () => {
    const [, bucket] = resource(stateful, 'AWS::S3::Bucket', 'DataBucket');
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        expect.objectContaining({
          Prefix: 'raw/',
          Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }],
        }),
      ]),
    );
  });

  it('allows presigned PUT uploads from any origin', () => {
    const [, bucket] = resource(stateful, 'AWS::S3::Bucket', 'DataBucket');
    expect(bucket.Properties.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({ AllowedMethods: ['PUT'], AllowedOrigins: ['*'] }),
    ]);
  });

  it('refers to nothing in the other stacks (references point from the service stack only)', () => {
    expect(JSON.stringify(stateful.toJSON())).not.toContain('Fn::ImportValue');
  });
});

describe('model stack', () => {
  it('uses the instance type and count from context for the endpoint', () => {
    model.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        Match.objectLike({
          InstanceType: 'ml.g6.2xlarge',
          InitialInstanceCount: 2,
          ContainerStartupHealthCheckTimeoutInSeconds: 900,
        }),
      ],
    });
    model.resourceCountIs('AWS::SageMaker::Endpoint', 1);
  });

  it('serves the model id through the TGI container with the messages API', () => {
    model.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: {
        Image: {
          'Fn::Sub': Match.stringLikeRegexp('huggingface-pytorch-tgi-inference:2\\.4\\.0-tgi2\\.3\\.1'),
        },
        Environment: {
          HF_MODEL_ID: 'Qwen/Qwen2.5-7B-Instruct',
          SM_NUM_GPUS: '1',
          MAX_INPUT_TOKENS: '3072',
          MAX_TOTAL_TOKENS: '4096',
          MESSAGES_API_ENABLED: 'true',
        },
      },
    });
  });

  it('runs the model under a role only SageMaker can assume', () => {
    model.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })],
      },
    });
  });

  it('scales the variant from count to four times count on invocations per instance', () => {
    model.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 8,
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      ServiceNamespace: 'sagemaker',
    });
    model.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        TargetValue: 30,
      }),
    });
  });

  it.each([
    [
      's3://tuned-bucket/generator/job-1/',
      {
        ModelDataSource: Match.objectLike({
          S3DataSource: Match.objectLike({ S3DataType: 'S3Prefix', CompressionType: 'None' }),
        }),
      },
    ],
    [
      's3://tuned-bucket/generator/model.tar.gz',
      { ModelDataUrl: 's3://tuned-bucket/generator/model.tar.gz' },
    ],
  ])(
    'serves weights from %s when modelDataUrl is set, readable by the model role only there',
    (url, data) => {
      const tuned = Template.fromStack(buildTestApp({ modelDataUrl: url }).model);
      tuned.hasResourceProperties('AWS::SageMaker::Model', {
        PrimaryContainer: Match.objectLike({
          ...data,
          Environment: Match.objectLike({ HF_MODEL_ID: '/opt/ml/model' }),
        }),
      });
      const policy = JSON.stringify(tuned.findResources('AWS::IAM::Policy'));
      expect(policy).toContain('s3:GetObject');
      expect(policy).toContain('tuned-bucket/generator/');
    },
  );

  it('creates no SageMaker resources when existingEndpointName is set', () => {
    expect(Object.keys(externalModel.toJSON().Resources ?? {})).toEqual([]);
  });

  it('points the generate function at the existing endpoint by name and lower-case ARN', () => {
    const [, fn] = resource(externalService, 'AWS::Lambda::Function', 'GenerateApiFunction');
    expect(fn.Properties.Environment.Variables.MODEL_ENDPOINT_NAME).toBe('Tailor-LLM');
    const [, policy] = resource(externalService, 'AWS::IAM::Policy', 'GenerateApiFunctionRole');
    const invoke = policy.Properties.PolicyDocument.Statement.find(
      (s: Json) => s.Action === 'sagemaker:InvokeEndpoint',
    );
    expect(JSON.stringify(invoke.Resource)).toContain(':endpoint/tailor-llm');
  });
});

describe('service stack: functions', () => {
  const expected = [
    ['ProfileApiFunction', 'functions/profile/handler.ts', 'api'],
    ['ProfileIngestFunction', 'functions/profile/handler.ts', 'ingest'],
    ['ProfileRunFunction', 'functions/profile/handler.ts', 'runTask'],
    ['ProfileScheduleFunction', 'functions/profile/handler.ts', 'schedule'],
    ['GenerateApiFunction', 'functions/generate/handler.ts', 'api'],
    ['PredictApiFunction', 'functions/predict/handler.ts', 'api'],
    ['OptimizeApiFunction', 'functions/optimize/handler.ts', 'api'],
    ['GenerateTaskFunction', 'functions/generate/handler.ts', 'campaignTask'],
    ['PredictTaskFunction', 'functions/predict/handler.ts', 'campaignTask'],
    ['CampaignTaskFunction', 'functions/optimize/handler.ts', 'campaignTask'],
    ['OptimizeTaskFunction', 'functions/optimize/handler.ts', 'optimizeTask'],
    ['OptimizeScheduleFunction', 'functions/optimize/handler.ts', 'schedule'],
  ] as const;

  it('runs every function on Node.js 22, arm64, with active tracing and source maps', () => {
    service.resourceCountIs('AWS::Lambda::Function', expected.length);
    service.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          NODE_OPTIONS: '--enable-source-maps',
          LOG_LEVEL: 'INFO',
          POWERTOOLS_SERVICE_NAME: 'tailor',
        }),
      },
    });
  });

  it.each(expected)(
    'marks %s with its module %s and export %s for the local runtime',
    (id, entry, exportName) => {
      const [, fn] = resource(service, 'AWS::Lambda::Function', id);
      expect(fn.Metadata).toMatchObject({ 'Tailor:Entry': entry, 'Tailor:Export': exportName });
      expect(fn.Properties.Handler).toBe(`index.${exportName}`);
    },
  );

  it('gives long-running profile functions 15 minutes and 1769 MB, the others the defaults', () => {
    for (const id of ['ProfileIngestFunction', 'ProfileRunFunction']) {
      expect(resource(service, 'AWS::Lambda::Function', id)[1].Properties).toMatchObject({
        Timeout: 900,
        MemorySize: 1769,
      });
    }
    expect(resource(service, 'AWS::Lambda::Function', 'GenerateApiFunction')[1].Properties.Timeout).toBe(60);
    expect(resource(service, 'AWS::Lambda::Function', 'PredictApiFunction')[1].Properties).toMatchObject({
      Timeout: 30,
      MemorySize: 512,
    });
  });

  it.each([
    [
      'ProfileApiFunction',
      [
        'CATALOG_TABLE',
        'PROFILES_TABLE',
        'OPERATIONS_TABLE',
        'DATA_BUCKET',
        'PROFILING_STATE_MACHINE_ARN',
        'RAW_SHARDS',
        'TAILOR_DEFAULT_CURRENCY',
      ],
    ],
    [
      'ProfileIngestFunction',
      [
        'DATA_BUCKET',
        'OPERATIONS_TABLE',
        'CATALOG_TABLE',
        'PROFILING_STATE_MACHINE_ARN',
        'RAW_SHARDS',
        'TAILOR_DEFAULT_CURRENCY',
      ],
    ],
    [
      'ProfileRunFunction',
      ['DATA_BUCKET', 'OPERATIONS_TABLE', 'PROFILES_TABLE', 'CATALOG_TABLE', 'RAW_SHARDS'],
    ],
    ['ProfileScheduleFunction', ['OPERATIONS_TABLE', 'PROFILING_STATE_MACHINE_ARN']],
    [
      'GenerateApiFunction',
      ['CATALOG_TABLE', 'PROFILES_TABLE', 'MODEL_ENDPOINT_NAME', 'TAILOR_DEFAULT_CURRENCY'],
    ],
    ['PredictApiFunction', ['MODELS_TABLE', 'PROFILES_TABLE', 'DATA_BUCKET']],
    [
      'OptimizeApiFunction',
      [
        'CAMPAIGNS_TABLE',
        'FEEDBACK_TABLE',
        'PROFILES_TABLE',
        'OPERATIONS_TABLE',
        'DATA_BUCKET',
        'CAMPAIGN_STATE_MACHINE_ARN',
        'OPTIMIZATION_STATE_MACHINE_ARN',
        'LINK_KEY_SECRET_ARN',
        'PUBLIC_API_URL',
      ],
    ],
    [
      'GenerateTaskFunction',
      ['CATALOG_TABLE', 'PROFILES_TABLE', 'MODEL_ENDPOINT_NAME', 'TAILOR_DEFAULT_CURRENCY'],
    ],
    ['PredictTaskFunction', ['MODELS_TABLE', 'PROFILES_TABLE', 'DATA_BUCKET']],
    [
      'CampaignTaskFunction',
      ['CAMPAIGNS_TABLE', 'FEEDBACK_TABLE', 'PROFILES_TABLE', 'CATALOG_TABLE', 'DATA_BUCKET'],
    ],
    [
      'OptimizeTaskFunction',
      [
        'CAMPAIGNS_TABLE',
        'FEEDBACK_TABLE',
        'PROFILES_TABLE',
        'OPERATIONS_TABLE',
        'MODELS_TABLE',
        'CATALOG_TABLE',
        'DATA_BUCKET',
      ],
    ],
    ['OptimizeScheduleFunction', ['OPERATIONS_TABLE', 'OPTIMIZATION_STATE_MACHINE_ARN']],
  ])('passes %s exactly the resource names it is granted', (id, names) => {
    const [, fn] = resource(service, 'AWS::Lambda::Function', id);
    const resourceNames = Object.keys(fn.Properties.Environment.Variables).filter(
      (name) => !['LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'NODE_OPTIONS'].includes(name),
    );
    expect(resourceNames.sort()).toEqual([...names].sort());
  });

  it('lets only the optimize API read the link key secret, decrypting through Secrets Manager only', () => {
    const resources = service.toJSON().Resources as Json;
    const readers = Object.entries(resources)
      .filter(([, r]) => (r as Json).Type === 'AWS::IAM::Policy')
      .filter(([, r]) =>
        JSON.stringify((r as Json).Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'),
      )
      .map(([id]) => id);
    expect(readers).toHaveLength(1);
    expect(readers[0]).toMatch(/^OptimizeApiFunction/);
    const doc = JSON.stringify(resources[readers[0]!].Properties.PolicyDocument);
    expect(doc).toContain('kms:ViaService');
  });

  it('gives each function its own log group kept for one month, and roles without managed policies', () => {
    const logGroups = service.findResources('AWS::Logs::LogGroup');
    for (const [, fn] of Object.entries(service.findResources('AWS::Lambda::Function'))) {
      const groupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(logGroups[groupId]?.Properties.RetentionInDays).toBe(30);
    }
    service.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('lets only the generate functions invoke the model endpoint', () => {
    const invokers = Object.entries(service.findResources('AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('sagemaker:InvokeEndpoint'))
      .map(([id]) => id);
    expect(invokers).toEqual([
      expect.stringMatching(/^GenerateApiFunctionRole/),
      expect.stringMatching(/^GenerateTaskFunctionRole/),
    ]);
  });
});

describe('service stack: HTTP API', () => {
  it('creates exactly one route per entry of the shared route table', () => {
    service.resourceCountIs('AWS::ApiGatewayV2::Route', listRoutes().length);
  });

  it.each(listRoutes().map((r) => [r.key, r] as const))(
    'routes %s to its group function with the right authorization',
    (_key, route) => {
      const routes = Object.values(service.findResources('AWS::ApiGatewayV2::Route')).filter(
        (r) => r.Properties.RouteKey === route.key,
      );
      expect(routes).toHaveLength(1);
      const props = routes[0]?.Properties;
      expect(props.AuthorizationType).toBe(route.auth ? 'AWS_IAM' : 'NONE');
      const integrationId = props.Target['Fn::Join'][1][1].Ref as string;
      const integration = service.findResources('AWS::ApiGatewayV2::Integration')[integrationId];
      expect(integration?.Properties.IntegrationUri['Fn::GetAtt'][0]).toMatch(
        new RegExp(`^${functionIds[route.group]}[0-9A-F]{8}$`),
      );
    },
  );

  it('uses a JWT authorizer on authenticated routes when authorizer is jwt', () => {
    externalService.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['tailor-console'] },
    });
    for (const route of listRoutes()) {
      externalService.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: route.key,
        AuthorizationType: route.auth ? 'JWT' : 'NONE',
      });
    }
  });

  it('logs access on the auto-deployed default stage and throttles it', () => {
    service.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpApiAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
      DefaultRouteSettings: { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 },
    });
  });

  it('answers CORS preflight for the content-type and authorization headers', () => {
    service.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowHeaders: Match.arrayWith(['content-type', 'authorization']),
      }),
    });
  });
});

describe('service stack: profiling state machine', () => {
  let definition: Json;
  beforeAll(() => {
    const [, machine] = resource(service, 'AWS::StepFunctions::StateMachine', 'ProfilingRunStateMachine');
    definition = stateMachineDefinition(machine);
  });

  it('prepares, profiles the shards, fits segments, assigns the shards, finishes and succeeds', () => {
    expect(definition.StartAt).toBe('PrepareRun');
    expect(definition.States.PrepareRun.Next).toBe('ProfileShards');
    expect(definition.States.ProfileShards.Next).toBe('FitSegments');
    expect(definition.States.FitSegments.Next).toBe('AssignSegments');
    // The second map reads the manifest key from the state: the fit must not replace it.
    expect(definition.States.FitSegments.ResultPath).toBe('$.fit');
    expect(definition.States.AssignSegments.Next).toBe('FinishRun');
    expect(definition.States.FinishRun.Next).toBe('RunSucceeded');
    expect(definition.States.RunSucceeded.Type).toBe('Succeed');
    expect(definition.QueryLanguage).toBeUndefined();
    expect(definition.TimeoutSeconds).toBe(7200);
  });

  it.each([
    ['ProfileShards', 'ProfileShard'],
    ['AssignSegments', 'AssignShard'],
  ])('runs %s as a DISTRIBUTED map reading the manifest from S3', (name, child) => {
    const map = definition.States[name];
    expect(map).toMatchObject({
      Type: 'Map',
      MaxConcurrency: 64,
      ResultPath: null,
      ItemSelector: { 'runId.$': '$.runId', 'shard.$': '$$.Map.Item.Value' },
      ItemReader: {
        Resource: expect.stringMatching(/:states:::s3:getObject$/),
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Key.$': '$.manifestKey' },
      },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: child },
    });
    expect(map.ItemProcessor.States[child].Retry[0].ErrorEquals).toEqual(
      expect.arrayContaining(['Lambda.ServiceException', 'ThrottlingError']),
    );
  });

  it('sends each task its step name and retries it with backoff and jitter under a timeout', () => {
    const tasks: [string, Json][] = [
      ...Object.entries(definition.States as Json),
      ...Object.entries(definition.States.ProfileShards.ItemProcessor.States as Json),
      ...Object.entries(definition.States.AssignSegments.ItemProcessor.States as Json),
    ].filter(([, state]) => state.Type === 'Task');
    expect(Object.fromEntries(tasks.map(([name, state]) => [name, state.Parameters.step]))).toEqual({
      PrepareRun: 'prepare',
      ProfileShard: 'shard',
      FitSegments: 'fit',
      AssignShard: 'assign',
      FinishRun: 'finish',
      MarkRunFailed: 'fail',
    });
    for (const [, state] of tasks) {
      expect(state.TimeoutSeconds).toBeGreaterThan(0);
      expect(state.Retry[0]).toMatchObject({ BackoffRate: 2, JitterStrategy: 'FULL' });
    }
  });

  it('catches every failure of the run into MarkRunFailed, which ends in the RunFailed state', () => {
    for (const name of ['PrepareRun', 'ProfileShards', 'FitSegments', 'AssignSegments', 'FinishRun']) {
      expect(definition.States[name].Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkRunFailed' },
      ]);
    }
    expect(definition.States.MarkRunFailed.Next).toBe('RunFailed');
    expect(definition.States.RunFailed).toMatchObject({ Type: 'Fail', Error: 'ProfilingRunFailed' });
    expect(definition.States.RunFailed.Cause).toEqual(expect.any(String));
  });

  it('logs ALL events and traces executions', () => {
    service.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
      TracingConfiguration: { Enabled: true },
    });
  });
});

describe('service stack: campaign and re-optimization state machines', () => {
  let campaign: Json;
  let optimization: Json;
  beforeAll(() => {
    campaign = stateMachineDefinition(
      resource(service, 'AWS::StepFunctions::StateMachine', 'CampaignRunStateMachine')[1],
    );
    optimization = stateMachineDefinition(
      resource(service, 'AWS::StepFunctions::StateMachine', 'OptimizationRunStateMachine')[1],
    );
  });

  it('plans, then generates, predicts and selects per segment in a Map, then finishes', () => {
    expect(campaign.StartAt).toBe('PlanCampaign');
    expect(campaign.States.PlanCampaign).toMatchObject({ ResultPath: '$.plan', Next: 'PerSegment' });
    const perSegment = campaign.States.PerSegment;
    expect(perSegment).toMatchObject({ Type: 'Map', ItemsPath: '$.plan.segments', ResultPath: '$.results' });
    const inner = perSegment.ItemProcessor.States;
    expect(perSegment.ItemProcessor.StartAt).toBe('SegmentGenerateVariants');
    expect(inner.SegmentGenerateVariants).toMatchObject({
      InputPath: '$.generate',
      ResultPath: '$.generated',
      Next: 'SegmentPredictVariants',
    });
    expect(inner.SegmentPredictVariants.Next).toBe('SelectVariants');
    expect(inner.SelectVariants.Parameters.step).toBe('select');
    // A failed segment is recorded as that iteration's result; the Map goes on.
    for (const name of ['SegmentGenerateVariants', 'SegmentPredictVariants', 'SelectVariants']) {
      expect(inner[name].Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'SegmentFailed' },
      ]);
    }
    expect(inner.SegmentFailed).toMatchObject({ Type: 'Pass', End: true });
    expect(campaign.States['BatchCampaign?'].Choices[0]).toMatchObject({
      Variable: '$.plan.manifestKey',
      IsPresent: true,
      Next: 'WriteMessages',
    });
    expect(campaign.States.WriteMessages.ItemProcessor.ProcessorConfig.Mode).toBe('DISTRIBUTED');
    expect(campaign.States.FinishCampaign.Next).toBe('CampaignReady');
    expect(campaign.States.MarkCampaignFailed.Next).toBe('CampaignFailed');
    expect(campaign.States.CampaignFailed).toMatchObject({ Type: 'Fail', Error: 'CampaignRunFailed' });
  });

  it('updates each campaign, breeds challengers and reports, then retrains, finds strategies and exports pairs', () => {
    expect(optimization.StartAt).toBe('CollectCampaigns');
    expect(optimization.States.CollectCampaigns.Next).toBe('PerCampaign');
    const perCampaign = optimization.States.PerCampaign;
    expect(perCampaign.ItemProcessor.StartAt).toBe('UpdateCampaign');
    expect(perCampaign.ItemProcessor.States.UpdateCampaign.Next).toBe('BreedChallengers');
    expect(perCampaign.ItemProcessor.States.BreedChallengers.Next).toBe('ReportCampaign');
    expect(perCampaign.Next).toBe('Retrain');
    expect(optimization.States.Retrain.Next).toBe('Strategies');
    expect(optimization.States.Strategies.Next).toBe('ExportPreferences');
    expect(optimization.States.ExportPreferences.Next).toBe('FinishOptimization');
    expect(optimization.States.FinishOptimization.Next).toBe('OptimizationDone');
    const steps = Object.values(optimization.States as Json)
      .filter((state) => state.Type === 'Task')
      .map((state) => state.Parameters.step)
      .sort();
    expect(steps).toEqual(['collect', 'export', 'fail', 'finish', 'retrain', 'strategies']);
    const inner = optimization.States.PerCampaign.ItemProcessor.States;
    expect(inner.ReportCampaign.Parameters.step).toBe('report');
    expect(inner.BreedChallengers.ItemProcessor.States.EnterChallengers.Parameters.step).toBe('enter');
  });

  it('re-optimizes on the configured schedule', () => {
    const [scheduleId] = resource(service, 'AWS::Lambda::Function', 'OptimizeScheduleFunction');
    service.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(6 hours)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [scheduleId, 'Arn'] } })],
    });
  });
});

describe('service stack: events', () => {
  it('starts ingestion for objects created under batch/ in the data bucket, with retries and a DLQ', () => {
    const [ingestId] = resource(service, 'AWS::Lambda::Function', 'ProfileIngestFunction');
    const [queueId] = resource(service, 'AWS::SQS::Queue', 'EventsDeadLetterQueue');
    service.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ 'Fn::ImportValue': Match.stringLikeRegexp('DataBucket') }] },
          object: { key: [{ prefix: 'batch/' }] },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [ingestId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
        }),
      ],
    });
  });

  it('re-profiles on the configured schedule', () => {
    const [scheduleId] = resource(service, 'AWS::Lambda::Function', 'ProfileScheduleFunction');
    service.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [scheduleId, 'Arn'] } })],
    });
  });

  it('encrypts the dead-letter queue and denies it to requests without TLS', () => {
    service.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    service.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('outputs the API URL, the data bucket name and the state machine ARNs', () => {
    for (const name of [
      'ApiUrl',
      'DataBucketName',
      'ProfilingStateMachineArn',
      'CampaignStateMachineArn',
      'OptimizationStateMachineArn',
    ]) {
      service.hasOutput(name, { Value: Match.anyValue() });
    }
  });
});
