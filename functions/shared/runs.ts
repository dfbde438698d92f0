import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { ConflictError, NotFoundError, stepErrorMessage } from '../../core/errors';
import type { Workflow } from './adapters/workflow';
import type { Item, Key, Table } from './ports';

/**
 * The run framework: the bookkeeping every long-running workflow shares (profiling runs,
 * uploads, campaign runs, re-optimizations), written once.
 *
 * - {@link RunLedger}: a kind of record in a table (`get`, `list` newest first, `update`,
 *   `increment`, `finish`, `fail`), optionally with a lock (one run at a time: `start` throws a
 *   409 {@link ConflictError} while another holds it) and a newest-first index for `list`.
 * - {@link launch}: start a state machine execution for a record already written, recording the
 *   execution ARN or, when the start fails, the failure (then rethrowing).
 * - {@link newRunId}, {@link Clock}/{@link clockOf}: ids that also name an execution, and the one
 *   way a core reads the time (tests pass a fixed clock).
 * - {@link stepFailure}: the message a Catch path records from Step Functions' `{ Error, Cause }`.
 * The Step Functions side (a table of step name → schema + function) is `stepTask` in
 * `./steps.ts`, the twin of `httpApi` in `./http.ts`; ports come from `functions/container.ts`.
 *
 * Adopting it, for a re-optimization (today's behaviour kept):
 *
 *   const optimizationKind: RunKind = {
 *     noun: 're-optimization run', idField: 'runId', key: operationsKeys.optimizationRun,
 *     lock: { key: operationsKeys.optimizationRunLock, seconds: 2 * 3600,
 *             conflict: (id) => `re-optimization ${id} is already under way` },
 *   };
 *   const ledger = new RunLedger<OptimizationRecord>(ports.operations, optimizationKind, ports.now);
 *   await ledger.start(runId, record, { workflow, input, failedStart: (e) => ({ status: 'failed', … }) });
 *   await ledger.finish(runId, { finishedAt, summary }, at);
 *   await ledger.fail(runId, stepFailure(error, { unwrap: true }), { finishedAt }, at);
 *
 * A campaign run (its record is the campaign, in its own store, without a lock) uses
 * {@link launch} alone: `launch(workflow, campaignId, { campaignId }, { started, failed })`.
 */

/** The one way a core reads the time; ports carry `now?: Clock` and tests pass a fixed one. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
/** The time now, by the ports' clock when they carry one. */
export const clockOf = (ports: { now?: Clock }): Date => (ports.now ?? systemClock)();

/**
 * A run id: `<prefix>-<yyyymmddhhmmss UTC>-<8 hex>`. It also names the run's Step Functions
 * execution (letters, digits, '-' and '_' only), and sorts by start time within a second.
 */
export function newRunId(prefix: string, now: Date): string {
  return `${prefix}-${now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}-${randomBytes(4).toString('hex')}`;
}

/**
 * A sort key that orders newest first: the milliseconds left until 2255 (fixed width), then the
 * id. Recent-item indexes use it so that a query with a limit reads the newest items.
 */
export function newestFirstKey(createdAt: string, id: string): string {
  const remaining = 9_000_000_000_000 - Date.parse(createdAt);
  return `${String(remaining).padStart(13, '0')}#${id}`;
}

/** `?limit=` of the recent-item lists (`GET /uploads`, `GET /profiles/runs`, …). */
export const recentListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** What a Step Functions Catch hands the fail step. */
export const stepErrorSchema = z.object({ Error: z.string().optional(), Cause: z.string().optional() });
export type StepError = z.infer<typeof stepErrorSchema>;

/** Longest error message kept on a record. */
export const maxErrorChars = 2000;

/**
 * The message a fail step records: `Error: Cause`, or 'unknown error'. With `unwrap`, a Lambda
 * error's Cause (its JSON error object) is reduced to its `errorMessage`; without, it is kept as
 * it came. At most {@link maxErrorChars} characters.
 */
export function stepFailure(error: StepError, options: { unwrap?: boolean } = {}): string {
  const cause = options.unwrap ? stepErrorMessage(error.Cause) : error.Cause;
  return ([error.Error, cause].filter(Boolean).join(': ') || 'unknown error').slice(0, maxErrorChars);
}

