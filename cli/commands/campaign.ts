import { readFile } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import type { GenerateResult } from '../../functions/generate/core';
import { armPosterior, posteriorInterval } from '../../functions/optimize/posterior';
import { type Campaign, type CampaignState, CONTROL } from '../../functions/optimize/records';
import type { CampaignSpec } from '../../functions/optimize/schema';
import type { BodyOf, ResponseOf } from '../../functions/shared/contract';
import type { ApiClient } from '../client';
import { pairs, sleep, table } from '../output';

const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;
const short = (text: string, n = 48) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** Poll until `done` says so, or give up after `timeoutSeconds` with `hint` in the error. */
export async function poll<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutSeconds: number,
  hint: string,
  onValue?: (value: T) => void,
): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const value = await probe();
    onValue?.(value);
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still running after ${timeoutSeconds} s; ${hint}`);
    await sleep(500);
  }
}

/** `tailor campaign create`: create a campaign and follow its run until its variants are ready. */
export async function createCampaign(
  client: ApiClient,
  spec: Partial<CampaignSpec>,
  options: { wait: boolean; timeout: string; quiet?: boolean },
): Promise<CampaignState | Campaign> {
  const campaign = await client.createCampaign(spec as BodyOf<'POST /campaigns'>);
  if (!options.quiet)
    console.log(`campaign ${campaign.campaignId} created; generating and predicting variants`);
  if (!options.wait) return campaign;
  const bar = options.quiet
    ? undefined
    : new SingleBar({ format: 'campaign [{bar}] {value}/{total} segments  {status}', hideCursor: true });
  bar?.start(1, 0, { status: 'creating' });
  const state = await poll(
    () => client.campaign(campaign.campaignId),
    (s) => s.campaign.status !== 'creating',
    Number(options.timeout),
    `check with: tailor campaign get ${campaign.campaignId}`,
    (s) => {
      const segments = s.campaign.segments?.length ?? 1;
      const ready = new Set(s.variants.map((v) => v.segmentId)).size;
      bar?.setTotal(Math.max(1, segments));
      bar?.update(Math.min(ready, segments), { status: s.campaign.status });
    },
  );
  bar?.stop();
  if (state.campaign.status === 'failed') {
    throw new Error(
      `campaign ${campaign.campaignId} failed: ${state.campaign.error?.cause ?? 'see its run'}`,
    );
  }
  return state;
}

/** A campaign's arms per segment: copy, prediction, counts and the posterior of its objective. */
export function printCampaign(state: CampaignState): void {
  const { campaign } = state;
  const spec = campaign.spec;
  console.log(
    pairs([
      ['campaign', `${campaign.campaignId}  ${spec.name}`],
      ['status', campaign.status],
      ['goal / channel / language', `${spec.goal} / ${spec.channel} / ${spec.language}`],
      ['objective', `${spec.objective} per send (${spec.trafficSplit})`],
      ['control share', pct(spec.controlShare, 0)],
      ['segments', campaign.segments?.map((s) => s.segmentId).join(', ')],
      ['report', campaign.reportKey],
    ]),
  );
  const counters = new Map(state.counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
  const perSend = (c: { sends: number; conversions: number } | undefined) =>
    c && c.sends > 0 ? c.conversions / c.sends : undefined;
  const points = (x: number) => `${x >= 0 ? '+' : '−'}${(Math.abs(x) * 100).toFixed(2)} pp`;
  // The control receives no message: it has no click rate or posterior of the objective, only
  // its conversions per held-out user, the baseline of every message's uplift.
  const rows = state.variants
    .slice()
    .sort((a, b) => a.segmentId.localeCompare(b.segmentId) || a.kind.localeCompare(b.kind))
    .map((v) => {
      const c = counters.get(`${v.segmentId}#${v.variantId}`);
      const rate = perSend(c);
      if (v.kind === 'control') {
        return [
          v.segmentId,
          '(control: no message)',
          `${v.kind}${v.status === 'stopped' ? ' (stopped)' : ''}`,
          '',
          c?.sends ?? 0,
          '–',
          c?.conversions ?? 0,
          '–',
          rate === undefined ? '' : `${pct(rate)} without a message`,
        ];
      }
      const interval = c ? posteriorInterval(armPosterior(v, c, spec.objective)) : undefined;
      const baseline = perSend(counters.get(`${v.segmentId}#${CONTROL}`));
      return [
        v.segmentId,
        short(v.headline),
        `${v.kind}${v.status === 'stopped' ? ' (stopped)' : ''}`,
        v.prediction ? pct(v.prediction.ctr.p) : '',
        c?.sends ?? 0,
        c?.clicks ?? 0,
        c?.conversions ?? 0,
        interval ? `${pct(interval.mean)} [${pct(interval.low)}, ${pct(interval.high)}]` : '',
        rate === undefined
          ? ''
          : baseline === undefined
            ? pct(rate)
            : `${pct(rate)} (${points(rate - baseline)})`,
      ];
    });
  console.log(
    table(
      [
        'segment',
        'copy',
        'arm',
        'predicted CTR',
        'sends',
        'clicks',
        'conversions',
        `posterior ${spec.objective} rate`,
        'conversions per send (uplift vs control)',
      ],
      rows,
    ),
  );
}

