import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSettings, type Settings } from './settings';
import { ConsoleStack } from './stacks/console-stack';
import { ModelStack } from './stacks/model-stack';
import { ServiceStack } from './stacks/service-stack';
import { StatefulStack } from './stacks/stateful-stack';

export interface TailorApp {
  readonly stateful: StatefulStack;
  readonly model: ModelStack;
  readonly service: ServiceStack;
  readonly console: ConsoleStack;
  readonly settings: Settings;
}

/**
 * The Tailor stacks, environment-agnostic: `Tailor-Stateful` (tables, bucket, key),
 * `Tailor-Model` (the SageMaker endpoint) and `Tailor-Service` (functions, API, state
 * machine, rules), which receives the other two's resources as typed objects.
 * With the `nag` setting the cdk-nag AwsSolutions pack validates the app on synth.
 */
export function buildTailorApp(app: App, overrides: Partial<Settings> = {}): TailorApp {
  const settings = readSettings(app, overrides);
  const description = (part: string) => `Tailor: personalized marketing copy (${part})`;

  const stateful = new StatefulStack(app, 'Tailor-Stateful', {
    settings,
    description: description('data: tables, bucket, key'),
  });
  const model = new ModelStack(app, 'Tailor-Model', {
    settings,
    description: description('generation model endpoint'),
  });
  const service = new ServiceStack(app, 'Tailor-Service', {
    settings,
    description: description('functions, HTTP API, state machine, schedules'),
    resources: stateful,
    endpointName: model.endpointName,
    endpointArn: model.endpointArn,
  });

  const webConsole = new ConsoleStack(app, 'Tailor-Console', {
    settings,
    description: description('web console: S3 and CloudFront'),
    apiUrl: service.apiUrl,
  });

  if (settings.nag) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  }
  return { stateful, model, service, console: webConsole, settings };
}
