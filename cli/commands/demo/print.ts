/** `tailor demo`: what each step prints, and the report written to disk. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { AllocationSnapshot, CampaignState } from '../../../functions/optimize/records';
import { CONTROL } from '../../../functions/optimize/records';
import { campaignReport } from '../../../functions/optimize/report/campaign';
import { campaignReportPrefix } from '../../../functions/optimize/report/write';
import type { RetrainOutcome } from '../../../functions/predict/retrain';
import { pairs, table } from '../../output';
import type { OptimizationRecord } from '../campaign';
import { demoPreferenceThresholds } from './index';
import type { RoundResult } from './steps';
import { armKey, type GroundTruth, type regretOf, trueCtr } from './truth';

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

export const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;
export const short = (text: string, n = 44) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
export const seconds = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)} s`;

export function heading(step: number, total: number, title: string): void {
  console.log(`\n━━ ${step}/${total}  ${title} ${'━'.repeat(Math.max(4, 70 - title.length))}`);
}

export function printTruth(state: CampaignState, truth: GroundTruth): void {
  const rows = state.variants
    .filter((v) => v.kind !== 'control')
    .sort((a, b) => a.segmentId.localeCompare(b.segmentId) || a.variantId.localeCompare(b.variantId))
    .map((v) => [
      v.segmentId,
      v.variantId,
      short(v.headline),
      pct(trueCtr(truth, v.segmentId, v.variantId), 2),
      truth.best.get(v.segmentId)?.variantId === v.variantId ? '★ best' : '',
    ]);
  console.log(table(['segment', 'arm', 'headline', 'true CTR', ''], rows));
  const r = truth.rates;
  console.log(
    `  conversion: ${pct(r.conversionAfterClick, 0)} after a click; ${pct(r.baseConversion, 0)} without one ` +
      `(and in the no-send control), so every message beats the control`,
  );
}

export function printRound(result: RoundResult, truth: GroundTruth, state: CampaignState): void {
  const reasons = [...result.reasons.entries()].sort((a, b) => b[1] - a[1]);
  console.log(
    pairs([
      ['decisions', `${result.decisions} in ${result.seconds.toFixed(1)} s`],
      ['answers', reasons.map(([reason, n]) => `${reason} ${n}`).join(', ')],
      [
        'feedback posted',
        `${result.feedback.accepted} events accepted, ${result.feedback.duplicates} duplicates, ${result.feedback.rejected} rejected`,
      ],
    ]),
  );
  const headline = new Map(state.variants.map((v) => [armKey(v.segmentId, v.variantId), v.headline]));
  const segments = [...new Set([...result.arms.keys()].map((k) => k.slice(0, k.indexOf('#'))))].sort();
  const rows: Array<Array<string | number>> = [];
  for (const segmentId of segments) {
    const entries = [...result.arms.entries()].filter(([k]) => k.startsWith(`${segmentId}#`));
    const messageSends = entries
      .filter(([k]) => !k.endsWith(`#${CONTROL}`))
      .reduce((sum, [, a]) => sum + a.sends, 0);
    for (const [key, a] of entries.sort((x, y) => x[0].localeCompare(y[0]))) {
      const variantId = key.slice(segmentId.length + 1);
      const control = variantId === CONTROL;
      const best = truth.best.get(segmentId)?.variantId === variantId;
      rows.push([
        segmentId,
        control ? '(control: no message)' : short(headline.get(key) ?? variantId, 36),
        control ? '—' : pct(trueCtr(truth, segmentId, variantId), 2),
        a.sends,
        control ? '—' : pct(messageSends ? a.sends / messageSends : 0),
        control ? '—' : a.clicks,
        a.conversions,
        best ? '★' : '',
      ]);
    }
  }
  console.log(
    table(
      ['segment', 'copy', 'true CTR', 'sends', 'share of sends', 'clicks', 'conversions', 'true best'],
      rows,
    ),
  );
}

/** The allocation (share of each segment's traffic) in a snapshot, by arm. */
export function sharesOf(snapshot: AllocationSnapshot | undefined): Map<string, number> {
  const shares = new Map<string, number>();
  for (const [segmentId, arms] of Object.entries(snapshot?.segments ?? {})) {
    for (const arm of arms) shares.set(armKey(segmentId, arm.variantId), arm.share);
  }
  return shares;
}

