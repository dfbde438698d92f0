import { SingleBar } from 'cli-progress';
import type { RunRecord } from '../../functions/profile/runs';
import type { Segment } from '../../functions/profile/segments';
import type { StoredRule } from '../../functions/profile/store';
import type { ApiClient } from '../client';
import { pairs, sleep, table } from '../output';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** `tailor profile run`: start a profiling run and follow its shards with a progress bar. */
export async function profileRun(
  client: ApiClient,
  options: { wait: boolean; timeout: string },
): Promise<RunRecord> {
  const run = await client.startRun();
  console.log(`profiling run ${run.runId} started`);
  if (!options.wait) return run;
  return followRun(client, run.runId, Number(options.timeout));
}

/** Poll a run until it ends; the bar counts shard steps (aggregate, then assign). */
export async function followRun(
  client: ApiClient,
  runId: string,
  timeoutSeconds: number,
): Promise<RunRecord> {
  const bar = new SingleBar({
    format: 'profile  [{bar}] {value}/{total} shard steps  {phase}',
    hideCursor: true,
  });
  bar.start(1, 0, { phase: 'starting' });
  const deadline = Date.now() + timeoutSeconds * 1000;
  let run: RunRecord;
  for (;;) {
    run = await client.run(runId);
    bar.setTotal(Math.max(1, 2 * (run.shardCount ?? 0)));
    bar.update((run.shardsDone ?? 0) + (run.shardsAssigned ?? 0), { phase: run.phase ?? run.status });
    if (run.status === 'succeeded' || run.status === 'failed') break;
    if (Date.now() > deadline) {
      bar.stop();
      throw new Error(
        `run ${runId} still ${run.status} after ${timeoutSeconds} s; check with: tailor profile status ${runId}`,
      );
    }
    await sleep(500);
  }
  bar.stop();
  printRun(run);
  return run;
}

export function printRun(run: RunRecord): void {
  const f = run.figures;
  console.log(
    pairs(
      [
        ['run', run.runId],
        ['status', run.status],
        ['trigger', run.trigger],
        ['shards', run.shardCount],
        ['snapshot date', f?.snapshotDate],
        ['users (buyers)', f ? `${f.users} (${f.buyers})` : undefined],
        ['segments', f?.segments],
        ['rules', f?.rules],
        ['report', run.reportKey],
        ['error', run.error],
      ].filter(([, v]) => v !== undefined) as Array<[string, string | number]>,
    ),
  );
  if (f) console.log(table(['cleaning rule', 'events'], Object.entries(f.cleaning)));
}

export function printSegments(segments: readonly Segment[]): void {
  console.log(
    table(
      ['segment', 'persona', '画像', 'users', 'share', 'spend share', 'top categories'],
      segments.map((s) => [
        s.segmentId,
        s.label.en,
        s.label.zh,
        s.size,
        pct(s.userShare),
        pct(s.valueShare),
        s.topCategories.map((c) => c.en).join(', '),
      ]),
    ),
  );
}

export function printSegment(s: Segment): void {
  console.log(
    pairs([
      ['segment', s.segmentId],
      ['persona', `${s.label.en} / ${s.label.zh}`],
      ['users', `${s.size} (${pct(s.userShare)})`],
      ['share of spend', pct(s.valueShare)],
      ['RFM (avg scores)', `R ${s.rfm.r}  F ${s.rfm.f}  M ${s.rfm.m}`],
      ['price', s.priceBand],
    ]),
  );
  for (const line of s.traits.en) console.log(`  · ${line}`);
  for (const line of s.traits.zh) console.log(`  · ${line}`);
}

export function printRules(rules: readonly StoredRule[]): void {
  const name = (r: StoredRule, ids: string[]) =>
    ids.map((id) => (r.titles[id] ? `${r.titles[id]} (${id})` : id)).join(' + ');
  console.log(
    table(
      ['bought', 'also buy', 'support', 'confidence', 'lift'],
      rules.map((r) => [
        name(r, r.antecedent),
        name(r, r.consequent),
        r.support.toFixed(4),
        r.confidence.toFixed(3),
        r.lift.toFixed(2),
      ]),
    ),
  );
}
