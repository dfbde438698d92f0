import { App, Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { TailorApp } from '../../lib/app';
import { buildTestApp } from './synth';

// cdk-nag 3 is a CDK policy-validation plugin: acknowledgements (each with its reason) live in
// the stack code; a violation that is neither fixed nor acknowledged fails `app.synth()` when
// the pack is registered (the `nag` setting), and shows up here as an unacknowledged finding.
let built: TailorApp & { app: App };

beforeAll(() => {
  built = buildTestApp({}, { nag: true });
  built.app.synth();
}, 120_000);

function findings(stack: Stack, severity: 'error' | 'warning'): string[] {
  const report = new AwsSolutionsChecks(built.app, { verbose: true }).validateScope(stack);
  return report.violations
    .filter((v) => v.severity === severity)
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}: ${v.description}`));
}

describe('cdk-nag AwsSolutions', () => {
  it('synthesizes with the AwsSolutions pack registered (synth fails on any violation)', () => {
    expect(
      built.app
        .synth()
        .stacks.map((s) => s.stackName)
        .sort(),
    ).toEqual(['Tailor-Console', 'Tailor-Model', 'Tailor-Service', 'Tailor-Stateful']);
  });

  it.each(['stateful', 'model', 'service', 'console'] as const)(
    'reports no errors in the %s stack',
    (name) => {
      expect(findings(built[name], 'error')).toEqual([]);
    },
  );

  it.each(['stateful', 'model', 'service', 'console'] as const)(
    'reports no warnings in the %s stack',
    (name) => {
      expect(findings(built[name], 'warning')).toEqual([]);
    },
  );

  it('does report an unacknowledged violation (the check is live)', () => {
    const app = new App();
    const stack = new Stack(app, 'Probe');
    new Bucket(stack, 'Bare');
    app.synth();
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
    );
  });
});
