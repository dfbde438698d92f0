/**
 * `tailor demo`: the whole loop on the bundled sample (samples/online-retail-sample.csv.gz,
 * whole customers of the UCI Online Retail set), against the local system started in-process
 * (or a running one given by `--api`):
 *
 *   ingest → profile → campaign (generate, predict, select) → decisions with feedback simulated
 *   from a known ground truth → re-optimize (verdicts, challengers, retraining) → a second round
 *   of decisions → re-optimize again (records the second round, writes the report) → report.
 *
 * The ground truth is hidden from Tailor: per segment, one generated variant has a clearly
 * higher true click rate than the others (chosen by a hash of the seed and the ids), and a
 * click converts more often than a user converts on their own, so sending beats the no-send
 * control. What Tailor learns (allocation, leaders, regret against a uniform split) is then
 * compared with that truth.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import { parse } from 'csv-parse/sync';
import { hash32 } from '../../core/hash';
import { mulberry32 } from '../../core/random';
import type { Decision } from '../../functions/optimize/decision/decide';
import type { AllocationSnapshot, CampaignState, Variant } from '../../functions/optimize/records';
import { CONTROL } from '../../functions/optimize/records';
import { campaignReport } from '../../functions/optimize/report/campaign';
import { campaignReportPrefix } from '../../functions/optimize/report/write';
import { maxFeedbackBatch } from '../../functions/optimize/schema';
import type { RetrainOutcome } from '../../functions/predict/retrain';
import { categoryOfDescription, nonProduct } from '../../functions/profile/categories';
import type { RunRecord } from '../../functions/profile/runs';
import { type ApiClient, apiClient } from '../client';
import { pairs, table } from '../output';
import { createCampaign, type OptimizationRecord, optimize, printCampaign } from './campaign';
import { followRun, printRules, printSegments, profileRun } from './profile';
import { defaultPorts } from './start';
import { upload } from './upload';

// ---------------------------------------------------------------------------------------------
// The ground truth and the simulated users (pure)
// ---------------------------------------------------------------------------------------------

/** The rates the simulated users follow. */
export interface TruthRates {
  /** True clicks per send of each segment's best generated variant, before the segment factor. */
  readonly best: number;
  /** The other generated variants: uniform in [low, high), before the segment factor. */
  readonly others: { readonly low: number; readonly high: number };
  /** Challengers (bred later): uniform in [low, high) of the best's rate, so never above it. */
  readonly challengerShare: { readonly low: number; readonly high: number };
  /** Each segment's rates are multiplied by a factor uniform in [low, high). */
  readonly segmentFactor: { readonly low: number; readonly high: number };
  /** P(conversion | click). */
  readonly conversionAfterClick: number;
  /** P(conversion) of a user who did not click, or got no message (the control): the base rate. */
  readonly baseConversion: number;
  /** Order values are uniform in [low, high), in pounds, to the penny. */
  readonly orderValue: { readonly low: number; readonly high: number };
}

export const defaultTruthRates: TruthRates = {
  best: 0.15,
  others: { low: 0.02, high: 0.06 },
  challengerShare: { low: 0.3, high: 0.8 },
  segmentFactor: { low: 0.8, high: 1.2 },
  conversionAfterClick: 0.25,
  baseConversion: 0.01,
  orderValue: { low: 8, high: 60 },
};

/** An arm as the ground truth needs it. */
export type TruthArm = Pick<Variant, 'segmentId' | 'variantId' | 'kind'>;

/** The true behaviour of the simulated users: a click rate per segment × message arm. */
export interface GroundTruth {
  readonly seed: number;
  readonly rates: TruthRates;
  /** True clicks per send, keyed by {@link armKey}; message arms only. */
  readonly ctr: ReadonlyMap<string, number>;
  /** Each segment's truly best message arm. */
  readonly best: ReadonlyMap<string, { readonly variantId: string; readonly ctr: number }>;
}

export const armKey = (segmentId: string, variantId: string) => `${segmentId}#${variantId}`;

/** A uniform number in [0, 1) from a hash of the parts. */
const unit = (...parts: Array<string | number>) => hash32(...parts) / 2 ** 32;
const between = (range: { low: number; high: number }, u: number) => range.low + (range.high - range.low) * u;