/**
 * Start a state machine execution named `name` for a record already written. On success
 * `started` records the execution ARN; when the start fails, `failed` records why and the error
 * is rethrown (the caller answers 5xx; the record says what happened).
 */
export async function launch(
  workflow: Workflow,
  name: string,
  input: unknown,
  hooks: {
    readonly started: (executionArn: string) => Promise<unknown>;
    readonly failed: (error: Error) => Promise<unknown>;
  },
): Promise<{ executionArn: string }> {
  let executionArn: string;
  try {
    ({ executionArn } = await workflow.start(name, input));
  } catch (error) {
    await hooks.failed(error as Error);
    throw error;
  }
  await hooks.started(executionArn);
  return { executionArn };
}

/** How one kind of record lives in its table. */
export interface RunKind {
  /** What the record is called in messages: `no <noun> <id>`, `<noun> <id> is already under way`. */
  readonly noun: string;
  /** The record's id attribute (`runId`, `uploadId`); index items name the record by it too. */
  readonly idField: string;
  /** The record's key. */
  readonly key: (id: string) => Key;
  /** The partition of the newest-first index (one item per record, sort key {@link newestFirstKey}); absent: `list` is unavailable. */
  readonly index?: string;
  /**
   * One run at a time: the lock item's key, and how long a lock holds before it counts as
   * abandoned (a run whose fail step never ran must not block every later run).
   */
  readonly lock?: {
    readonly key: Key;
    readonly seconds: number;
    /** The 409's message for the holder's id; default `<noun> <id> is already under way`. */
    readonly conflict?: (holder: string) => string;
  };
}

/** The fields every record of the framework has. */
export interface RunBase {
  readonly createdAt: string;
  readonly updatedAt?: string;
}

const strip = ({ pk: _pk, sk: _sk, ...rest }: Item): Item => rest;

/**
 * One kind of run record in one table: the record's life from `start` to `finish` or `fail`.
 * Every write is a plain table call, so the ledger works on the DynamoDB adapter and on the
 * in-memory table of the tests alike.
 */
export class RunLedger<R extends RunBase> {
  constructor(
    readonly table: Table,
    readonly kind: RunKind,
    private readonly now: Clock = systemClock,
  ) {}

  /**
   * Take the lock for `id`: ConflictError (409, `details.<idField>` the holder) while another
   * run holds an unexpired one; an expired lock is taken over. A ledger without a lock passes.
   */
  async acquire(id: string, at: Date = this.now()): Promise<void> {
    const lock = this.kind.lock;
    if (!lock) return;
    const nowSeconds = Math.floor(at.getTime() / 1000);
    const item = { ...lock.key, [this.kind.idField]: id, expiresAt: nowSeconds + lock.seconds };
    if (await this.table.putIfAbsent(item, 'pk')) return;
    const held = await this.table.get(lock.key);
    if (held && Number(held['expiresAt']) > nowSeconds) {
      const holder = held[this.kind.idField];
      const message =
        lock.conflict?.(String(holder)) ?? `${this.kind.noun} ${String(holder)} is already under way`;
      throw new ConflictError(message, {
        [this.kind.idField]: holder,
      });
    }
    await this.table.put(item);
  }

  /** Free the lock if `id` holds it (a late fail of an old run never frees a newer run's lock). */
  async release(id: string): Promise<void> {
    const lock = this.kind.lock;
    if (!lock) return;
    const held = await this.table.get(lock.key);
    if (held?.[this.kind.idField] === id) await this.table.delete(lock.key);
  }

  /** Write a new record, and its index item when the kind has an index. */
  async create(id: string, record: R): Promise<void> {
    await this.table.put({ ...this.kind.key(id), ...record });
    if (this.kind.index) {
      await this.table.put({
        pk: this.kind.index,
        sk: newestFirstKey(record.createdAt, id),
        [this.kind.idField]: id,
        createdAt: record.createdAt,
      });
    }
  }