export function printChanges(
  before: CampaignState,
  after: CampaignState,
  run: OptimizationRecord,
  truth: GroundTruth,
): void {
  const known = new Set(before.variants.map((v) => armKey(v.segmentId, v.variantId)));
  const snapshots = [...after.snapshots].sort((a, b) => a.at.localeCompare(b.at));
  const shareBefore = sharesOf(snapshots[0]);
  const shareAfter = sharesOf(snapshots[snapshots.length - 1]);
  const verdicts = after.campaign.verdicts?.segments ?? {};
  const rows: Array<Array<string | number>> = [];
  for (const v of [...after.variants].sort(
    (a, b) =>
      a.segmentId.localeCompare(b.segmentId) ||
      a.kind.localeCompare(b.kind) ||
      a.variantId.localeCompare(b.variantId),
  )) {
    const key = armKey(v.segmentId, v.variantId);
    const verdict = verdicts[v.segmentId];
    const arm = verdict?.messages?.arms.find((a) => a.variantId === v.variantId);
    const what =
      v.status === 'stopped'
        ? 'stopped (clear loser)'
        : !known.has(key)
          ? `new challenger, bred from ${(v.parents ?? []).join(', ')}`
          : verdict?.messages?.winner === v.variantId
            ? 'winner'
            : verdict?.messages?.reference === v.variantId
              ? 'leader'
              : v.kind === 'control'
                ? 'control (kept)'
                : 'running';
    rows.push([
      v.segmentId,
      v.kind === 'control' ? '(control)' : v.variantId,
      v.kind === 'control' ? '—' : pct(trueCtr(truth, v.segmentId, v.variantId), 2),
      shareBefore.has(key) ? pct(shareBefore.get(key)!) : '—',
      shareAfter.has(key) ? pct(shareAfter.get(key)!) : '—',
      arm ? pct(arm.probabilityBest) : '—',
      what,
    ]);
  }
  console.log(
    table(['segment', 'arm', 'true CTR', 'share at start', 'share now', 'P(best)', 'what changed'], rows),
  );
  const stopped = Object.values(verdicts).flatMap((s) => s.stopped);
  const leaders = Object.entries(verdicts).map(([segmentId, s]) => {
    const leader = s.messages?.reference ?? null;
    const truthBest = truth.best.get(segmentId)?.variantId;
    return { segmentId, leader, right: leader !== null && leader === truthBest, winner: s.messages?.winner };
  });
  const minTrials = /after ≥ (\d+) trials/.exec(Object.values(verdicts)[0]?.messages?.method ?? '')?.[1];
  console.log(
    pairs([
      [
        'leaders = true best',
        `${leaders.filter((l) => l.right).length} of ${leaders.length} segments (${leaders
          .map((l) => `${l.segmentId}: ${l.right ? 'yes' : 'no'}${l.winner ? ', declared winner' : ''}`)
          .join('; ')})`,
      ],
      [
        'stopped losers',
        stopped.length > 0
          ? stopped.map((s) => s.variantId).join(', ')
          : `none yet${minTrials ? ` (an arm needs ≥ ${minTrials} trials to be stopped; Thompson sampling starves losers first)` : ''}`,
      ],
      [
        'challengers entered',
        after.variants.filter((v) => !known.has(armKey(v.segmentId, v.variantId))).length,
      ],
    ]),
  );
  printRunSummary(run);
}

/** What a re-optimization's summary says: retrained models, segment strategies, the preference export. */
function printRunSummary(run: OptimizationRecord): void {
  const summary = (run.summary ?? {}) as {
    retrain?: { models?: RetrainOutcome[] };
    strategies?: {
      strategies?: Array<{ segmentId: string; hour: string | null; tone: string | null; products: string[] }>;
    };
    export?: { pairs?: number; key?: string | null };
  };
  const models = summary.retrain?.models ?? [];
  if (models.length > 0) {
    console.log(
      table(
        ['model', 'examples', 'positives', 'outcome'],
        models.map((m) => [
          m.model,
          m.examples,
          m.positives,
          'skipped' in m
            ? `not retrained: ${m.skipped}`
            : `${m.promoted ? 'PROMOTED' : 'kept the serving one'}: ${m.version} — ${short(m.decision, 70)}`,
        ]),
      ),
    );
  }
  const strategies = (summary.strategies?.strategies ?? []).filter((s) => s.hour !== null || s.tone !== null);
  if (strategies.length > 0) {
    console.log(
      table(
        ['segment strategy', 'best send hour', 'tone', 'products'],
        strategies.map((s) => [s.segmentId, s.hour ?? '—', s.tone ?? '—', s.products.join(', ')]),
      ),
    );
  }
  if (summary.export) {
    console.log(
      `  preference pairs exported for fine-tuning: ${summary.export.pairs ?? 0}${summary.export.key ? ` (${summary.export.key})` : ''}` +
        ` (demo thresholds: ≥ ${demoPreferenceThresholds.minSends} sends a side, ` +
        `P(chosen beats rejected) ≥ ${demoPreferenceThresholds.minProbability})`,
    );
  }
}