/**
 * The ground truth of these arms, a pure function of the seed and the ids: in each segment the
 * generated variant with the lowest hash is the best (rate `best`), the other generated ones
 * draw from `others`, a challenger gets a share of the best's rate (so the best stays the
 * best), all times the segment's factor. The same seed and ids always give the same truth,
 * and adding arms (challengers) never changes the rates of those already there.
 */
export function groundTruth(
  seed: number,
  arms: readonly TruthArm[],
  rates: TruthRates = defaultTruthRates,
): GroundTruth {
  const ctr = new Map<string, number>();
  const best = new Map<string, { variantId: string; ctr: number }>();
  const segments = [...new Set(arms.map((a) => a.segmentId))].sort();
  for (const segmentId of segments) {
    const factor = between(rates.segmentFactor, unit(seed, 'segment', segmentId));
    const generated = arms
      .filter((a) => a.segmentId === segmentId && a.kind === 'generated')
      .map((a) => a.variantId)
      .sort(
        (a, b) => hash32(seed, 'best', segmentId, a) - hash32(seed, 'best', segmentId, b) || (a < b ? -1 : 1),
      );
    const top = rates.best * factor;
    generated.forEach((variantId, rank) => {
      const rate =
        rank === 0 ? top : between(rates.others, unit(seed, 'other', segmentId, variantId)) * factor;
      ctr.set(armKey(segmentId, variantId), rate);
    });
    for (const a of arms) {
      if (a.segmentId !== segmentId || a.kind !== 'challenger') continue;
      ctr.set(
        armKey(segmentId, a.variantId),
        top * between(rates.challengerShare, unit(seed, 'challenger', segmentId, a.variantId)),
      );
    }
    const leader = [...ctr.entries()]
      .filter(([key]) => key.startsWith(`${segmentId}#`))
      .reduce<{ variantId: string; ctr: number } | undefined>(
        (found, [key, rate]) =>
          !found || rate > found.ctr ? { variantId: key.slice(segmentId.length + 1), ctr: rate } : found,
        undefined,
      );
    if (leader) best.set(segmentId, leader);
  }
  return { seed, rates, ctr, best };
}

/** The true click rate of a message arm; an arm the truth does not know is an error. */
export function trueCtr(truth: GroundTruth, segmentId: string, variantId: string): number {
  const rate = truth.ctr.get(armKey(segmentId, variantId));
  if (rate === undefined) throw new Error(`the ground truth has no arm ${variantId} in segment ${segmentId}`);
  return rate;
}

/** A feedback event as `POST /feedback` takes it. */
export interface SimulatedEvent {
  readonly eventId: string;
  readonly type: 'click' | 'conversion';
  readonly impressionId: string;
  readonly value?: number;
}

export interface Outcome {
  readonly clicked: boolean;
  readonly converted: boolean;
  readonly events: SimulatedEvent[];
}

/**
 * What the user does after a decision, drawn from the ground truth with `random`: a sent
 * message is clicked with its true rate, and converts with
 * `conversionAfterClick` after a click, else with the base rate; a user held out in the
 * control converts with the base rate; nothing happens after any other no-send. Event ids are
 * derived from the impression id, so a resend is deduplicated.
 */
export function simulateOutcome(decision: Decision, truth: GroundTruth, random: () => number): Outcome {
  const none: Outcome = { clicked: false, converted: false, events: [] };
  if (!('impressionId' in decision)) return none;
  const { impressionId } = decision;
  const value = () => Math.round(between(truth.rates.orderValue, random()) * 100) / 100;
  const conversion = (): SimulatedEvent => ({
    eventId: `${impressionId}:conversion`,
    type: 'conversion',
    impressionId,
    value: value(),
  });
  if (!decision.send) {
    const converted = random() < truth.rates.baseConversion;
    return { clicked: false, converted, events: converted ? [conversion()] : [] };
  }
  // No impression event: the decision already counted the send, and an e-mail's impression is
  // its send (trials are max(sends, impressions)), so one would only cost writes.
  const events: SimulatedEvent[] = [];
  const clicked = random() < trueCtr(truth, decision.segmentId, decision.variantId);
  if (clicked) events.push({ eventId: `${impressionId}:click`, type: 'click', impressionId });
  const converted = random() < (clicked ? truth.rates.conversionAfterClick : truth.rates.baseConversion);
  if (converted) events.push(conversion());
  return { clicked, converted, events };
}

