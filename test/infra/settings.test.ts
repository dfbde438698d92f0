import { App } from 'aws-cdk-lib';
import { parseSettings, readSettings } from '../../lib/settings';

describe('deploy settings', () => {
  it('has the documented defaults when no context is given', () => {
    expect(parseSettings({})).toEqual({
      authorizer: 'iam',
      modelId: 'Qwen/Qwen2.5-7B-Instruct',
      modelInstanceType: 'ml.g5.2xlarge',
      modelInstanceCount: 1,
      profilingSchedule: 'rate(1 day)',
      optimizationSchedule: 'rate(6 hours)',
      rawShards: 16,
      defaultCurrency: 'USD',
      removalPolicy: 'retain',
      nag: false,
    });
  });

  it('reads the default currency as an ISO 4217 code and refuses anything else by name', () => {
    expect(parseSettings({ defaultCurrency: 'gbp' }).defaultCurrency).toBe('GBP');
    expect(() => parseSettings({ defaultCurrency: 'RMB' })).toThrow(
      'Invalid CDK context value for "defaultCurrency": "RMB" is not an ISO 4217 currency code',
    );
  });

  it('coerces command-line strings: numbers, comma-separated lists, booleans', () => {
    const settings = parseSettings({
      modelInstanceCount: '2',
      rawShards: '64',
      authorizer: 'jwt',
      jwtIssuer: 'https://issuer.example.com/',
      jwtAudience: 'console, cli',
      nag: 'true',
    });
    expect(settings).toMatchObject({
      modelInstanceCount: 2,
      rawShards: 64,
      jwtAudience: ['console', 'cli'],
      nag: true,
    });
  });

  it('treats an empty string as not set', () => {
    expect(parseSettings({ existingEndpointName: '' }).existingEndpointName).toBeUndefined();
  });

  it('reads values from the CDK context, with typed overrides on top', () => {
    const app = new App({ context: { modelInstanceType: 'ml.g6.xlarge', rawShards: '8' } });
    expect(readSettings(app, { rawShards: 32 })).toMatchObject({
      modelInstanceType: 'ml.g6.xlarge',
      rawShards: 32,
    });
  });

  it('throws naming the context key when a number is not a number', () => {
    expect(() => parseSettings({ modelInstanceCount: 'two' })).toThrow(/"modelInstanceCount"/);
  });

  it('throws naming the context key when an enum value is unknown', () => {
    expect(() => parseSettings({ removalPolicy: 'snapshot' })).toThrow(/"removalPolicy"/);
  });

  it('throws naming jwtIssuer when the JWT authorizer has no issuer', () => {
    expect(() => parseSettings({ authorizer: 'jwt', jwtAudience: 'console' })).toThrow(/"jwtIssuer"/);
  });

  it('throws naming profilingSchedule when it is not a schedule expression', () => {
    expect(() => parseSettings({ profilingSchedule: 'daily' })).toThrow(/"profilingSchedule"/);
    expect(() => parseSettings({ optimizationSchedule: 'hourly' })).toThrow(/"optimizationSchedule"/);
    expect(() => parseSettings({ modelDataUrl: 'https://example.com/model' })).toThrow(/"modelDataUrl"/);
  });
});
