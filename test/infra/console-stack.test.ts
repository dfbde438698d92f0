import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { TailorApp } from '../../lib/app';
import { parseSettings } from '../../lib/settings';
import { ConsoleStack } from '../../lib/stacks/console-stack';
import { buildTestApp } from './synth';

let built: TailorApp & { app: App };
let template: Template;

beforeAll(() => {
  built = buildTestApp({}, { nag: true });
  built.app.synth();
  template = Template.fromStack(built.console);
}, 120_000);

/** The config.json a stack deploys: the second source of its deployment, as staged on synth. */
function deployedConfig(stack: Stack): Record<string, unknown> {
  const assembly = (stack.node.root as App).synth();
  const [deployment] = Object.values(
    Template.fromStack(stack).findResources('Custom::CDKBucketDeployment'),
  ) as Array<{
    Properties: { SourceObjectKeys: string[] };
  }>;
  const key = deployment?.Properties.SourceObjectKeys[1] ?? '';
  const file = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`, 'config.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** A console stack alone, with a build folder of our choosing. */
function standalone(consoleDir: string, settings = parseSettings({})): ConsoleStack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new ConsoleStack(app, 'Console', { settings, apiUrl: 'https://api.example.test/', consoleDir });
}

describe('the console stack', () => {
  it('keeps the console bucket private, encrypted and TLS-only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'console-bucket/' }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets only the distribution read the bucket, through origin access control', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
      }),
    });
  });

  it('serves HTTPS only, from index.html, with logging', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          ResponseHeadersPolicyId: Match.anyValue(),
        }),
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
      }),
    });
  });

  it('sends security headers: CSP, HSTS, nosniff, frame denial, referrer policy', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: {
            ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'self'.*frame-ancestors 'none'"),
            Override: true,
          },
          StrictTransportSecurity: Match.objectLike({
            AccessControlMaxAgeSec: 31536000,
            IncludeSubdomains: true,
          }),
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
          XSSProtection: Match.objectLike({ Protection: true, ModeBlock: true }),
        },
      }),
    });
  });

  it('deploys the build and a config.json naming the API and the auth mode, invalidating both', () => {
    const deployments = template.findResources('Custom::CDKBucketDeployment');
    const [deployment] = Object.values(deployments) as Array<{ Properties: Record<string, unknown> }>;
    expect(deployment).toBeDefined();
    expect(deployment?.Properties['DistributionPaths']).toEqual(['/index.html', '/config.json']);
    // The second source is config.json; its markers are the API URL (from the service stack) and the region.
    const markers = JSON.stringify(deployment?.Properties['SourceMarkers']);
    expect(markers).toContain('Tailor-Service');
    expect(markers).toContain('AWS::Region');
  });

  it('writes the auth mode the API uses into config.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<!doctype html>');
      for (const authorizer of ['iam', 'jwt'] as const) {
        const settings = parseSettings(
          authorizer === 'jwt'
            ? { authorizer, jwtIssuer: 'https://issuer.example.test', jwtAudience: 'console' }
            : { authorizer },
        );
        const stack = standalone(dir, settings);
        expect(deployedConfig(stack)).toMatchObject({
          apiUrl: 'https://api.example.test/',
          auth: authorizer,
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deploys a page saying how to build the console, with a warning, when there is no build', () => {
    const stack = standalone(join(tmpdir(), 'no-such-console-build'));
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('npm run build:console'));
    Template.fromStack(stack).resourceCountIs('Custom::CDKBucketDeployment', 1);
  });

  it('outputs the console URL', () => {
    template.hasOutput('ConsoleUrl', { Value: Match.anyValue() });
  });

  it.each(['error', 'warning'] as const)('reports no cdk-nag %s', (severity) => {
    const report = new AwsSolutionsChecks(built.app, { verbose: true }).validateScope(built.console as Stack);
    const found = report.violations
      .filter((v) => v.severity === severity)
      .flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}: ${v.description}`),
      );
    expect(found).toEqual([]);
  });
});
