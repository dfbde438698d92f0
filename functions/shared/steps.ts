import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { z } from 'zod';
import { logger } from './logger';
import { parseWith } from './validation';

/**
 * The Step Functions side of the run framework, the twin of `httpApi` (./http.ts): one Lambda
 * function serves a state machine's task states, each named by the `step` field of its input.
 *
 *   export const runTask = stepTask('profiling run', {
 *     prepare: defineStep({ input: runIdInput, run: ({ runId }) => prepareRun(runId, ports()) }),
 *     fail: defineStep({ input: failInput, run: ({ runId, error }) => failRun(runId, error, ports()) }),
 *   });
 *
 * The input is validated with the step's schema before its function runs; errors leave the
 * function as they are thrown, so Retry/Catch match them by `name` (a bad or unknown step is a
 * `ValidationError`; a core's own errors keep theirs).
 */

/** One task state: the schema of its input (the `step` field is not needed in it) and its use case. */
export interface StepSpec<I = unknown> {
  readonly input: z.ZodType<I>;
  run(input: I): Promise<unknown>;
}

/** Declare a step; the type of `run`'s input follows the schema. */
export function defineStep<I>(spec: StepSpec<I>): StepSpec<I> {
  return spec;
}

// biome-ignore lint/suspicious/noExplicitAny: a table of steps with heterogeneous schemas.
type AnyStep = StepSpec<any>;

/**
 * The task function of one state machine: reads `step`, validates the input with that step's
 * schema (messages start with `task.`), and runs it. `name` is for the log.
 */
export function stepTask(name: string, steps: Record<string, AnyStep>) {
  const names = Object.keys(steps) as [string, ...string[]];
  const stepField = z.object({ step: z.enum(names) });
  return task(async (event: unknown) => {
    const { step } = parseWith(stepField, event, 'task');
    const spec = steps[step] as AnyStep;
    logger.appendKeys({ workflow: name, step });
    return spec.run(parseWith(spec.input, event, 'task'));
  });
}

/**
 * A Lambda function that is one task or event handler (an EventBridge target, a single task
 * state): the logger's context injected, errors thrown by name. `run` validates its own input.
 */
export function task<R>(run: (event: unknown) => Promise<R>) {
  return middy<unknown, R>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event: unknown) => run(event));
}
