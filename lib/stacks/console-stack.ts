import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, type ISource, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct, IConstruct } from 'constructs';
import { acknowledge, acknowledgeWildcards, resourceOf } from '../constructs/nag';
import { projectRoot } from '../constructs/tailor-function';
import { removalPolicyOf, type Settings } from '../settings';

export interface ConsoleStackProps extends StackProps {
  readonly settings: Settings;
  /** Base URL of the HTTP API the console calls (the service stack's stage URL). */
  readonly apiUrl: string;
  /** The built console; default `console/dist` of the repository (`npm run build:console`). */
  readonly consoleDir?: string;
}

/** What the console reads from `config.json` next to its `index.html`. */
export interface ConsoleConfigFile {
  readonly apiUrl: string;
  readonly auth: 'iam' | 'jwt';
  readonly region: string;
}

const placeholderPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tailor console</title></head>
<body><h1>The Tailor console was not built</h1><p>This deployment had no console build. Run
<code>npm run build:console</code>, then <code>cdk deploy Tailor-Console</code>.</p></body></html>`;

/**
 * The web console: a private S3 bucket (no public access, TLS only) served by CloudFront
 * through origin access control, HTTPS only, with security headers on every answer. The
 * built console is deployed with a BucketDeployment, and `config.json` beside `index.html`
 * tells it the API's URL and how to authenticate (the authorizer setting: a JWT, or SigV4
 * with the signed-in role's credentials). Without a build, a page saying how to build it
 * is deployed instead and synthesis warns.
 */
export class ConsoleStack extends Stack {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const removalPolicy = removalPolicyOf(settings);

    const logsBucket = new Bucket(this, 'ConsoleLogsBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logs are delivered with an ACL: the bucket must accept ACLs.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ id: 'ExpireConsoleLogs', expiration: Duration.days(365) }],
      removalPolicy,
    });
    acknowledge(
      logsBucket,
      'AwsSolutions-S1',
      'This bucket is the log destination of the console bucket and its distribution; logging it into itself would log its own log deliveries.',
    );

    this.bucket = new Bucket(this, 'ConsoleBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: logsBucket,
      serverAccessLogsPrefix: 'console-bucket/',
      removalPolicy,
    });

    const headers = new ResponseHeadersPolicy(this, 'ConsoleHeaders', {
      comment: 'Tailor console: security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // The API (execute-api) and presigned uploads (S3) are both under amazonaws.com.
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self' https://*.amazonaws.com",
            "frame-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          preload: false,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });

    this.distribution = new Distribution(this, 'ConsoleDistribution', {
      comment: 'Tailor console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logsBucket,
      logFilePrefix: 'cloudfront/',
    });
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'The console is for the marketing team wherever they work; every API call it makes is authorized by the API (JWT or IAM), so no geo restriction is set.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'The distribution serves static files only; the API it calls has its own throttling and authorizer. Attach a WAF web ACL (settings outside this app) where policy requires one.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'The distribution uses the default *.cloudfront.net certificate, whose security policy CloudFront fixes (a minimum protocol needs a custom certificate); a custom domain with its certificate and TLSv1.2_2021 is a deployment choice outside this app.',
    );
    this.url = `https://${this.distribution.distributionDomainName}`;

    const consoleDir = props.consoleDir ?? join(projectRoot(), 'console', 'dist');
    let site: ISource;
    if (existsSync(join(consoleDir, 'index.html'))) {
      site = Source.asset(consoleDir);
    } else {
      site = Source.data('index.html', placeholderPage);
      Annotations.of(this).addWarningV2(
        '@tailor/console:not-built',
        `${consoleDir} has no index.html: a page saying how to build the console is deployed instead (run npm run build:console first).`,
      );
    }
    const config: ConsoleConfigFile = {
      apiUrl: props.apiUrl,
      auth: settings.authorizer,
      region: this.region,
    };
    new BucketDeployment(this, 'ConsoleDeployment', {
      sources: [site, Source.jsonData('config.json', config)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      memoryLimit: 256,
    });
    this.acknowledgeDeploymentHandler();

    new CfnOutput(this, 'ConsoleUrl', { value: this.url, description: 'The web console' });
  }

  /**
   * BucketDeployment runs a CDK-provided singleton Lambda whose role and runtime the app does
   * not choose; its findings are acknowledged on that function only.
   */
  private acknowledgeDeploymentHandler(): void {
    const handler: IConstruct | undefined = this.node.children.find((c) =>
      c.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (!handler) throw new Error('BucketDeployment handler not found: the CDK changed its construct id');
    acknowledge(
      handler,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The CDK BucketDeployment handler writes its logs with AWSLambdaBasicExecutionRole; the handler and its role are provided by the CDK.',
    );
    acknowledge(
      handler,
      'AwsSolutions-L1',
      'The CDK BucketDeployment handler runtime is chosen by the CDK release (its Python custom-resource handler), not by this app.',
    );
    acknowledgeWildcards(
      handler,
      'The CDK BucketDeployment handler reads the staged asset from the CDK assets bucket, replaces the objects of the console bucket and invalidates the distribution: its grants are object wildcards on those two buckets (and CloudFront invalidation, which has no resource-level permissions).',
      [
        'Action::s3:GetBucket*',
        'Action::s3:GetObject*',
        'Action::s3:List*',
        'Action::s3:Abort*',
        'Action::s3:DeleteObject*',
        /^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-<AWS::Region>\/\*$/,
        resourceOf(this.bucket, '<', '\\.Arn>\\/\\*'),
        'Resource::*',
      ],
    );
  }
}