export function printCampaigns(campaigns: readonly Campaign[]): void {
  console.log(
    table(
      ['campaign', 'name', 'status', 'channel', 'goal', 'created'],
      campaigns.map((c) => [c.campaignId, c.spec.name, c.status, c.spec.channel, c.spec.goal, c.createdAt]),
    ),
  );
}

/** `tailor feedback <file>`: post a JSON Lines (or JSON array) file of feedback events in batches. */
export async function postFeedbackFile(
  client: ApiClient,
  file: string,
): Promise<{ accepted: number; duplicates: number; rejected: number; unknown: number }> {
  const text = await readFile(file, 'utf8');
  const events: unknown[] = text.trimStart().startsWith('[')
    ? (JSON.parse(text) as unknown[])
    : text
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as unknown);
  const totals = { accepted: 0, duplicates: 0, rejected: 0, unknown: 0 };
  for (let i = 0; i < events.length; i += 500) {
    const result = await client.feedback({
      events: events.slice(i, i + 500) as BodyOf<'POST /feedback'>['events'],
    });
    totals.accepted += result.accepted;
    totals.duplicates += result.duplicates;
    totals.rejected += result.rejected.length;
  }
  return totals;
}

/** An optimization run record, as `GET /optimize/runs/{id}` answers. */
export type OptimizationRecord = ResponseOf<'GET /optimize/runs/{id}'>;

/** `tailor optimize`: start a re-optimization and follow it. */
export async function optimize(
  client: ApiClient,
  // `preferences`: export thresholds for this run; a service that does not read them yet ignores them.
  body: BodyOf<'POST /optimize/runs'> & { preferences?: { minSends: number; minProbability: number } },
  options: { wait: boolean; timeout: string; quiet?: boolean },
): Promise<OptimizationRecord> {
  const run = await client.startOptimize(body);
  if (!options.quiet) console.log(`re-optimization ${run.runId} started`);
  if (!options.wait) return run;
  const done = await poll(
    () => client.optimization(run.runId),
    (r) => r.status !== 'running',
    Number(options.timeout),
    `check with: tailor optimize status ${run.runId}`,
  );
  if (done.status === 'failed')
    throw new Error(`re-optimization ${run.runId} failed: ${JSON.stringify(done.error)}`);
  return done;
}

export function printGenerated(result: GenerateResult): void {
  console.log(
    pairs([
      [
        'backend',
        result.fallback ? `${result.backend} (fallback: ${result.fallback.reason})` : result.backend,
      ],
      ['prompt', result.promptVersion],
      ['seed', result.seed],
    ]),
  );
  console.log(
    table(
      ['variant', 'headline', 'body', 'call to action', 'checks'],
      result.variants.map((v) => [
        v.variantId,
        v.headline,
        short(v.body, 60),
        v.callToAction,
        `${v.checks.length} passed`,
      ]),
    ),
  );
  for (const d of result.dropped) console.log(`  dropped: ${short(d.headline)} — ${d.reason}`);
}
