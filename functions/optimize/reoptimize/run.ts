/** The re-optimization's run record: start (with its lock), read, finish, fail. */

import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, stepErrorMessage } from '../../../core/errors';
import type { Workflow } from '../../shared/adapters/workflow';
import type { Table } from '../../shared/ports';
import type { PreferenceThresholds } from '../schema';
import { clockOf, type OptimizePorts } from './ports';

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

export const optimizationKey = (runId: string) => ({ pk: `OPTRUN#${runId}`, sk: 'RUN' });
/** One re-optimization at a time: two would stop, breed and snapshot the same arms twice. */
const activeKey = { pk: 'OPTRUN#ACTIVE', sk: 'RUN' };
const lockSeconds = 2 * 3600;

export const newOptimizationId = (now: Date) =>
  `opt-${now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomBytes(4).toString('hex')}`;

/**
 * Record a re-optimization run (status `running`) and start its execution, named by the run
 * id, with input `{ runId, campaignIds (null: every active campaign), breed, trigger }`. A run already under way (its lock
 * younger than two hours) is a ConflictError; a failed start marks the run failed and is
 * rethrown.
 */
export async function startOptimization(
  input: { campaignIds?: string[]; breed: boolean; preferences?: PreferenceThresholds },
  trigger: OptimizationTrigger,
  ports: { operations: Table; workflow: Workflow; now?: () => Date; newId?: () => string },
): Promise<OptimizationRecord> {
  const now = clockOf(ports);
  const runId = ports.newId ? ports.newId() : newOptimizationId(now);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const lock = { ...activeKey, runId, expiresAt: nowSeconds + lockSeconds };
  if (!(await ports.operations.putIfAbsent(lock, 'pk'))) {
    const held = await ports.operations.get(activeKey);
    if (held && Number(held['expiresAt']) > nowSeconds) {
      throw new ConflictError(`re-optimization ${String(held['runId'])} is already under way`, {
        runId: held['runId'],
      });
    }
    await ports.operations.put(lock);
  }
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
  await ports.operations.put({ ...optimizationKey(runId), ...record });
  try {
    // Every field present (campaignIds null for "every active campaign"): the state machine's
    // paths fail on a missing one.
    const { executionArn } = await ports.workflow.start(runId, {
      runId,
      campaignIds: input.campaignIds ?? null,
      breed: input.breed,
      trigger,
    });
    await ports.operations.update(optimizationKey(runId), { executionArn });
    return { ...record, executionArn };
  } catch (error) {
    await ports.operations.update(optimizationKey(runId), {
      status: 'failed',
      error: `the execution did not start: ${(error as Error).message}`.slice(0, 2000),
      finishedAt: clockOf(ports).toISOString(),
    });
    await releaseLock(runId, ports.operations);
    throw error;
  }
}

async function releaseLock(runId: string, operations: Table): Promise<void> {
  const held = await operations.get(activeKey);
  if (held?.['runId'] === runId) await operations.delete(activeKey);
}

/** A run's record; NotFoundError for an unknown id. */
export async function getOptimization(runId: string, operations: Table): Promise<OptimizationRecord> {
  const item = await operations.get(optimizationKey(runId));
  if (!item) throw new NotFoundError(`no re-optimization run ${runId}`);
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as OptimizationRecord;
}

const keepable = (summary: unknown): unknown => {
  const chars = JSON.stringify(summary)?.length ?? 0;
  return chars <= maxSummaryChars
    ? summary
    : { omitted: `summary of ${chars} characters, too large to keep` };
};

/** Largest summary kept on the run record (a DynamoDB item holds at most 400 KB). */
const maxSummaryChars = 100_000;

/** The last state: the run succeeded, with what each step reported (or its size, when too large to keep). */
export async function finishOptimization(
  runId: string,
  summary: unknown,
  ports: Pick<OptimizePorts, 'operations' | 'now'>,
): Promise<{ runId: string; status: 'succeeded'; finishedAt: string }> {
  const finishedAt = clockOf(ports).toISOString();
  await ports.operations.update(optimizationKey(runId), {
    status: 'succeeded',
    finishedAt,
    updatedAt: finishedAt,
    ...(summary !== undefined ? { summary: keepable(summary) } : {}),
  });
  await releaseLock(runId, ports.operations);
  return { runId, status: 'succeeded', finishedAt };
}

/** The Catch path: record why the run failed; the state machine then ends in its Fail state. */
export async function failOptimization(
  runId: string,
  error: { Error?: string; Cause?: string },
  ports: Pick<OptimizePorts, 'operations' | 'now'>,
): Promise<{ runId: string; status: 'failed'; error: string }> {
  const message = (
    [error.Error, stepErrorMessage(error.Cause)].filter(Boolean).join(': ') || 'unknown error'
  ).slice(0, 2000);
  const finishedAt = clockOf(ports).toISOString();
  await ports.operations.update(optimizationKey(runId), {
    status: 'failed',
    finishedAt,
    updatedAt: finishedAt,
    error: message,
  });
  await releaseLock(runId, ports.operations);
  return { runId, status: 'failed', error: message };
}
