import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  Choice,
  Condition,
  DefinitionBody,
  DistributedMap,
  Fail,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  S3JsonItemReader,
  StateMachine,
  Succeed,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeWildcards, resourceOf } from './nag';
import { catchAll, lambdaTask } from './tasks';

export interface CampaignRunProps {
  /** The campaign steps: `plan`, `select`, `messages`, `finish`, `fail` (functions/optimize/handler.ts campaignTask). */
  readonly campaignFunction: IFunction;
  /** Copy generation for one segment (functions/generate/handler.ts campaignTask). */
  readonly generateFunction: IFunction;
  /** Predictions for one segment's variants (functions/predict/handler.ts campaignTask). */
  readonly predictFunction: IFunction;
  /** Bucket holding a batch campaign's user-chunk manifest and its messages. */
  readonly bucket: IBucket;
}

/**
 * Generation, prediction and selection of one segment's variants, as states of a Map
 * iteration (the campaign run's and the re-optimization's): `GenerateVariants` (the item's
 * `generate` request) → `PredictVariants` → `select`. A failure is caught and becomes the
 * iteration's result `{ segmentId, error }`, so one segment's failure does not stop the others.
 */
export function segmentVariantsChain(
  scope: Construct,
  prefix: string,
  props: { generateFunction: IFunction; predictFunction: IFunction; selectFunction: IFunction },
  select: { stateId: string; payload: Record<string, unknown> },
) {
  const failed = new Pass(scope, `${prefix}Failed`, {
    parameters: { 'segmentId.$': '$.segmentId', 'error.$': '$.error' },
  });
  const generate = lambdaTask(scope, `${prefix}GenerateVariants`, props.generateFunction, undefined, {
    timeout: Duration.minutes(5),
    inputPath: '$.generate',
    resultPath: '$.generated',
  }).addCatch(failed, catchAll);
  const predict = lambdaTask(
    scope,
    `${prefix}PredictVariants`,
    props.predictFunction,
    {
      'segmentId.$': '$.segmentId',
      'goal.$': '$.generate.goal',
      'channel.$': '$.generate.channel',
      'language.$': '$.generate.language',
      'tone.$': '$.generate.tone',
      'generated.$': '$.generated',
    },
    { timeout: Duration.minutes(2), resultPath: '$.predicted' },
  ).addCatch(failed, catchAll);
  const selectTask = lambdaTask(scope, select.stateId, props.selectFunction, select.payload, {
    timeout: Duration.minutes(2),
  }).addCatch(failed, catchAll);
  return generate.next(predict).next(selectTask);
}

/**
 * A campaign run, one Step Functions standard workflow, input `{ campaignId }`:
 *
 * `PlanCampaign` (target segments, one generation request each; for a user-list audience, a
 * manifest of user chunks in S3) → `PerSegment`, an inline Map over the segments (generate,
 * predict, keep the best N and set the arms' priors; a failed segment is recorded and the others
 * go on) → for a user-list audience, `WriteMessages`, a Distributed Map over the chunk manifest
 * writing one message per user to S3 → `FinishCampaign` (active when some segment has variants,
 * the initial allocation) → `CampaignReady`. Any other failure: `MarkCampaignFailed` →
 * `CampaignFailed`.
 */
export class CampaignRun extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: CampaignRunProps) {
    super(scope, id);
    const step = (stateId: string, payload: Record<string, unknown>, resultPath?: string) =>
      lambdaTask(this, stateId, props.campaignFunction, payload, {
        timeout: Duration.minutes(15),
        resultPath,
      });

    const campaignFailed = new Fail(this, 'CampaignFailed', {
      error: 'CampaignRunFailed',
      cause:
        'The campaign run failed: the campaign record holds the error, the execution history the details.',
    });
    const markFailed = step('MarkCampaignFailed', {
      step: 'fail',
      'campaignId.$': '$.campaignId',
      'error.$': '$.error',
    });
    markFailed.addCatch(campaignFailed, { errors: ['States.ALL'], resultPath: '$.markError' });
    markFailed.next(campaignFailed);

    const plan = step('PlanCampaign', { step: 'plan', 'campaignId.$': '$.campaignId' }, '$.plan').addCatch(
      markFailed,
      catchAll,
    );

    const perSegment = new MapState(this, 'PerSegment', {
      itemsPath: '$.plan.segments',
      maxConcurrency: 4,
      resultPath: '$.results',
    });
    perSegment.itemProcessor(
      segmentVariantsChain(
        this,
        'Segment',
        { ...props, selectFunction: props.campaignFunction },
        {
          stateId: 'SelectVariants',
          payload: {
            step: 'select',
            'campaignId.$': '$.campaignId',
            'segmentId.$': '$.segmentId',
            'generated.$': '$.generated',
            'predicted.$': '$.predicted',
          },
        },
      ),
    );
    perSegment.addCatch(markFailed, catchAll);

    const writeMessages = new DistributedMap(this, 'WriteMessages', {
      itemReader: new S3JsonItemReader({
        bucket: props.bucket,
        key: JsonPath.stringAt('$.plan.manifestKey'),
      }),
      itemSelector: { 'campaignId.$': '$.campaignId', 'chunk.$': '$$.Map.Item.Value' },
      maxConcurrency: 32,
      resultPath: JsonPath.DISCARD,
      label: 'WriteMessages',
    });
    writeMessages.itemProcessor(
      step('WriteChunk', { step: 'messages', 'campaignId.$': '$.campaignId', 'chunk.$': '$.chunk' }),
    );
    writeMessages.addCatch(markFailed, catchAll);

    const finish = step('FinishCampaign', {
      step: 'finish',
      'campaignId.$': '$.campaignId',
      'results.$': '$.results',
    }).addCatch(markFailed, catchAll);
    finish.next(new Succeed(this, 'CampaignReady'));

    const batch = new Choice(this, 'BatchCampaign?')
      .when(Condition.isPresent('$.plan.manifestKey'), writeMessages.next(finish))
      .otherwise(finish);

    const logGroup = new LogGroup(this, 'Logs', { retention: RetentionDays.ONE_MONTH });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment:
        'Tailor campaign run: plan segments, generate, predict and select variants per segment, write batch messages, finish.',
      definitionBody: DefinitionBody.fromChainable(plan.next(perSegment).next(batch)),
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });

    acknowledgeWildcards(
      this.stateMachine,
      'Written by CDK for this machine only: lambda:InvokeFunction on the three task functions and their versions (<arn>:*); s3:GetObject on the bucket objects, as the manifest key is chosen at run time; the Distributed Map starting, reading and stopping its own child executions; X-Ray and CloudWatch Logs delivery actions, which support no resource-level permissions.',
      [
        resourceOf(props.campaignFunction, '<', '\\.Arn>:\\*'),
        resourceOf(props.generateFunction, '<', '\\.Arn>:\\*'),
        resourceOf(props.predictFunction, '<', '\\.Arn>:\\*'),
        resourceOf(props.bucket, '', '\\/\\*'),
        /^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:.*:\*$/,
        'Resource::*',
      ],
    );
  }
}
