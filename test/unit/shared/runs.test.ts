import * as z from 'zod';
import { ConflictError, NotFoundError } from '../../../core/errors';
import { launch, newRunId, type RunKind, RunLedger, stepFailure } from '../../../functions/shared/runs';
import { defineStep, stepTask } from '../../../functions/shared/steps';
import { lambdaContext } from '../../support/fixtures';
import { MemoryTable } from '../../support/memory';

interface TestRun {
  readonly runId: string;
  readonly status: string;
  readonly createdAt: string;
  readonly updatedAt?: string;
  readonly error?: string;
  readonly executionArn?: string;
  readonly done?: number;
}

const kind: RunKind = {
  noun: 'test run',
  idField: 'runId',
  key: (id) => ({ pk: `T#${id}`, sk: 'T' }),
  index: 'TS',
  lock: { key: { pk: 'T#ACTIVE', sk: 'T' }, seconds: 3600 },
};
const t0 = Date.parse('2026-03-01T08:00:00Z');
const at = (ms: number) => new Date(t0 + ms);
const record = (runId: string, ms = 0): TestRun => ({
  runId,
  status: 'running',
  createdAt: at(ms).toISOString(),
});
const workflow = (arn = 'arn:exec') => ({
  start: jest.fn(async () => ({ executionArn: arn })),
  describe: jest.fn(),
});
const failStart = (error: Error) => ({ status: 'failed', error: error.message });

