import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { JitterType, TaskInput, Timeout } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** Errors worth retrying: Lambda's own transient failures and the handlers' named throttling error. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
export const THROTTLING_ERROR = 'ThrottlingError';

/** Catch every error into `$.error`, keeping the state's input beside it. */
export const catchAll = { errors: ['States.ALL'], resultPath: '$.error' };

/**
 * A Lambda task of the Tailor state machines: the function's result only (no invocation
 * metadata), a task timeout, and one explicit retry policy (exponential backoff with full
 * jitter) for Lambda's transient errors and the handlers' `ThrottlingError`.
 *
 * `payload` is an object (JSONPath `.$` keys allowed), or `undefined` to send the state's
 * input as it is after `inputPath` (the result still goes to `resultPath` of the whole input).
 */
export function lambdaTask(
  scope: Construct,
  stateId: string,
  fn: IFunction,
  payload: Record<string, unknown> | undefined,
  options: { timeout: Duration; resultPath?: string; inputPath?: string },
): LambdaInvoke {
  const invoke = new LambdaInvoke(scope, stateId, {
    lambdaFunction: fn,
    resultPath: options.resultPath,
    inputPath: options.inputPath,
    payload: payload === undefined ? undefined : TaskInput.fromObject(payload),
    payloadResponseOnly: true,
    // Retries are declared explicitly below instead of the construct's default.
    retryOnServiceExceptions: false,
    taskTimeout: Timeout.duration(options.timeout),
  });
  invoke.addRetry({
    errors: [...LAMBDA_SERVICE_ERRORS, THROTTLING_ERROR],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.minutes(1),
    jitterStrategy: JitterType.FULL,
  });
  return invoke;
}
