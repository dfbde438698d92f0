import { ArnFormat, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { PredefinedMetric, ScalableTarget, ServiceNamespace } from 'aws-cdk-lib/aws-applicationautoscaling';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnEndpoint, CfnEndpointConfig, CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcards } from '../constructs/nag';
import type { Settings } from '../settings';

/** Account that publishes the AWS deep learning containers (HF TGI included) in most regions. */
const DLC_ACCOUNT = '763104351884';
const TGI_REPOSITORY = 'huggingface-pytorch-tgi-inference';
const TGI_TAG = '2.4.0-tgi2.3.1-gpu-py311-cu124-ubuntu22.04';
const VARIANT_NAME = 'AllTraffic';

export interface ModelStackProps extends StackProps {
  readonly settings: Settings;
  /**
   * Key for the endpoint's ML storage volume. Leave unset for instance types with local NVMe
   * storage (g5, p4d...): SageMaker rejects a volume key for those, and their instance store
   * is encrypted by the hardware.
   */
  readonly volumeKey?: IKey;
}

/**
 * The generation model: an open instruction-tuned LLM served by Hugging Face
 * text-generation-inference on a GPU SageMaker real-time endpoint, with target-tracking
 * autoscaling on invocations per instance. With the `existingEndpointName` setting nothing is
 * created and the stack only names that endpoint.
 */
export class ModelStack extends Stack {
  /** Name to pass to `InvokeEndpoint`. */
  readonly endpointName: string;
  /** ARN to grant `sagemaker:InvokeEndpoint` on. */
  readonly endpointArn: string;

  constructor(scope: Construct, id: string, props: ModelStackProps) {
    super(scope, id, props);
    const { settings } = props;

    if (settings.existingEndpointName) {
      this.endpointName = settings.existingEndpointName;
      // SageMaker endpoint ARNs carry the name in lower case.
      this.endpointArn = this.formatArn({
        service: 'sagemaker',
        resource: 'endpoint',
        resourceName: settings.existingEndpointName.toLowerCase(),
      });
      acknowledge(
        this,
        'CloudFormation-Validate::F0001',
        'With existingEndpointName this stack is intentionally empty (the endpoint is managed elsewhere); the CDK CLI skips deploying a stack without resources.',
      );
      return;
    }

    const image =
      settings.modelImage ??
      Fn.sub(`${DLC_ACCOUNT}.dkr.ecr.\${AWS::Region}.\${AWS::URLSuffix}/${TGI_REPOSITORY}:${TGI_TAG}`);

    const role = new Role(this, 'ExecutionRole', {
      assumedBy: new ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Tailor: SageMaker execution role of the generation model',
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [this.repositoryArn(settings.modelImage)],
      }),
    );
    role.addToPolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    role.addToPolicy(
      new PolicyStatement({
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:DescribeLogStreams',
        ],
        resources: [
          this.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '/aws/sagemaker/Endpoints/*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    role.addToPolicy(
      new PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
      }),
    );
    acknowledgeWildcards(
      role,
      'ecr:GetAuthorizationToken and cloudwatch:PutMetricData support no resource-level permissions (the latter is limited by namespace); SageMaker names the endpoint log group /aws/sagemaker/Endpoints/<generated endpoint name>, so the role may write only under that prefix.',
      [
        'Resource::*',
        /^Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:\/aws\/sagemaker\/Endpoints\/\*$/,
      ],
    );
    if (settings.modelImage && !parseEcrImage(settings.modelImage)) {
      acknowledgeWildcards(
        role,
        'The modelImage setting is not an ECR image URI, so the repository to pull from cannot be named.',
        ['Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:*:repository/*'],
      );
    }

    const weights = settings.modelDataUrl ? this.modelData(settings.modelDataUrl, role) : undefined;
    const model = new CfnModel(this, 'Model', {
      executionRoleArn: role.roleArn,
      primaryContainer: {
        image,
        ...weights,
        environment: {
          // Weights from S3 are unpacked under /opt/ml/model, where TGI loads them from.
          HF_MODEL_ID: weights ? '/opt/ml/model' : settings.modelId,
          SM_NUM_GPUS: '1',
          MAX_INPUT_TOKENS: '3072',
          MAX_TOTAL_TOKENS: '4096',
          MESSAGES_API_ENABLED: 'true',
        },
      },
    });
    // The role's policy must exist before SageMaker pulls the image with it.
    model.node.addDependency(role);

