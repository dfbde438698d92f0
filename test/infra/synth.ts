import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildTailorApp, type TailorApp } from '../../lib/app';
import { projectRoot } from '../../lib/constructs/tailor-function';
import type { Settings } from '../../lib/settings';

/**
 * The Tailor app as `cdk synth` builds it (the context of cdk.json, feature flags included),
 * plus `context`, but with function bundling skipped: `aws:cdk:bundling-stacks` lists the
 * stacks whose assets are bundled, and none is listed.
 */
export function buildTestApp(
  context: Record<string, unknown> = {},
  overrides: Partial<Settings> = {},
): TailorApp & { app: App } {
  const cdkJson = JSON.parse(readFileSync(join(projectRoot(), 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const app = new App({
    context: { ...cdkJson.context, ...context, 'aws:cdk:bundling-stacks': [] },
  });
  return { app, ...buildTailorApp(app, overrides) };
}

type Json = Record<string, unknown>;

/**
 * A state machine's ASL as an object: the `Fn::Join` parts of its DefinitionString with every
 * CloudFormation reference replaced by a placeholder string.
 */
export function stateMachineDefinition(resource: Json): Json {
  const definition = (resource.Properties as Json).DefinitionString as
    | string
    | { 'Fn::Join': [string, unknown[]] };
  if (typeof definition === 'string') return JSON.parse(definition) as Json;
  const [, parts] = definition['Fn::Join'];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'REF')).join('')) as Json;
}