/** Expected clicks of a policy over some sends, and its regret against the oracle. */
export interface PolicyFigures {
  readonly expectedClicks: number;
  /** Σ (best rate in the segment − rate of the arm sent): clicks lost against the oracle. */
  readonly regret: number;
}

/**
 * Expected regret of the sends Tailor made against the oracle (always the segment's truly best
 * arm) and against a fixed uniform split over the same segment's active message arms, for the
 * same sends: it measures the policies, not the click noise.
 */
export function regretOf(
  sends: ReadonlyArray<{ segmentId: string; variantId: string }>,
  truth: GroundTruth,
  activeArms: ReadonlyMap<string, readonly string[]>,
): { sends: number; tailor: PolicyFigures; uniform: PolicyFigures; oracle: PolicyFigures } {
  let tailor = 0;
  let uniform = 0;
  let oracle = 0;
  for (const { segmentId, variantId } of sends) {
    const best = truth.best.get(segmentId)?.ctr ?? 0;
    const arms = activeArms.get(segmentId) ?? [variantId];
    const mean = arms.reduce((sum, id) => sum + trueCtr(truth, segmentId, id), 0) / arms.length;
    tailor += trueCtr(truth, segmentId, variantId);
    uniform += mean;
    oracle += best;
  }
  return {
    sends: sends.length,
    tailor: { expectedClicks: tailor, regret: oracle - tailor },
    uniform: { expectedClicks: uniform, regret: oracle - uniform },
    oracle: { expectedClicks: oracle, regret: 0 },
  };
}

// ---------------------------------------------------------------------------------------------
// The sample
// ---------------------------------------------------------------------------------------------

export const defaultSample = path.join('samples', 'online-retail-sample.csv.gz');

interface SampleFacts {
  readonly lines: number;
  readonly users: string[];
  /** Products bought by the most customers, charges left out. */
  readonly bestSellers: Array<{ productId: string; title: string; buyers: number; units: number }>;
}

/** Read the sample (UCI Online Retail columns): its customers and its best sellers. */
async function readSample(file: string): Promise<SampleFacts> {
  const raw = await readFile(file);
  const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const rows = parse(text, { columns: true, skip_empty_lines: true, relax_quotes: true }) as Array<
    Record<string, string>
  >;
  const users = new Set<string>();
  const products = new Map<string, { title: string; buyers: Set<string>; units: number }>();
  for (const row of rows) {
    const user = (row['CustomerID'] ?? '').trim().replace(/\.0+$/, '');
    if (!user) continue;
    users.add(user);
    const code = (row['StockCode'] ?? '').trim().toUpperCase();
    const description = (row['Description'] ?? '').trim();
    const quantity = Number(row['Quantity']);
    if (!code || !description || (row['InvoiceNo'] ?? '').startsWith('C') || !(quantity > 0)) continue;
    if (categoryOfDescription(description, code) === nonProduct.id) continue;
    const entry = products.get(code) ?? { title: description, buyers: new Set<string>(), units: 0 };
    entry.buyers.add(user);
    entry.units += quantity;
    products.set(code, entry);
  }
  const bestSellers = [...products.entries()]
    .map(([productId, p]) => ({ productId, title: p.title, buyers: p.buyers.size, units: p.units }))
    .sort((a, b) => b.buyers - a.buyers || b.units - a.units || a.productId.localeCompare(b.productId))
    .slice(0, 3);
  return { lines: rows.length, users: [...users].sort(), bestSellers };
}

// ---------------------------------------------------------------------------------------------
// The rounds of decisions
// ---------------------------------------------------------------------------------------------

/** Feedback is posted after this many decisions, or sooner when a batch is full. */
const feedbackEvery = 50;

interface RoundResult {
  readonly decisions: number;
  readonly reasons: Map<string, number>;
  /** Per `segment#variant`: sends, clicks and conversions the simulated users made. */
  readonly arms: Map<string, { sends: number; clicks: number; conversions: number; value: number }>;
  readonly sends: Array<{ segmentId: string; variantId: string }>;
  readonly feedback: { accepted: number; duplicates: number; rejected: number };
  readonly seconds: number;
}