describe('RunLedger', () => {
  it('refuses a second run while the first holds the lock, with a 409 naming the holder', async () => {
    const table = new MemoryTable();
    const ledger = new RunLedger<TestRun>(table, kind);
    await ledger.start('a', record('a'), { workflow: workflow(), input: {}, failedStart: failStart });

    const second = ledger.start('b', record('b', 60_000), {
      workflow: workflow(),
      input: {},
      failedStart: failStart,
    });

    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await expect(second).rejects.toMatchObject({
      statusCode: 409,
      message: 'test run a is already under way',
      details: { runId: 'a' },
    });
    await expect(ledger.get('b')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('takes over a lock older than its lifetime (a run whose fail step never ran)', async () => {
    const ledger = new RunLedger<TestRun>(new MemoryTable(), kind);
    await ledger.start('a', record('a'), { workflow: workflow(), input: {}, failedStart: failStart });
    const late = await ledger.start('b', record('b', 3601_000), {
      workflow: workflow(),
      input: {},
      failedStart: failStart,
    });
    expect(late).toMatchObject({ runId: 'b', executionArn: 'arn:exec' });
  });

  it('starts the execution named by the run id and records its ARN', async () => {
    const ledger = new RunLedger<TestRun>(new MemoryTable(), kind);
    const flow = workflow('arn:one');
    await ledger.start('a', record('a'), { workflow: flow, input: { runId: 'a' }, failedStart: failStart });
    expect(flow.start).toHaveBeenCalledWith('a', { runId: 'a' });
    expect(await ledger.get('a')).toMatchObject({ status: 'running', executionArn: 'arn:one' });
  });

  it('finishes a run: succeeded, updatedAt stamped, the lock freed for the next run', async () => {
    const ledger = new RunLedger<TestRun>(new MemoryTable(), kind, () => at(5_000));
    await ledger.start('a', record('a'), { workflow: workflow(), input: {}, failedStart: failStart });
    await ledger.increment('a', { done: 2 });
    await ledger.finish('a', { done: 3 });

    expect(await ledger.get('a')).toEqual({
      runId: 'a',
      status: 'succeeded',
      createdAt: at(0).toISOString(),
      updatedAt: at(5_000).toISOString(),
      executionArn: 'arn:exec',
      done: 3,
    });
    await expect(
      ledger.start('b', record('b', 10_000), { workflow: workflow(), input: {}, failedStart: failStart }),
    ).resolves.toMatchObject({ runId: 'b' });
  });

  it('fails a run with its reason, cut to 2,000 characters, and frees the lock', async () => {
    const ledger = new RunLedger<TestRun>(new MemoryTable(), kind);
    await ledger.start('a', record('a'), { workflow: workflow(), input: {}, failedStart: failStart });
    await ledger.fail('a', `States.Timeout: ${'x'.repeat(3000)}`);

    const failed = await ledger.get('a');
    expect(failed.status).toBe('failed');
    expect(failed.error).toHaveLength(2000);
    expect(failed.error?.startsWith('States.Timeout: x')).toBe(true);
    await expect(
      ledger.start('b', record('b', 1000), { workflow: workflow(), input: {}, failedStart: failStart }),
    ).resolves.toMatchObject({ runId: 'b' });
  });

  it('never frees a lock another run holds (a late fail of an old run)', async () => {
    const table = new MemoryTable();
    const ledger = new RunLedger<TestRun>(table, kind);
    await ledger.start('a', record('a'), { workflow: workflow(), input: {}, failedStart: failStart });
    await ledger.fail('old', 'late');
    expect(await table.get(kind.lock!.key)).toMatchObject({ runId: 'a' });
  });

  it('records a failed start, frees the lock and rethrows', async () => {
    const ledger = new RunLedger<TestRun>(new MemoryTable(), kind);
    const broken = {
      start: jest.fn(async () => Promise.reject(new Error('throttled'))),
      describe: jest.fn(),
    };
    await expect(
      ledger.start('a', record('a'), { workflow: broken, input: {}, failedStart: failStart }),
    ).rejects.toThrow('throttled');
    expect(await ledger.get('a')).toMatchObject({ status: 'failed', error: 'throttled' });
    await expect(
      ledger.start('b', record('b', 1000), { workflow: workflow(), input: {}, failedStart: failStart }),
    ).resolves.toMatchObject({ runId: 'b' });
  });

  it('lists records newest first, at most `limit`, each as it stands now, without keys', async () => {
    const ledger = new RunLedger<TestRun>(new MemoryTable(), { ...kind, lock: undefined });
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) await ledger.create(id, record(id, i * 60_000));
    await ledger.update('b', { status: 'succeeded' });

    const listed = await ledger.list(3);

    expect(listed.map((r) => r.runId)).toEqual(['d', 'c', 'b']);
    expect(listed[2]).toMatchObject({ status: 'succeeded' });
    expect(listed[0]).not.toHaveProperty('pk');
    expect(await ledger.list(10)).toHaveLength(4);
  });

  it('answers NotFound naming the kind for an unknown id', async () => {
    const ledger = new RunLedger<TestRun>(new MemoryTable(), kind);
    await expect(ledger.get('zz')).rejects.toThrow(new NotFoundError('no test run zz'));
  });

  it('runs without a lock when the kind has none (any number at once)', async () => {
    const ledger = new RunLedger<TestRun>(new MemoryTable(), { ...kind, lock: undefined });
    await ledger.start('a', record('a'), { workflow: workflow(), input: {}, failedStart: failStart });
    await expect(
      ledger.start('b', record('b'), { workflow: workflow(), input: {}, failedStart: failStart }),
    ).resolves.toMatchObject({ runId: 'b' });
  });
});

describe('RunLedger.getSettled', () => {
  const started = async (describe: jest.Mock) => {
    const table = new MemoryTable();
    const ledger = new RunLedger<TestRun>(table, kind, () => at(90_000));
    const flow = { ...workflow('arn:exec:a'), describe };
    await ledger.start('a', record('a'), { workflow: flow, input: {}, failedStart: failStart });
    return { table, ledger, flow };
  };

  it('answers a running run whose execution still runs as it stands', async () => {
    const { ledger, flow } = await started(jest.fn(async () => ({ status: 'RUNNING' })));
    await expect(ledger.getSettled('a', flow)).resolves.toMatchObject({ status: 'running' });
    expect(flow.describe).toHaveBeenCalledWith('arn:exec:a');
  });

  it('fails a run whose execution ended without recording an outcome, and frees its lock', async () => {
    const { table, ledger, flow } = await started(
      jest.fn(async () => ({ status: 'TIMED_OUT', error: 'States.Timeout' })),
    );
    await expect(ledger.getSettled('a', flow)).resolves.toMatchObject({
      status: 'failed',
      error: 'test run a did not finish: its execution ended TIMED_OUT (States.Timeout); start it again',
      finishedAt: at(90_000).toISOString(),
    });
    expect(await table.get(kind.lock!.key)).toBeUndefined();
  });

  it('fails a run whose execution Step Functions no longer knows (a stopped local system)', async () => {
    const gone = Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' });
    const { ledger, flow } = await started(jest.fn(async () => Promise.reject(gone)));
    const settled = await ledger.getSettled('a', flow);
    expect(settled).toMatchObject({ status: 'failed' });
    expect((settled as TestRun).error).toMatch(/no longer exists/);
  });

  it('keeps a finished record, and answers as it stands when Step Functions cannot be asked', async () => {
    const { ledger, flow } = await started(jest.fn(async () => Promise.reject(new Error('ECONNREFUSED'))));
    await expect(ledger.getSettled('a', flow)).resolves.toMatchObject({ status: 'running' });
    await ledger.finish('a');
    flow.describe.mockClear();
    await expect(ledger.getSettled('a', flow)).resolves.toMatchObject({ status: 'succeeded' });
    expect(flow.describe).not.toHaveBeenCalled();
  });
});

describe('launch', () => {
  it('records the ARN of a started execution', async () => {
    const started = jest.fn(async () => undefined);
    const failed = jest.fn(async () => undefined);
    await expect(launch(workflow('arn:x'), 'n', {}, { started, failed })).resolves.toEqual({
      executionArn: 'arn:x',
    });
    expect(started).toHaveBeenCalledWith('arn:x');
    expect(failed).not.toHaveBeenCalled();
  });
});

describe('run ids and step failures', () => {
  it('makes ids that name an execution and carry the start time', () => {
    const id = newRunId('opt', new Date('2026-03-01T08:09:10.123Z'));
    expect(id).toMatch(/^opt-20260301080910-[0-9a-f]{8}$/);
    expect(newRunId('opt', new Date())).not.toBe(newRunId('opt', new Date()));
  });

  it('describes a Catch error, raw or unwrapped from a Lambda error object', () => {
    const cause = JSON.stringify({ errorType: 'ShardReadError', errorMessage: 'could not read k' });
    expect(stepFailure({ Error: 'ShardReadError', Cause: cause })).toBe(`ShardReadError: ${cause}`);
    expect(stepFailure({ Error: 'ShardReadError', Cause: cause }, { unwrap: true })).toBe(
      'ShardReadError: could not read k',
    );
    expect(stepFailure({})).toBe('unknown error');
  });
});

describe('stepTask', () => {
  const prepare = jest.fn(async (input: { runId: string }) => ({ prepared: input.runId }));
  const handler = stepTask('test run', {
    prepare: defineStep({ input: z.object({ runId: z.string().min(1) }), run: prepare }),
  });
  const context = lambdaContext('steps');

  it('runs the named step with its validated input', async () => {
    await expect(handler({ step: 'prepare', runId: 'r1' }, context)).resolves.toEqual({ prepared: 'r1' });
    expect(prepare).toHaveBeenCalledWith({ runId: 'r1' });
  });

  it('rejects an unknown step with a ValidationError naming the field', async () => {
    await expect(handler({ step: 'explode', runId: 'r' }, context)).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^task\.step: /),
    });
  });

  it("rejects a step's bad input with a ValidationError before the step runs", async () => {
    prepare.mockClear();
    await expect(handler({ step: 'prepare', runId: '' }, context)).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^task\.runId: /),
    });
    expect(prepare).not.toHaveBeenCalled();
  });

  it('lets a step error leave by its name, for Retry/Catch', async () => {
    class ShardReadError extends Error {
      override name = 'ShardReadError';
    }
    const failing = stepTask('test run', {
      read: defineStep({
        input: z.object({}),
        run: async () => {
          throw new ShardReadError('gone');
        },
      }),
    });
    await expect(failing({ step: 'read' }, context)).rejects.toMatchObject({ name: 'ShardReadError' });
  });
});

describe('a lock with its own conflict message', () => {
  it('answers the 409 in the words the kind chose', async () => {
    const ledger = new RunLedger<TestRun>(new MemoryTable(), {
      ...kind,
      lock: { ...kind.lock!, conflict: (id) => `re-optimization ${id} is already under way` },
    });
    await ledger.start('a', record('a'), { workflow: workflow(), input: {}, failedStart: failStart });
    await expect(
      ledger.start('b', record('b'), { workflow: workflow(), input: {}, failedStart: failStart }),
    ).rejects.toThrow(new ConflictError('re-optimization a is already under way'));
  });
});