  /**
   * Take the lock, write the record, start its execution (named by the id): the record comes
   * back with its `executionArn`. When the start fails the record gets `failedStart(error)`'s
   * fields, the lock is freed, and the error is rethrown.
   */
  async start(
    id: string,
    record: R,
    execution: { workflow: Workflow; input: unknown; failedStart: (error: Error) => Item },
  ): Promise<R & { executionArn: string }> {
    await this.acquire(id, new Date(record.createdAt));
    await this.create(id, record);
    const { executionArn } = await launch(execution.workflow, id, execution.input, {
      started: (arn) => this.table.update(this.kind.key(id), { executionArn: arn }),
      failed: async (error) => {
        await this.table.update(this.kind.key(id), execution.failedStart(error));
        await this.release(id);
      },
    });
    return { ...record, executionArn };
  }

  /** The record; NotFoundError (`no <noun> <id>`) for an unknown id. */
  async get(id: string): Promise<R> {
    const item = await this.table.get(this.kind.key(id));
    if (!item) throw new NotFoundError(`no ${this.kind.noun} ${id}`);
    return strip(item) as unknown as R;
  }

  /**
   * The record, with a `running` (or `starting`) record whose execution has ended set to
   * `failed` first: an execution that failed, timed out or was aborted before its fail step
   * ran, or one Step Functions no longer knows (the local runner forgets its executions when
   * the local system stops), so an ended execution is never shown as running. A record of a
   * SUCCEEDED execution is read again (its finish step writes before the execution ends) and
   * failed only if it still says running. When Step Functions cannot be asked, the record is
   * answered as it stands.
   */
  async getSettled(id: string, workflow: Workflow): Promise<R> {
    const record = await this.get(id);
    const { status, executionArn } = record as unknown as { status?: string; executionArn?: string };
    if ((status !== 'running' && status !== 'starting') || !executionArn) return record;
    let ended: string;
    try {
      const execution = await workflow.describe(executionArn);
      if (execution.status === 'RUNNING') return record;
      ended = `its execution ended ${execution.status}${execution.error ? ` (${execution.error})` : ''}`;
    } catch (error) {
      if ((error as Error).name !== 'ExecutionDoesNotExist') return record;
      ended = 'its execution no longer exists (the local system was stopped while it ran)';
    }
    const again = await this.get(id);
    const now = (again as unknown as { status?: string }).status;
    if (now !== 'running' && now !== 'starting') return again;
    const at = this.now();
    await this.fail(
      id,
      `${this.kind.noun} ${id} did not finish: ${ended}; start it again`,
      { finishedAt: at.toISOString() },
      at,
    );
    return this.get(id);
  }

  /** The newest `limit` records, newest first, each as it stands now (one query, one batch read). */
  async list(limit: number): Promise<R[]> {
    if (!this.kind.index) throw new Error(`${this.kind.noun} records have no index to list`);
    const index = (await this.table.query('pk', this.kind.index, limit)).slice(0, limit);
    const ids = index.map((item) => String(item[this.kind.idField]));
    const records = await this.table.batchGet(ids.map(this.kind.key));
    const byId = new Map<string, R>();
    for (const item of records) byId.set(String(item[this.kind.idField]), strip(item) as unknown as R);
    return ids.flatMap((id) => {
      const record = byId.get(id);
      return record ? [record] : [];
    });
  }

  /** Set fields, stamping `updatedAt` (with `at`, so a caller's `finishedAt` can be the same instant). */
  async update(id: string, fields: Partial<R> | Item, at: Date = this.now()): Promise<void> {
    await this.table.update(this.kind.key(id), { ...fields, updatedAt: at.toISOString() });
  }

  /** Add to counters atomically (a Map iteration's "one more shard done"). */
  async increment(id: string, counters: Record<string, number>): Promise<void> {
    await this.table.increment(this.kind.key(id), counters);
  }

  /** The last step: `status: 'succeeded'` with the given fields, then the lock is freed. */
  async finish(id: string, fields: Partial<R> | Item = {}, at: Date = this.now()): Promise<void> {
    await this.update(id, { status: 'succeeded', ...fields }, at);
    await this.release(id);
  }

  /** The Catch path: `status: 'failed'` and the reason (cut to 2,000 characters), then the lock is freed. */
  async fail(
    id: string,
    reason: string,
    fields: Partial<R> | Item = {},
    at: Date = this.now(),
  ): Promise<void> {
    await this.update(id, { status: 'failed', error: reason.slice(0, maxErrorChars), ...fields }, at);
    await this.release(id);
  }
}
