import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The parts of a synthesized CloudFormation template the local runtime reads. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

export const localRegion = 'us-east-1';
export const localAccount = '000000000000';

/**
 * Synthesize the same CDK app that is deployed, in-process and without bundling: the local
 * runtime creates its tables, bucket, routes, rules and state machines from these templates.
 */
export async function synthesizeTemplates(cdkJsonPath = 'cdk.json'): Promise<Record<string, CfnTemplate>> {
  // The same context (feature flags) `cdk synth` reads from cdk.json.
  const cdkJson = JSON.parse(readFileSync(cdkJsonPath, 'utf8')) as { context?: Record<string, unknown> };
  const [{ App }, { buildTailorApp }] = await Promise.all([import('aws-cdk-lib'), import('../lib/app')]);
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  buildTailorApp(app);
  const assembly = app.synth();
  const templates: Record<string, CfnTemplate> = {};
  for (const stack of assembly.stacks) templates[stack.stackName] = stack.template as CfnTemplate;
  return templates;
}

/** Everything the synthesized templates depend on: the app's sources, cdk.json, the CDK version. */
function sourceDigest(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) hash.update(full).update(readFileSync(full));
    }
  };
  walk(path.join(root, 'lib'));
  walk(path.join(root, 'bin'));
  for (const file of ['functions/shared/routes.ts', 'cdk.json', 'node_modules/aws-cdk-lib/package.json']) {
    const full = path.join(root, file);
    if (existsSync(full)) hash.update(file).update(readFileSync(full));
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * The synthesized templates, from a cache keyed by the digest of their sources when nothing
 * changed since the last start (synthesis loads all of aws-cdk-lib: seconds), else synthesized.
 */
export async function loadTemplates(root = '.'): Promise<Record<string, CfnTemplate>> {
  const dir = path.join(tmpdir(), 'tailor-synth-cache');
  const file = path.join(dir, `${sourceDigest(root)}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, CfnTemplate>;
  const templates = await synthesizeTemplates(path.join(root, 'cdk.json'));
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(templates));
  renameSync(partial, file);
  return templates;
}

/** CDK appends an 8-character hash to logical ids; the local names drop it. */
export function baseName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}

/**
 * Resolves CloudFormation intrinsics in synthesized templates to local values: Ref and
 * Fn::GetAtt to local names and ARNs, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, and
 * Fn::ImportValue across the stacks of the app.
 */
export class TemplateResolver {
  private readonly resources = new Map<string, CfnResource>();
  private readonly exports = new Map<string, unknown>();

  constructor(readonly templates: Record<string, CfnTemplate>) {
    for (const template of Object.values(templates)) {
      for (const [id, resource] of Object.entries(template.Resources)) this.resources.set(id, resource);
    }
    for (const template of Object.values(templates)) {
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export) this.exports.set(String(this.resolve(output.Export.Name)), output.Value);
      }
    }
  }

  /** Every resource of a type, across stacks, by logical id. */
  ofType(type: string): Array<[string, CfnResource]> {
    return [...this.resources.entries()].filter(([, r]) => r.Type === type);
  }

  resource(logicalId: string): CfnResource | undefined {
    return this.resources.get(logicalId);
  }

  /** The name a resource has locally. */
  physicalName(logicalId: string): string {
    const resource = this.resources.get(logicalId);
    const props = resource?.Properties ?? {};
    switch (resource?.Type) {
      case 'AWS::S3::Bucket':
        return `tailor-${baseName(logicalId).toLowerCase()}`.slice(0, 63);
      case 'AWS::SageMaker::Endpoint':
        return props['EndpointName'] ? String(this.resolve(props['EndpointName'])) : baseName(logicalId);
      default:
        return baseName(logicalId);
    }
  }

  arn(logicalId: string): string {
    const resource = this.resources.get(logicalId);
    const name = this.physicalName(logicalId);
    const p = `arn:aws`;
    switch (resource?.Type) {
      case 'AWS::Lambda::Function':
        return `${p}:lambda:${localRegion}:${localAccount}:function:${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return `${p}:states:${localRegion}:${localAccount}:stateMachine:${name}`;
      case 'AWS::S3::Bucket':
        return `${p}:s3:::${name}`;
      case 'AWS::DynamoDB::Table':
        return `${p}:dynamodb:${localRegion}:${localAccount}:table/${name}`;
      case 'AWS::SageMaker::Endpoint':
        return `${p}:sagemaker:${localRegion}:${localAccount}:endpoint/${name.toLowerCase()}`;
      default:
        return `${p}:local:${localRegion}:${localAccount}:${name}`;
    }
  }

  private ref(name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return localRegion;
      case 'AWS::AccountId':
        return localAccount;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'Tailor-Local';
      case 'AWS::NoValue':
        return undefined;
    }
    const resource = this.resources.get(name);
    if (!resource) return `local-${name}`;
    const arnByRef = ['AWS::StepFunctions::StateMachine', 'AWS::SageMaker::Endpoint', 'AWS::SNS::Topic'];
    return arnByRef.includes(resource.Type) ? this.arn(name) : this.physicalName(name);
  }

  private getAtt(id: string, attribute: string): unknown {
    const resource = this.resources.get(id);
    if (attribute === 'Arn' || attribute.endsWith('Arn')) return this.arn(id);
    if (attribute === 'Name' || attribute === 'EndpointName' || attribute === 'TableName')
      return this.physicalName(id);
    if (resource?.Type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiEndpoint') return 'http://127.0.0.1';
    return `local-${id}-${attribute}`;
  }

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [first] = entries;
    if (entries.length === 1 && first) {
      const [fn, arg] = first;
      switch (fn) {
        case 'Ref':
          return this.ref(String(arg));
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
          return this.getAtt(String(id), String(attr));
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [sep, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(sep);
        }
        case 'Fn::Sub': {
          const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
          return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (name in vars) return String(this.resolve(vars[name]));
            const [id, attr] = name.split('.');
            return String(attr ? this.getAtt(String(id), attr) : this.ref(name));
          });
        }
        case 'Fn::ImportValue': {
          const exportName = String(this.resolve(arg));
          if (!this.exports.has(exportName)) throw new Error(`no stack exports ${exportName}`);
          return this.resolve(this.exports.get(exportName));
        }
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }
}
