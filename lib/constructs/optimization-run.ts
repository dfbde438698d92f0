import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  Fail,
  LogLevel,
  Map as MapState,
  Pass,
  StateMachine,
  Succeed,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { segmentVariantsChain } from './campaign-run';
import { acknowledgeWildcards, resourceOf } from './nag';
import { catchAll, lambdaTask } from './tasks';

export interface OptimizationRunProps {
  /**
   * The re-optimization steps: `collect`, `update`, `enter`, `report`, `retrain`, `strategies`,
   * `export`, `finish`, `fail` (functions/optimize/handler.ts optimizeTask).
   */
  readonly optimizeFunction: IFunction;
  readonly generateFunction: IFunction;
  readonly predictFunction: IFunction;
}

/**
 * The re-optimization, one Step Functions standard workflow, input
 * `{ runId, campaignIds, breed, trigger }` (started by the schedule or `POST /optimize/runs`):
 *
 * `CollectCampaigns` → `PerCampaign`, an inline Map: `UpdateCampaign` (posteriors, A/B
 * verdicts, clear losers stopped, allocation snapshot; challenger jobs when breeding) →
 * `BreedChallengers`, a Map over the jobs (generate from the winners' traits, predict, enter
 * with priors) → `ReportCampaign`; a campaign that fails is recorded and the others go on →
 * `Retrain` (click, conversion and uplift models on the feedback, promoted only when better on
 * held-out data) → `Strategies` (best channel, hour, tone, products per segment) →
 * `ExportPreferences` (DPO pairs to S3) → `FinishOptimization`. Any other failure:
 * `MarkOptimizationFailed` → `OptimizationFailed`.
 */
export class OptimizationRun extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: OptimizationRunProps) {
    super(scope, id);
    const step = (stateId: string, payload: Record<string, unknown>, resultPath?: string) =>
      lambdaTask(this, stateId, props.optimizeFunction, payload, {
        timeout: Duration.minutes(15),
        resultPath,
      });

    const failed = new Fail(this, 'OptimizationFailed', {
      error: 'OptimizationRunFailed',
      cause: 'The re-optimization failed: its run record holds the error, the execution history the details.',
    });
    const markFailed = step('MarkOptimizationFailed', {
      step: 'fail',
      'runId.$': '$.runId',
      'error.$': '$.error',
    });
    markFailed.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.markError' });
    markFailed.next(failed);

    const collect = step(
      'CollectCampaigns',
      { step: 'collect', 'runId.$': '$.runId', 'campaignIds.$': '$.campaignIds' },
      '$.collected',
    ).addCatch(markFailed, catchAll);

    // One campaign: update, breed, report. A failure ends that campaign's iteration only.
    const campaignFailed = new Pass(this, 'CampaignFailed', {
      parameters: { 'campaignId.$': '$.campaignId', 'error.$': '$.error' },
    });
    const update = step(
      'UpdateCampaign',
      { step: 'update', 'runId.$': '$.runId', 'campaignId.$': '$.campaignId', 'breed.$': '$.breed' },
      '$.update',
    ).addCatch(campaignFailed, catchAll);
    const breed = new MapState(this, 'BreedChallengers', {
      itemsPath: '$.update.challengers',
      maxConcurrency: 4,
      resultPath: '$.bred',
    });
    breed.itemProcessor(
      segmentVariantsChain(
        this,
        'Challenger',
        { ...props, selectFunction: props.optimizeFunction },
        {
          stateId: 'EnterChallengers',
          payload: {
            step: 'enter',
            'runId.$': '$.runId',
            'campaignId.$': '$.campaignId',
            'segmentId.$': '$.segmentId',
            'parents.$': '$.parents',
            'generated.$': '$.generated',
            'predicted.$': '$.predicted',
          },
        },
      ),
    );
    breed.addCatch(campaignFailed, catchAll);
    const report = step('ReportCampaign', {
      step: 'report',
      'runId.$': '$.runId',
      'campaignId.$': '$.campaignId',
      'update.$': '$.update',
      'bred.$': '$.bred',
    }).addCatch(campaignFailed, catchAll);
    const perCampaign = new MapState(this, 'PerCampaign', {
      itemsPath: '$.collected.campaigns',
      itemSelector: {
        'runId.$': '$$.Map.Item.Value.runId',
        'campaignId.$': '$$.Map.Item.Value.campaignId',
        'breed.$': '$.breed',
      },
      maxConcurrency: 4,
      resultPath: '$.campaigns',
    });
    perCampaign.itemProcessor(update.next(breed).next(report));
    perCampaign.addCatch(markFailed, catchAll);

    const retrain = step('Retrain', { step: 'retrain', 'runId.$': '$.runId' }, '$.retrain').addCatch(
      markFailed,
      catchAll,
    );
    const strategies = step(
      'Strategies',
      { step: 'strategies', 'runId.$': '$.runId' },
      '$.strategies',
    ).addCatch(markFailed, catchAll);
    const exportPairs = step(
      'ExportPreferences',
      { step: 'export', 'runId.$': '$.runId' },
      '$.export',
    ).addCatch(markFailed, catchAll);
    const finish = step('FinishOptimization', {
      step: 'finish',
      'runId.$': '$.runId',
      summary: {
        'campaigns.$': '$.campaigns',
        'retrain.$': '$.retrain',
        'strategies.$': '$.strategies',
        'export.$': '$.export',
      },
    }).addCatch(markFailed, catchAll);

    const definition = collect
      .next(perCampaign)
      .next(retrain)
      .next(strategies)
      .next(exportPairs)
      .next(finish)
      .next(new Succeed(this, 'OptimizationDone'));

    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment:
        'Tailor re-optimization: update bandit posteriors and A/B verdicts, breed challengers, report, retrain the predictors, segment strategies, preference export.',
      definitionBody: DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });

    acknowledgeWildcards(
      this.stateMachine,
      'Written by CDK for this machine only: lambda:InvokeFunction on the three task functions and their versions (<arn>:*); X-Ray and CloudWatch Logs delivery actions, which support no resource-level permissions.',
      [
        resourceOf(props.optimizeFunction, '<', '\\.Arn>:\\*'),
        resourceOf(props.generateFunction, '<', '\\.Arn>:\\*'),
        resourceOf(props.predictFunction, '<', '\\.Arn>:\\*'),
        'Resource::*',
      ],
    );
  }
}
