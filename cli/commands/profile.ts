import { SingleBar } from 'cli-progress';
import type { ApiClient } from '../client';
import { pairs, sleep, table } from '../output';

interface Run {
  runId: string;
  status: string;
  shardCount?: number;
  shardsDone?: number;
  reportKey?: string;
  error?: string;
  figures?: {
    eventsRead: number;
    duplicateEvents: number;
    events: number;
    users: number;
    purchases: number;
    byType: Record<string, number>;
  };
}

/** `tailor profile run`: start a profiling run and follow it with a progress bar over its shards. */
export async function profileRun(
  client: ApiClient,
  options: { wait: boolean; timeout: string },
): Promise<Run> {
  let run = await client.request<Run>('POST', 'profiles/runs', {});
  console.log(`profiling run ${run.runId} started`);
  if (!options.wait) return run;
  const bar = new SingleBar({
    format: 'profile  [{bar}] {value}/{total} shards  {status}',
    hideCursor: true,
  });
  bar.start(1, 0, { status: run.status });
  const deadline = Date.now() + Number(options.timeout) * 1000;
  while (!['succeeded', 'failed'].includes(run.status)) {
    if (Date.now() > deadline) {
      bar.stop();
      throw new Error(`run ${run.runId} still ${run.status} after ${options.timeout} s`);
    }
    await sleep(500);
    run = await client.request<Run>('GET', `profiles/runs/${run.runId}`);
    bar.setTotal(Math.max(1, run.shardCount ?? 1));
    bar.update(run.shardsDone ?? 0, { status: run.status });
  }
  bar.stop();
  printRun(run);
  return run;
}

export function printRun(run: Run): void {
  console.log(
    pairs(
      [
        ['run', run.runId],
        ['status', run.status],
        ['shards', run.shardCount],
        ['events kept', run.figures?.events],
        ['duplicates dropped', run.figures?.duplicateEvents],
        ['users', run.figures?.users],
        ['report', run.reportKey],
        ['error', run.error],
      ].filter(([, v]) => v !== undefined) as Array<[string, string | number]>,
    ),
  );
  if (run.figures) {
    console.log(
      table(
        ['event type', 'events'],
        Object.entries(run.figures.byType).sort((a, b) => b[1] - a[1]),
      ),
    );
  }
}
