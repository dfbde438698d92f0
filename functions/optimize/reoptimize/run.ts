/**
 * The re-optimization's run record on the run framework (functions/shared/runs.ts): start with
 * its lock (one run at a time), read, finish, fail.
 */

import type { Workflow } from '../../shared/adapters/workflow';
import { operationsKeys } from '../../shared/keys';
import type { Table } from '../../shared/ports';
import { clockOf, newRunId, type RunKind, RunLedger, stepFailure } from '../../shared/runs';
import type { PreferenceThresholds } from '../schema';
import type { OptimizePorts } from './ports';

export type OptimizationTrigger = 'api' | 'schedule';
export type OptimizationStatus = 'running' | 'succeeded' | 'failed';

/** `OPTRUN#<runId>` / `RUN` in the operations table. */
export interface OptimizationRecord {
  readonly runId: string;
  readonly status: OptimizationStatus;
  readonly trigger: OptimizationTrigger;
  readonly breed: boolean;
  readonly campaignIds?: string[];
  /** The run's own preference-export thresholds (absent: the defaults). */
  readonly preferences?: PreferenceThresholds;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly executionArn?: string;
  readonly finishedAt?: string;
  readonly summary?: unknown;
  readonly error?: string;
}

export const optimizationKey = operationsKeys.optimizationRun;

/** One re-optimization at a time: two would stop, breed and snapshot the same arms twice. */
const optimizationKind: RunKind = {
  noun: 're-optimization run',
  idField: 'runId',
  key: optimizationKey,
  lock: {
    key: operationsKeys.optimizationRunLock,
    seconds: 2 * 3600,
    conflict: (runId) => `re-optimization ${runId} is already under way`,
  },
};

const ledger = (operations: Table, now?: () => Date) =>
  new RunLedger<OptimizationRecord>(operations, optimizationKind, now);

export const newOptimizationId = (now: Date) => newRunId('opt', now);

/**
 * Record a re-optimization run (status `running`) and start its execution, named by the run
 * id, with input `{ runId, campaignIds (null: every active campaign), breed, trigger }`. A run
 * already under way (its lock younger than two hours) is a ConflictError; a failed start marks
 * the run failed and is rethrown.
 */
export async function startOptimization(
  input: { campaignIds?: string[]; breed: boolean; preferences?: PreferenceThresholds },
  trigger: OptimizationTrigger,
  ports: { operations: Table; workflow: Workflow; now?: () => Date; newId?: () => string },
): Promise<OptimizationRecord> {
  const now = clockOf(ports);
  const runId = ports.newId ? ports.newId() : newOptimizationId(now);
  const at = now.toISOString();
  const record: OptimizationRecord = {
    runId,
    status: 'running',
    trigger,
    breed: input.breed,
    ...(input.campaignIds ? { campaignIds: input.campaignIds } : {}),
    ...(input.preferences && Object.keys(input.preferences).length > 0
      ? { preferences: input.preferences }
      : {}),
    createdAt: at,
    updatedAt: at,
  };
  return ledger(ports.operations, ports.now).start(runId, record, {
    workflow: ports.workflow,
    // Every field present (campaignIds null for "every active campaign"): the state machine's
    // paths fail on a missing one.
    input: { runId, campaignIds: input.campaignIds ?? null, breed: input.breed, trigger },
    failedStart: (error) => ({
      status: 'failed',
      error: `the execution did not start: ${error.message}`.slice(0, 2000),
      finishedAt: clockOf(ports).toISOString(),
    }),
  });
}

/** A run's record; NotFoundError for an unknown id. */
export async function getOptimization(
  runId: string,
  operations: Table,
  workflow?: Workflow,
): Promise<OptimizationRecord> {
  // With the workflow: a run whose execution ended without an outcome is failed, not shown running.
  return workflow ? ledger(operations).getSettled(runId, workflow) : ledger(operations).get(runId);
}

/** Largest summary kept on the run record (a DynamoDB item holds at most 400 KB). */
const maxSummaryChars = 100_000;

const keepable = (summary: unknown): unknown => {
  const chars = JSON.stringify(summary)?.length ?? 0;
  return chars <= maxSummaryChars
    ? summary
    : { omitted: `summary of ${chars} characters, too large to keep` };
};

/** The last state: the run succeeded, with what each step reported (or its size, when too large to keep). */
export async function finishOptimization(
  runId: string,
  summary: unknown,
  ports: Pick<OptimizePorts, 'operations' | 'now'>,
): Promise<{ runId: string; status: 'succeeded'; finishedAt: string }> {
  const now = clockOf(ports);
  const finishedAt = now.toISOString();
  await ledger(ports.operations, ports.now).finish(
    runId,
    { finishedAt, ...(summary !== undefined ? { summary: keepable(summary) } : {}) },
    now,
  );
  return { runId, status: 'succeeded', finishedAt };
}

/** The Catch path: record why the run failed; the state machine then ends in its Fail state. */
export async function failOptimization(
  runId: string,
  error: { Error?: string; Cause?: string },
  ports: Pick<OptimizePorts, 'operations' | 'now'>,
): Promise<{ runId: string; status: 'failed'; error: string }> {
  const message = stepFailure(error, { unwrap: true });
  const now = clockOf(ports);
  await ledger(ports.operations, ports.now).fail(runId, message, { finishedAt: now.toISOString() }, now);
  return { runId, status: 'failed', error: message };
}