export function printRegret(rounds: Array<{ name: string; figures: ReturnType<typeof regretOf> }>): void {
  const rows: Array<Array<string | number>> = [];
  for (const { name, figures } of rounds) {
    const per1000 = (x: number) => (figures.sends ? ((x / figures.sends) * 1000).toFixed(1) : '0');
    for (const [policy, f] of [
      ['Tailor (Thompson sampling)', figures.tailor],
      ['uniform split', figures.uniform],
      ['oracle (true best always)', figures.oracle],
    ] as const) {
      rows.push([
        name,
        policy,
        figures.sends,
        f.expectedClicks.toFixed(1),
        f.regret.toFixed(1),
        per1000(f.regret),
      ]);
    }
  }
  console.log(
    table(
      ['round', 'policy', 'sends', 'expected clicks', 'regret (clicks lost)', 'regret per 1,000 sends'],
      rows,
    ),
  );
}

/** A client of the local system's S3 (s3rver: path-style, its fixed key pair). */
function localS3(endpoint: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

/**
 * Print the first pair of a preference export (`preferences/<runId>.jsonl` in the data bucket):
 * the chosen and rejected copy's headlines and their evidence. Silent when the bucket is unknown.
 */
export async function printExamplePair(
  s3: { endpoint: string; bucket: string } | undefined,
  key: string | null | undefined,
): Promise<void> {
  if (!s3 || !key) return;
  const client = localS3(s3.endpoint);
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const first = ((await got.Body?.transformToString()) ?? '').split('\n').find((l) => l.trim());
    if (!first) return;
    const line = JSON.parse(first) as {
      chosen: Array<{ content: string }>;
      rejected: Array<{ content: string }>;
      evidence: {
        segmentId: string;
        objective: string;
        probability: number;
        chosen: { variantId: string; sends: number; successes: number };
        rejected: { variantId: string; sends: number; successes: number };
      };
    };
    const headline = (messages: Array<{ content: string }>) => {
      const text = messages.at(-1)?.content ?? '';
      try {
        return (
          (JSON.parse(text) as { variants?: Array<{ headline?: string }> }).variants?.[0]?.headline ?? text
        );
      } catch {
        return text;
      }
    };
    const e = line.evidence;
    const side = (s: { variantId: string; sends: number; successes: number }) =>
      `${s.variantId}: ${s.successes}/${s.sends} ${e.objective}`;
    console.log('  example pair:');
    console.log(
      pairs([
        ['segment', e.segmentId],
        ['chosen', `${side(e.chosen)} — "${short(headline(line.chosen), 60)}"`],
        ['rejected', `${side(e.rejected)} — "${short(headline(line.rejected), 60)}"`],
        ['P(chosen beats rejected)', e.probability.toFixed(3)],
      ]),
    );
  } finally {
    client.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

/**
 * Write the campaign's report and charts to `dir`: read from the S3 bucket where the
 * re-optimization wrote them when the bucket is known, else rendered here from the campaign's
 * state (the same renderer). Returns the files written.
 */
export async function saveReport(
  dir: string,
  state: CampaignState,
  s3: { endpoint: string; bucket: string } | undefined,
): Promise<{ files: string[]; from: string }> {
  mkdirSync(dir, { recursive: true });
  const prefix = campaignReportPrefix(state.campaign.campaignId);
  if (s3) {
    const client = localS3(s3.endpoint);
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
      const files: string[] = [];
      for (const object of listed.Contents ?? []) {
        if (!object.Key) continue;
        const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: object.Key }));
        const file = path.join(dir, object.Key.slice(prefix.length));
        writeFileSync(file, (await got.Body?.transformToString()) ?? '');
        files.push(file);
      }
      if (files.length > 0) return { files, from: `s3://${s3.bucket}/${prefix}` };
    } finally {
      client.destroy();
    }
  }
  const { markdown, charts } = campaignReport(state, { language: state.campaign.spec.language });
  const files = [path.join(dir, 'report.md')];
  writeFileSync(files[0]!, markdown);
  for (const [name, svg] of Object.entries(charts)) {
    writeFileSync(path.join(dir, name), svg);
    files.push(path.join(dir, name));
  }
  return { files, from: 'rendered from GET /campaigns/{id}' };
}