    const endpointConfig = new CfnEndpointConfig(this, 'EndpointConfig', {
      kmsKeyId: props.volumeKey?.keyArn,
      productionVariants: [
        {
          variantName: VARIANT_NAME,
          modelName: model.attrModelName,
          initialInstanceCount: settings.modelInstanceCount,
          instanceType: settings.modelInstanceType,
          initialVariantWeight: 1,
          // Downloading and loading the weights takes minutes on first start.
          containerStartupHealthCheckTimeoutInSeconds: 900,
        },
      ],
    });

    const endpoint = new CfnEndpoint(this, 'Endpoint', {
      endpointConfigName: endpointConfig.attrEndpointConfigName,
    });
    this.endpointName = endpoint.attrEndpointName;
    // Ref of AWS::SageMaker::Endpoint is its ARN (in the lower case IAM expects).
    this.endpointArn = endpoint.ref;

    const scaling = new ScalableTarget(this, 'EndpointScaling', {
      serviceNamespace: ServiceNamespace.SAGEMAKER,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      resourceId: `endpoint/${endpoint.attrEndpointName}/variant/${VARIANT_NAME}`,
      minCapacity: settings.modelInstanceCount,
      maxCapacity: settings.modelInstanceCount * 4,
      // The service-linked role Application Auto Scaling creates for SageMaker on first use.
      role: Role.fromRoleArn(
        this,
        'ScalingRole',
        this.formatArn({
          service: 'iam',
          region: '',
          resource: 'role',
          resourceName:
            'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
        }),
        { mutable: false },
      ),
    });
    scaling.scaleToTrackMetric('InvocationsPerInstance', {
      predefinedMetric: PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
      targetValue: 30,
    });
  }

  /** The ECR repository the image comes from, to scope the pull permissions. */
  /**
   * The container's model data for weights in S3, and the execution role's read access to them:
   * a `.tar.gz` archive (`ModelDataUrl`), or a prefix of uncompressed files (`ModelDataSource`).
   */
  private modelData(
    url: string,
    role: Role,
  ): Pick<CfnModel.ContainerDefinitionProperty, 'modelDataUrl' | 'modelDataSource'> {
    const [, bucket = '', key = ''] = /^s3:\/\/([^/]+)\/(.*)$/.exec(url) ?? [];
    const bucketArn = this.formatArn({ service: 's3', region: '', account: '', resource: bucket });
    const archive = key.endsWith('.tar.gz');
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`${bucketArn}/${key}${archive ? '' : '*'}`],
      }),
    );
    if (archive) return { modelDataUrl: url };
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${key}*`] } },
      }),
    );
    acknowledgeWildcards(role, 'The model weights are every object under the modelDataUrl prefix.', [
      /^Resource::arn:<AWS::Partition>:s3:::.*\*$/,
    ]);
    return {
      modelDataSource: { s3DataSource: { s3Uri: url, s3DataType: 'S3Prefix', compressionType: 'None' } },
    };
  }

  private repositoryArn(customImage: string | undefined): string {
    if (customImage === undefined) {
      return this.formatArn({
        service: 'ecr',
        account: DLC_ACCOUNT,
        resource: 'repository',
        resourceName: TGI_REPOSITORY,
      });
    }
    const parsed = parseEcrImage(customImage);
    if (!parsed)
      return this.formatArn({ service: 'ecr', account: '*', resource: 'repository', resourceName: '*' });
    return this.formatArn({
      service: 'ecr',
      account: parsed.account,
      region: parsed.region,
      resource: 'repository',
      resourceName: parsed.repository,
    });
  }
}

/** Account, region and repository of an ECR image URI; undefined for other registries. */
export function parseEcrImage(
  image: string,
): { account: string; region: string; repository: string } | undefined {
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(image);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { account: match[1], region: match[2], repository: match[3] };
}
