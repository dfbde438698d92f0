import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  DefinitionBody,
  DistributedMap,
  Fail,
  JsonPath,
  LogLevel,
  S3JsonItemReader,
  StateMachine,
  Succeed,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeWildcards, resourceOf } from './nag';
import { catchAll, lambdaTask } from './tasks';

export interface ProfilingRunProps {
  /** The function implementing every step (`prepare`, `shard`, `fit`, `assign`, `finish`, `fail`). */
  readonly runFunction: IFunction;
  /** Bucket holding the run manifest that PrepareRun writes. */
  readonly bucket: IBucket;
}

/**
 * The profiling run, one Step Functions standard workflow (JSONPath only, so the local runner
 * executes the same synthesized definition):
 *
 * `PrepareRun` (input `{ runId, trigger }`, output `{ runId, bucket, manifestKey, shardCount }`)
 * → `ProfileShards`, a Distributed Map over the JSON array of shard descriptors at
 * `manifestKey`, one `ProfileShard` child execution per shard (clean, aggregate per user)
 * → `FitSegments` (a sample of users from every shard: k-means with automatic k; FP-growth
 * over the order baskets) → `AssignSegments`, a second Distributed Map over the same shards
 * (features, segment and cross-sell per user, written as profiles) → `FinishRun` (personas,
 * rules, report) → `RunSucceeded`. No step holds more than one shard or the sample.
 * Any failure is caught into `$.error`, recorded by `MarkRunFailed`, and ends in the
 * `RunFailed` state (error `ProfilingRunFailed`).
 *
 * Every task sends `{ step, runId, ... }` to the run function and uses its result only.
 */
export class ProfilingRun extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ProfilingRunProps) {
    super(scope, id);

    const task = (
      stateId: string,
      payload: Record<string, unknown>,
      timeout: Duration,
      resultPath?: string,
    ) => lambdaTask(this, stateId, props.runFunction, payload, { timeout, resultPath });

    const runFailed = new Fail(this, 'RunFailed', {
      error: 'ProfilingRunFailed',
      cause: 'The profiling run failed: the run record holds the error, the execution history the details.',
    });
    const markRunFailed = task(
      'MarkRunFailed',
      { step: 'fail', 'runId.$': '$.runId', 'error.$': '$.error' },
      Duration.minutes(1),
    );
    markRunFailed.addCatch(runFailed, { errors: ['States.ALL'], resultPath: '$.markError' });
    markRunFailed.next(runFailed);
    const onError = catchAll;

    const prepareRun = task(
      'PrepareRun',
      { step: 'prepare', 'runId.$': '$.runId', 'trigger.$': '$.trigger' },
      Duration.minutes(15),
    ).addCatch(markRunFailed, onError);

    const profileShard = task(
      'ProfileShard',
      { step: 'shard', 'runId.$': '$.runId', 'shard.$': '$.shard' },
      Duration.minutes(15),
    );
    /** A Distributed Map over the shard manifest, one child execution per shard. */
    const overShards = (stateId: string, processor: LambdaInvoke) => {
      const map = new DistributedMap(this, stateId, {
        itemReader: new S3JsonItemReader({ bucket: props.bucket, key: JsonPath.stringAt('$.manifestKey') }),
        itemSelector: { 'runId.$': '$.runId', 'shard.$': '$$.Map.Item.Value' },
        maxConcurrency: 64,
        resultPath: JsonPath.DISCARD,
        label: stateId,
      });
      map.itemProcessor(processor);
      map.addCatch(markRunFailed, onError);
      return map;
    };
    const profileShards = overShards('ProfileShards', profileShard);

    // One function fits the segmentation and mines the rules on a sample of all shards.
    const fitSegments = task(
      'FitSegments',
      { step: 'fit', 'runId.$': '$.runId' },
      Duration.minutes(15),
      // Keep the manifest key for the second map: the fit's summary goes beside it.
      '$.fit',
    ).addCatch(markRunFailed, onError);
    fitSegments.addRetry({ errors: ['ShardReadError'], interval: Duration.seconds(5), maxAttempts: 2 });

    const assignShard = task(
      'AssignShard',
      { step: 'assign', 'runId.$': '$.runId', 'shard.$': '$.shard' },
      Duration.minutes(15),
    );
    const assignSegments = overShards('AssignSegments', assignShard);

    const finishRun = task(
      'FinishRun',
      { step: 'finish', 'runId.$': '$.runId' },
      Duration.minutes(15),
    ).addCatch(markRunFailed, onError);

    const definition = prepareRun
      .next(profileShards)
      .next(fitSegments)
      .next(assignSegments)
      .next(finishRun)
      .next(new Succeed(this, 'RunSucceeded'));

    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment:
        'Tailor profiling run: prepare shards, aggregate each shard, fit segments and rules, assign each shard, finish.',
      definitionBody: DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });

    acknowledgeWildcards(
      this.stateMachine,
      'Written by CDK for this machine only: lambda:InvokeFunction on the run function and its versions (<arn>:*); s3:GetObject on the bucket objects, as the manifest key is chosen at run time; the Distributed Map starting, reading and stopping its own child executions; X-Ray and CloudWatch Logs delivery actions, which support no resource-level permissions.',
      [
        resourceOf(props.runFunction, '<', '\\.Arn>:\\*'),
        resourceOf(props.bucket, '', '\\/\\*'),
        /^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:.*:\*$/,
        'Resource::*',
      ],
    );
  }
}