interface RoundOptions {
  readonly round: number;
  readonly decisions: number;
  readonly users: readonly string[];
  readonly truth: GroundTruth;
  readonly seed: number;
  readonly concurrency: number;
  /** Simulated time of the first and the last decision (ms). */
  readonly from: number;
  readonly to: number;
}

/**
 * `decisions` decisions for users drawn uniformly from the sample, `concurrency` at a time, at
 * simulated times spread evenly from `from` to `to` (the frequency cap and the send-hour
 * statistics count in them); each answer's outcome is drawn from the ground truth and posted
 * as feedback in batches while the round goes on, so the bandit learns as it goes.
 */
async function runRound(client: ApiClient, campaignId: string, o: RoundOptions): Promise<RoundResult> {
  const started = performance.now();
  const reasons = new Map<string, number>();
  const arms = new Map<string, { sends: number; clicks: number; conversions: number; value: number }>();
  const sends: Array<{ segmentId: string; variantId: string }> = [];
  const feedback = { accepted: 0, duplicates: 0, rejected: 0 };
  let buffer: SimulatedEvent[] = [];
  let posting: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch = buffer;
    buffer = [];
    if (batch.length === 0) return;
    posting = posting.then(async () => {
      const result = await client.feedback({ events: batch });
      feedback.accepted += result.accepted;
      feedback.duplicates += result.duplicates;
      feedback.rejected += result.rejected.length;
    });
  };

  let clicks = 0;
  let bestSends = 0;
  const bar = new SingleBar({
    format: `round ${o.round}  [{bar}] {value}/{total} decisions  {sends} sends, {clicks} clicks, {best} to the true best`,
    hideCursor: true,
  });
  bar.start(o.decisions, 0, { sends: 0, clicks: 0, best: '–' });
  let next = 0;
  const step = o.decisions > 1 ? (o.to - o.from) / (o.decisions - 1) : 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= o.decisions) return;
      const random = mulberry32(hash32(o.seed, 'decision', o.round, i));
      const userId = o.users[Math.floor(random() * o.users.length)]!;
      const at = new Date(o.from + Math.round(i * step)).toISOString();
      const decision = await client.decision(campaignId, { userId, at });
      reasons.set(decision.reason, (reasons.get(decision.reason) ?? 0) + 1);
      const outcome = simulateOutcome(decision, o.truth, random);
      if ('impressionId' in decision) {
        const key = armKey(decision.segmentId, decision.variantId);
        const arm = arms.get(key) ?? { sends: 0, clicks: 0, conversions: 0, value: 0 };
        arm.sends++;
        if (outcome.clicked) arm.clicks++;
        if (outcome.converted) arm.conversions++;
        arm.value += outcome.events.find((e) => e.type === 'conversion')?.value ?? 0;
        arms.set(key, arm);
        if (decision.send) {
          sends.push({ segmentId: decision.segmentId, variantId: decision.variantId });
          if (o.truth.best.get(decision.segmentId)?.variantId === decision.variantId) bestSends++;
        }
      }
      if (outcome.clicked) clicks++;
      buffer.push(...outcome.events);
      // Feedback arrives while the round goes on: every `feedbackEvery` decisions (or 500 events).
      if (buffer.length >= maxFeedbackBatch || (i + 1) % feedbackEvery === 0) flush();
      bar.increment(1, {
        sends: sends.length,
        clicks,
        best: sends.length ? pct(bestSends / sends.length, 0) : '–',
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
    flush();
    await posting;
  } finally {
    bar.stop();
  }
  return {
    decisions: o.decisions,
    reasons,
    arms,
    sends,
    feedback,
    seconds: (performance.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;
const short = (text: string, n = 44) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
const seconds = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)} s`;

function heading(step: number, total: number, title: string): void {
  console.log(`\n━━ ${step}/${total}  ${title} ${'━'.repeat(Math.max(4, 70 - title.length))}`);
}

function printTruth(state: CampaignState, truth: GroundTruth): void {
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

function printRound(result: RoundResult, truth: GroundTruth, state: CampaignState): void {
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
function sharesOf(snapshot: AllocationSnapshot | undefined): Map<string, number> {
  const shares = new Map<string, number>();
  for (const [segmentId, arms] of Object.entries(snapshot?.segments ?? {})) {
    for (const arm of arms) shares.set(armKey(segmentId, arm.variantId), arm.share);
  }
  return shares;
}

function printChanges(
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

function printRegret(rounds: Array<{ name: string; figures: ReturnType<typeof regretOf> }>): void {
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

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

/**
 * Write the campaign's report and charts to `dir`: read from the S3 bucket where the
 * re-optimization wrote them when the bucket is known, else rendered here from the campaign's
 * state (the same renderer). Returns the files written.
 */
async function saveReport(
  dir: string,
  state: CampaignState,
  s3: { endpoint: string; bucket: string } | undefined,
): Promise<{ files: string[]; from: string }> {
  mkdirSync(dir, { recursive: true });
  const prefix = campaignReportPrefix(state.campaign.campaignId);
  if (s3) {
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
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

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

/**
 * The local system `npm start` runs on the default port, when one answers: its API is healthy
 * and its `/config.json` names its S3 endpoint and bucket (only the local HTTP API does).
 */
async function runningLocalSystem(): Promise<{ apiUrl: string; s3: string; bucket: string } | undefined> {
  const apiUrl = `http://127.0.0.1:${defaultPorts.api}`;
  try {
    const get = (p: string) => fetch(`${apiUrl}${p}`, { signal: AbortSignal.timeout(2000) });
    const health = await get('/health');
    if (!health.ok) return undefined;
    const config = (await (await get('/config.json')).json()) as { local?: { s3?: string; bucket?: string } };
    const { s3, bucket } = config.local ?? {};
    return s3 && bucket ? { apiUrl, s3, bucket } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The demo's own thresholds for the preference-pair export (the service's defaults, 200 sends a
 * side and P ≥ 0.9, are for real traffic; the demo's few thousand decisions spread over a dozen
 * arms would never reach them). Sent in the re-optimization's run input.
 */
export const demoPreferenceThresholds = { minSends: 50, minProbability: 0.8 } as const;

export interface DemoOptions {
  readonly fresh?: boolean;
  readonly api?: string;
  readonly s3?: string;
  readonly bucket?: string;
  readonly sample: string;
  readonly decisions: string;
  readonly language: 'en' | 'zh';
  readonly seed: string;
  readonly concurrency: string;
  readonly out: string;
}

const steps = 9;

/** `tailor demo`: run the whole loop and say what happened at each step. */
export async function demo(options: DemoOptions): Promise<void> {
  const started = performance.now();
  const decisions = Number(options.decisions);
  const seed = Number(options.seed);
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(decisions) || decisions < 10) throw new Error('--decisions must be an integer ≥ 10');
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new Error('--concurrency must be an integer from 1 to 64');
  }
  if (!existsSync(options.sample)) {
    throw new Error(
      `no sample at ${options.sample}: run the demo from the repository root, or give --sample`,
    );
  }

  let system:
    | { apiUrl: string; endpoints: { s3: string }; bucket: string; close(): Promise<void> }
    | undefined;
  const stop = () => {
    void system?.close().finally(() => process.exit(130));
  };
  try {
    heading(1, steps, 'The system');
    const running = options.api || options.fresh ? undefined : await runningLocalSystem();
    if (options.api) {
      console.log(`using the running system at ${options.api}`);
    } else if (running) {
      console.log(
        pairs([
          ['using the local system at', running.apiUrl],
          ['S3 (s3rver)', `${running.s3}  bucket ${running.bucket}`],
          ['watch it in the console', `${running.apiUrl}/`],
        ]),
      );
      console.log('  (a system answered on the default port; --fresh starts a throw-away one instead)');
    } else {
      const { startLocal } = await import('../../local/runtime');
      const t = performance.now();
      system = await startLocal({
        inMemory: true,
        schedules: false,
        ports: { api: 0, dynamodb: 0, s3: 0, stepfunctions: 0, model: 0 },
      });
      process.once('SIGINT', stop);
      console.log(
        pairs([
          ['HTTP API', system.apiUrl],
          ['S3 (s3rver)', `${system.endpoints.s3}  bucket ${system.bucket}`],
          ['started in', `${seconds(t)} (in memory; closed when the demo ends)`],
        ]),
      );
      console.log(`  While the demo runs:  curl ${system.apiUrl}/health`);
    }
    const client = apiClient({ url: options.api ?? running?.apiUrl ?? system!.apiUrl });
    const s3 = system
      ? { endpoint: system.endpoints.s3, bucket: system.bucket }
      : running
        ? { endpoint: running.s3, bucket: running.bucket }
        : options.s3 && options.bucket
          ? { endpoint: options.s3, bucket: options.bucket }
          : undefined;

    heading(2, steps, 'Ingest the sample');
    const sample = await readSample(options.sample);
    console.log(
      `${options.sample}: ${sample.lines.toLocaleString('en')} invoice lines of ${sample.users.length} customers ` +
        '(UCI Online Retail, CC BY 4.0; see samples/README.md)',
    );
    let t = performance.now();
    const uploaded = (await upload(client, options.sample, {
      kind: 'events',
      mapping: 'uci-online-retail',
      wait: true,
      timeout: '600',
    })) as { status: string; profilingRunId?: string } | undefined;
    if (uploaded?.status === 'failed') throw new Error('the sample was not ingested (see the table above)');
    console.log(`  ingested in ${seconds(t)}`);

    heading(3, steps, 'Profile: segments, personas and cross-sell rules');
    t = performance.now();
    let run: RunRecord;
    if (uploaded?.profilingRunId) {
      console.log(`the upload started profiling run ${uploaded.profilingRunId}`);
      run = await followRun(client, uploaded.profilingRunId, 600);
    } else {
      console.log(`the upload is ${uploaded?.status ?? 'done'} and started no run; starting one`);
      run = await profileRun(client, { wait: true, timeout: '600' });
    }
    if (run.status !== 'succeeded') throw new Error(`profiling run ${run.runId} ${run.status}: ${run.error}`);
    const { segments } = await client.segments();
    printSegments(segments);
    const { rules } = await client.rules({ limit: 3 });
    if (rules.length > 0) printRules(rules);
    console.log(`  profiled in ${seconds(t)}`);

    heading(4, steps, 'Campaign: generate and predict copy per segment');
    console.log(
      table(
        ['best seller of the sample', 'title', 'customers', 'units'],
        sample.bestSellers.map((p) => [p.productId, p.title, p.buyers, p.units]),
      ),
    );
    t = performance.now();
    const created = await createCampaign(
      client,
      {
        name: `tailor demo (seed ${seed})`,
        goal: 'promotion',
        channel: 'email',
        language: options.language,
        tone: 'friendly',
        productIds: sample.bestSellers.map((p) => p.productId),
        audience: { kind: 'everyone' },
        variantsPerSegment: 3,
        controlShare: 0.1,
        objective: 'click',
        trafficSplit: 'bandit',
        seed,
      },
      { wait: true, timeout: '600' },
    );
    if (!('variants' in created)) throw new Error('the campaign came back without its variants');
    const campaignId = created.campaign.campaignId;
    printCampaign(created);
    console.log(
      `  created in ${seconds(t)}: ${created.variants.length} arms in ${new Set(created.variants.map((v) => v.segmentId)).size} segments`,
    );

    heading(5, steps, 'The ground truth the simulated users follow (hidden from Tailor)');
    let truth = groundTruth(seed, created.variants);
    printTruth(created, truth);

    // A four-week campaign, then two more weeks after the re-optimization, in simulated time.
    const day = 24 * 3600 * 1000;
    const start = Math.ceil(Date.parse(created.campaign.createdAt) / 3_600_000) * 3_600_000;
    const first = Math.round((decisions * 2) / 3);
    const second = decisions - first;
    const activeOf = (state: CampaignState) => {
      const active = new Map<string, string[]>();
      for (const v of state.variants) {
        if (v.kind === 'control' || v.status !== 'active') continue;
        active.set(v.segmentId, [...(active.get(v.segmentId) ?? []), v.variantId]);
      }
      return active;
    };

    heading(
      6,
      steps,
      `Round 1: ${first.toLocaleString('en')} decisions over 4 simulated weeks, feedback as it comes`,
    );
    const round1 = await runRound(client, campaignId, {
      round: 1,
      decisions: first,
      users: sample.users,
      truth,
      seed,
      concurrency,
      from: start,
      to: start + 28 * day,
    });
    const regret1 = regretOf(round1.sends, truth, activeOf(created));
    printRound(round1, truth, created);

    heading(7, steps, 'Re-optimize: verdicts, stopped losers, challengers, retraining');
    t = performance.now();
    const reoptimized = await optimize(
      client,
      { campaignIds: [campaignId], breed: true, preferences: demoPreferenceThresholds },
      {
        wait: true,
        timeout: '600',
      },
    );
    const afterFirst = await client.campaign(campaignId);
    truth = groundTruth(seed, afterFirst.variants);
    printChanges(created, afterFirst, reoptimized, truth);
    console.log(`  re-optimized in ${seconds(t)}`);

    heading(8, steps, `Round 2: ${second.toLocaleString('en')} decisions over 2 more simulated weeks`);
    const round2 = await runRound(client, campaignId, {
      round: 2,
      decisions: second,
      users: sample.users,
      truth,
      seed,
      concurrency,
      from: start + 28 * day,
      to: start + 42 * day,
    });
    const regret2 = regretOf(round2.sends, truth, activeOf(afterFirst));
    printRound(round2, truth, afterFirst);
    const share = (r: RoundResult) =>
      r.sends.length
        ? r.sends.filter((s) => truth.best.get(s.segmentId)?.variantId === s.variantId).length /
          r.sends.length
        : 0;
    console.log(
      `  sends to each segment's true best arm: round 1 ${pct(share(round1))} → round 2 ${pct(share(round2))}`,
    );
    console.log('\nRegret against the oracle (expected clicks, so click noise does not count):');
    printRegret([
      { name: '1', figures: regret1 },
      { name: '2', figures: regret2 },
    ]);

    heading(9, steps, 'Report');
    t = performance.now();
    // A last re-optimization (no breeding) records round 2 and writes the report with its charts.
    const final = await optimize(
      client,
      { campaignIds: [campaignId], breed: false, preferences: demoPreferenceThresholds },
      {
        wait: true,
        timeout: '600',
      },
    );
    const state = await client.campaign(campaignId);
    printCampaign(state);
    const key = state.campaign.reportKey ?? `${campaignReportPrefix(campaignId)}report.md`;
    const saved = await saveReport(path.resolve(options.out), state, s3);
    console.log(
      pairs([
        ['re-optimization', `${final.runId} ${final.status}`],
        ['report in the data bucket', s3 ? `s3://${s3.bucket}/${key}` : key],
        [
          'written here',
          `${path.join(options.out, 'report.md')} (+ ${saved.files.length - 1} SVG charts, ${saved.from})`,
        ],
        ['also', `tailor campaign report ${campaignId}${options.api ? ` --api ${options.api}` : ''}`],
      ]),
    );
    console.log(`  report in ${seconds(t)}`);
    console.log(`\nThe whole loop took ${seconds(started)}.`);
  } finally {
    process.removeListener('SIGINT', stop);
    await system?.close();
  }
}

/** Register `tailor demo` on the program. */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the whole loop on a bundled sample: ingest, profile, campaign, simulated feedback, re-optimize, report',
    )
    .option(
      '--api <url>',
      'use this running system (default: the local one on port 3000 when it answers, else one started in-process)',
    )
    .option('--fresh', 'start a throw-away in-process system even when a local one is running')
    .option('--s3 <url>', 'with --api: the S3 endpoint (s3rver) to read the report from')
    .option('--bucket <name>', 'with --api and --s3: the data bucket')
    .option('--sample <file>', 'the invoice lines to upload (UCI Online Retail columns)', defaultSample)
    .option(
      '--decisions <n>',
      'decisions in all: two thirds before the re-optimization, one third after',
      '2000',
    )
    .addOption(
      new Option('--language <language>', 'language of the copy').choices(['en', 'zh']).default('en'),
    )
    .option('--seed <n>', 'seed of the ground truth, the users drawn and their outcomes', '7')
    .option('--concurrency <n>', 'decisions in flight at a time', '8')
    .option('--out <dir>', 'where to write the report and its charts', 'tailor-demo-report')
    .action(demo);
}
