/**
 * Re-optimization: the scheduled (or `POST /optimize/runs`) run that closes Tailor's loop. Its
 * state machine calls {@link optimizeStep} from each task state:
 *
 *   collect → per campaign (inline Map): update → [per challenger job: generate → predict →
 *   enter] → retrain → strategies → export → finish;  any uncaught failure → fail.
 *
 * - update: posteriors, A/B verdicts (method stated in each verdict), clear losers stopped (never
 *   the control, never the last message variant), an allocation snapshot, challenger jobs;
 * - enter: bred variants become arms with priors from the predictor;
 * - retrain: the click, conversion and uplift models on the counters, promoted only when they
 *   beat the serving version on held-out data;
 * - strategies: per segment, the best channel, send hour, tone and products so far;
 * - export: preference pairs for fine-tuning the generator, as JSON Lines in S3.
 *
 * Every step is idempotent under Step Functions retries: stops filter what is already stopped,
 * enter skips variants already present, snapshots and strategies are overwritten by key, the
 * export object is named by the run.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, NotFoundError, stepErrorMessage } from '../../core/errors';
import { hash32 } from '../../core/hash';
import { mulberry32 } from '../../core/random';
import { campaignGenerateOutputSchema } from '../generate/campaign-task';
import type { CatalogPort } from '../generate/core';
import { audienceOf } from '../predict/audience';
import { campaignPredictOutputSchema } from '../predict/campaign-task';
import type { Audience } from '../predict/features';
import type { ModelRegistry } from '../predict/registry';
import type { VariantInput } from '../predict/schema';
import {
  defaultTraining,
  type TrainingExample,
  type TrainingOptions,
  trainAndMaybePromote,
} from '../predict/training';
import type { ProfileStore } from '../profile/store';
import type { Workflow } from '../shared/adapters/workflow';
import type { ObjectStore, Table } from '../shared/ports';
import { ALL_SEGMENT } from '../shared/schemas';
import { armOf, maxPriorStrength } from './campaign-run';
import {
  type BreedOptions,
  buildChallengerJob,
  type ChallengerJob,
  defaultBreedOptions,
} from './challengers';
import { type AbVerdict, abVerdict } from './kernels/abtest';
import { allocation } from './kernels/thompson';
import { armCounts, type Objective, posteriorInterval, type SegmentArm, segmentArms } from './posterior';
import { type ExportResult, exportPreferences, type PreferenceOptions } from './preferences';
import {
  type AllocationSnapshot,
  type Campaign,
  type CampaignState,
  type CampaignStore,
  CONTROL,
  emptyCounter,
  type Variant,
} from './store';
import {
  type ArmObservation,
  buildStrategies,
  defaultMinSends,
  type HourObservation,
  putStrategies,
} from './strategies';

// ---------------------------------------------------------------------------------------------
// Ports, options, inputs
// ---------------------------------------------------------------------------------------------

export interface OptimizePorts {
  readonly store: CampaignStore;
  readonly operations: Table;
  /** The profiles table: strategies are written beside the segments. */
  readonly profilesTable: Table;
  readonly objects: ObjectStore;
  readonly registry: ModelRegistry;
  readonly profiles: ProfileStore;
  /** Product facts for rebuilding prompts of preference pairs (the generate function's catalog port). */
  readonly catalog: CatalogPort;
  /** Uniform source of the allocation's Monte Carlo; default seeded from the run and campaign. */
  readonly random?: () => number;
  readonly now?: () => Date;
  readonly options?: Partial<OptimizeOptions>;
}

export interface OptimizeOptions {
  /** Campaigns read by retrain, strategies and export (newest first; the store lists at most 200). */
  readonly maxCampaigns: number;
  /** P(best) a winner needs. */
  readonly winProbability: number;
  /** Largest expected loss (absolute rate) a winner may have. */
  readonly lossThreshold: number;
  /**
   * P(beats the leader) at or below which a message variant is stopped. Stricter than the
   * kernel's 0.05: stopping is irreversible and the schedule looks at every run.
   */
  readonly loserProbability: number;
  /** Trials a variant needs before it can be stopped. */
  readonly minTrials: number;
  /** Monte Carlo draws of a verdict with more than two arms. */
  readonly verdictDraws: number;
  /** Monte Carlo draws of the allocation snapshot (±0.005 on each share at 10,000). */
  readonly allocationDraws: number;
  readonly breed: Partial<BreedOptions>;
  /** Most expanded examples one model trains on; larger data is sampled as whole counts. */
  readonly maxExamples: number;
  /** Fewer examples than this and a model is not retrained. */
  readonly minExamples: number;
  /** Fewer positives (or negatives) than this and a model is not retrained. */
  readonly minPositives: number;
  readonly training: TrainingOptions;
  /** Sends a strategy option needs to be chosen. */
  readonly strategyMinSends: number;
  readonly preferences: Partial<PreferenceOptions>;
}

export const defaultOptimizeOptions: OptimizeOptions = {
  maxCampaigns: 200,
  winProbability: 0.95,
  lossThreshold: 0.001,
  loserProbability: 0.01,
  minTrials: 1000,
  verdictDraws: 50_000,
  allocationDraws: 10_000,
  breed: {},
  maxExamples: 200_000,
  minExamples: 500,
  minPositives: 10,
  training: defaultTraining,
  strategyMinSends: defaultMinSends,
  preferences: {},
};

const optionsOf = (ports: OptimizePorts): OptimizeOptions => ({
  ...defaultOptimizeOptions,
  ...ports.options,
});
const clockOf = (ports: { now?: () => Date }) => (ports.now ?? (() => new Date()))();

/** Run ids name the Step Functions execution: letters, digits, '-' and '_'. */
const runIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be 1 to 80 letters, digits, - or _');
const campaignIdSchema = z.string().trim().min(1).max(128);
const stepErrorSchema = z.object({ Error: z.string().optional(), Cause: z.string().optional() });

/** Input of the re-optimization's task states (the handler parses with this). */
export const optimizeStepSchema = z.discriminatedUnion('step', [
  z.object({
    step: z.literal('collect'),
    runId: runIdSchema,
    /** null or absent: every active campaign (the execution input always carries the field). */
    campaignIds: z.array(campaignIdSchema).max(100).nullish(),
    breed: z.boolean().default(true),
  }),
  z.object({
    step: z.literal('update'),
    runId: runIdSchema,
    campaignId: campaignIdSchema,
    breed: z.boolean().default(true),
  }),
  z.object({
    step: z.literal('enter'),
    runId: runIdSchema,
    campaignId: campaignIdSchema,
    segmentId: z.string().trim().min(1).max(128),
    parents: z.array(z.string().min(1)).max(10).default([]),
    /** The job's generation request (its tone is the challengers' tone). */
    generate: z
      .object({ tone: z.string().trim().min(1).max(64).optional() })
      .loose()
      .optional(),
    generated: campaignGenerateOutputSchema,
    predicted: campaignPredictOutputSchema,
  }),
  z.object({ step: z.literal('retrain'), runId: runIdSchema }),
  z.object({ step: z.literal('strategies'), runId: runIdSchema }),
  z.object({ step: z.literal('export'), runId: runIdSchema }),
  z.object({ step: z.literal('finish'), runId: runIdSchema, summary: z.unknown().optional() }),
  z.object({ step: z.literal('fail'), runId: runIdSchema, error: stepErrorSchema.default({}) }),
]);
export type OptimizeStepInput = z.infer<typeof optimizeStepSchema>;

/** Run one task state of the re-optimization (input already parsed with {@link optimizeStepSchema}). */
export async function optimizeStep(input: OptimizeStepInput, ports: OptimizePorts): Promise<unknown> {
  switch (input.step) {
    case 'collect':
      return collectCampaigns(input, ports);
    case 'update':
      return updateCampaign(input, ports);
    case 'enter':
      return enterChallengers(input, ports);
    case 'retrain':
      return retrainModels(input.runId, ports);
    case 'strategies':
      return updateStrategies(input.runId, ports);
    case 'export':
      return exportPairs(input.runId, ports);
    case 'finish':
      return finishOptimization(input.runId, input.summary, ports);
    case 'fail':
      return failOptimization(input.runId, input.error, ports);
  }
}

// ---------------------------------------------------------------------------------------------
// The run record: start, read, finish, fail
// ---------------------------------------------------------------------------------------------

export type OptimizationTrigger = 'api' | 'schedule';
export type OptimizationStatus = 'running' | 'succeeded' | 'failed';

/** `OPTRUN#<runId>` / `RUN` in the operations table. */
export interface OptimizationRecord {
  readonly runId: string;
  readonly status: OptimizationStatus;
  readonly trigger: OptimizationTrigger;
  readonly breed: boolean;
  readonly campaignIds?: string[];
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
  input: { campaignIds?: string[]; breed: boolean },
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

// ---------------------------------------------------------------------------------------------
// collect
// ---------------------------------------------------------------------------------------------

export interface CollectResult {
  readonly runId: string;
  readonly breed: boolean;
  /** One Map item per campaign. */
  readonly campaigns: Array<{ runId: string; campaignId: string; breed: boolean }>;
}

/** The campaigns to re-optimize: those named (an unknown one is a NotFoundError), else every active one. */
export async function collectCampaigns(
  input: { runId: string; campaignIds?: string[] | null; breed: boolean },
  ports: Pick<OptimizePorts, 'store'>,
): Promise<CollectResult> {
  let ids: string[];
  if (input.campaignIds && input.campaignIds.length > 0) {
    ids = [...new Set(input.campaignIds)];
    for (const id of ids) await ports.store.getCampaign(id);
  } else {
    ids = (await ports.store.listCampaigns(200))
      .filter((c) => c.status === 'active')
      .map((c) => c.campaignId);
  }
  return {
    runId: input.runId,
    breed: input.breed,
    campaigns: ids.map((campaignId) => ({ runId: input.runId, campaignId, breed: input.breed })),
  };
}

// ---------------------------------------------------------------------------------------------
// update: verdicts, stops, snapshot, challenger jobs
// ---------------------------------------------------------------------------------------------

/** One arm's line in a verdict. */
export interface VerdictArm {
  readonly variantId: string;
  readonly trials: number;
  readonly successes: number;
  /** Posterior mean under the verdict's Beta(1, 1) prior. */
  readonly mean: number;
  readonly probabilityBest: number;
  readonly expectedLoss: number;
  /** P(beats the reference arm: the leader among messages, the no-send control against it). */
  readonly probabilityBeatsReference: number | null;
  readonly status: 'winner' | 'loser' | 'running';
}

export interface Comparison {
  /** How the figures were computed and the rule applied, in words. */
  readonly method: string;
  /** The arm the others are compared with. */
  readonly reference: string;
  readonly winner: string | null;
  readonly exact: boolean;
  readonly arms: VerdictArm[];
}

/** A segment's verdicts at one re-optimization. */
export interface SegmentVerdict {
  readonly objective: Objective;
  /** The message variants against each other on the campaign objective (null with fewer than two). */
  readonly messages: Comparison | null;
  /** Conversions per send of each message variant against the no-send control (null without a control). */
  readonly control: Comparison | null;
  readonly stopped: Array<{ variantId: string; reason: string }>;
}

/** Stored on the campaign as `verdicts` (`CAMPAIGN#<id>` / `META`). */
export interface CampaignVerdicts {
  readonly runId: string;
  readonly at: string;
  readonly segments: Record<string, SegmentVerdict>;
}

export interface UpdateSegmentResult {
  readonly segmentId: string;
  /** Active arms after the update, the control included. */
  readonly activeArms: number;
  readonly leader: string | null;
  readonly winner: string | null;
  readonly stopped: Array<{ variantId: string; reason: string }>;
  /** Why no challenger job was made, when none was (null when one was, or breeding is off). */
  readonly breedSkipped: string | null;
}

export interface UpdateResult {
  readonly runId: string;
  readonly campaignId: string;
  readonly status: Campaign['status'];
  /** The snapshot written (null when no segment has arms). */
  readonly snapshotAt: string | null;
  readonly segments: UpdateSegmentResult[];
  /** Challenger jobs for the state machine's Map (empty when breeding is off or nothing qualifies). */
  readonly challengers: ChallengerJob[];
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const fmt = (x: number) => (x < 0.0001 && x > 0 ? x.toExponential(2) : x.toFixed(4));

/** Counts for the kernel: integers with successes ≤ trials. */
const countsOf = (id: string, successes: number, trials: number) => ({
  id,
  successes: Math.min(Math.round(successes), Math.round(trials)),
  trials: Math.round(trials),
});

function comparison(verdict: AbVerdict, method: string, reference: string): Comparison {
  return {
    method,
    reference,
    winner: verdict.winner,
    exact: verdict.exact,
    arms: verdict.variants.map((v) => ({
      variantId: v.id,
      trials: v.trials,
      successes: v.successes,
      mean: round6(v.posteriorMean),
      probabilityBest: round6(v.probabilityBest),
      expectedLoss: round6(v.expectedLoss),
      probabilityBeatsReference:
        v.probabilityBeatsControl === null ? null : round6(v.probabilityBeatsControl),
      status: v.status,
    })),
  };
}

/**
 * The message variants compared on the campaign objective. The reference is the leader (the
 * highest posterior mean), so the kernel's "loser" is a variant that is almost surely worse
 * than the leader after enough trials; the leader itself is never one, so at least one
 * message variant always stays.
 */
function compareMessages(
  messages: readonly SegmentArm[],
  objective: Objective,
  options: OptimizeOptions,
  seed: number,
): { comparison: Comparison; verdict: AbVerdict; leader: string } {
  const counts = messages.map(({ variant, counter }) => {
    const { successes, trials } = armCounts(counter, objective);
    return countsOf(variant.variantId, successes, trials);
  });
  const meanOf = (c: { successes: number; trials: number }) => (c.successes + 1) / (c.trials + 2);
  const leader = counts.reduce((best, c) => (meanOf(c) > meanOf(best) ? c : best), counts[0]!).id;
  const verdict = abVerdict(counts, {
    control: leader,
    winProbability: options.winProbability,
    lossThreshold: options.lossThreshold,
    loserProbability: options.loserProbability,
    minTrials: options.minTrials,
    draws: options.verdictDraws,
    seed,
  });
  const rate = objective === 'click' ? 'clicks' : 'conversions';
  const method =
    `Message variants compared on ${rate} per send (trials: sends or impressions, whichever is larger), ` +
    'each rate with a Beta(1, 1) prior updated with its own counts only (the predicted priors steer ' +
    'the allocation, not the verdict). The reference arm is the leader (highest posterior mean); ' +
    `a variant is stopped as a clear loser when P(it beats the leader) ≤ ${options.loserProbability} after ` +
    `≥ ${options.minTrials} trials. Figures: ${verdict.method.replace(/control/g, 'reference')}`;
  return { comparison: comparison(verdict, method, leader), verdict, leader };
}

/** Each message variant's conversions per send against the no-send control's. */
function compareWithControl(
  messages: readonly SegmentArm[],
  control: SegmentArm,
  options: OptimizeOptions,
  seed: number,
): Comparison {
  const counts = [...messages, control].map(({ variant, counter }) =>
    countsOf(variant.variantId, counter.conversions, counter.sends),
  );
  const verdict = abVerdict(counts, {
    control: CONTROL,
    winProbability: options.winProbability,
    lossThreshold: options.lossThreshold,
    minTrials: options.minTrials,
    draws: options.verdictDraws,
    seed,
  });
  const method =
    'Conversions per send of each message variant against the no-send control (users held out, ' +
    'their conversions reported against the control arm): P(beats control) is the probability that ' +
    'sending this variant converts more than sending nothing. Reported, not acted on here (the ' +
    `decision's uplift rule holds sends back when messages hurt). Figures: ${verdict.method}`;
  return comparison(verdict, method, CONTROL);
}

/**
 * The verdicts the next re-optimization would record, from the current counters, with the same
 * comparisons (`compareMessages`, `compareWithControl`): read-only (nothing stopped or stored),
 * seeded by campaign and segment so the same counters give the same figures. `GET
 * /campaigns/{id}` answers them as `live`, so no client recomputes a verdict.
 */
export function liveVerdicts(
  state: CampaignState,
  options: OptimizeOptions = defaultOptimizeOptions,
): Record<string, SegmentVerdict> {
  const objective = state.campaign.spec.objective;
  const verdicts: Record<string, SegmentVerdict> = {};
  for (const segmentId of [...new Set(state.variants.map((v) => v.segmentId))].sort()) {
    const arms = segmentArms(state, segmentId);
    const control = arms.find((a) => a.variant.kind === 'control');
    const messages = arms.filter((a) => a.variant.kind !== 'control');
    const seed = hash32('live', state.campaign.campaignId, segmentId);
    verdicts[segmentId] = {
      objective,
      messages: messages.length >= 2 ? compareMessages(messages, objective, options, seed).comparison : null,
      control:
        control && messages.length > 0 ? compareWithControl(messages, control, options, seed + 1) : null,
      stopped: [],
    };
  }
  return verdicts;
}

/**
 * The allocation snapshot of one segment, as decisions split traffic: the control gets exactly
 * the control share (held out by hash, never drawn), the message arms split the rest evenly
 * (`trafficSplit: even`) or by their probability of being best under their posteriors (the
 * Thompson allocation). Means and 95% intervals are the arms' posteriors (predicted prior plus
 * counts).
 */
function segmentSnapshot(
  messages: readonly SegmentArm[],
  control: SegmentArm | undefined,
  spec: Campaign['spec'],
  draws: number,
  random: () => number,
): AllocationSnapshot['segments'][string] {
  const controlShare = control ? spec.controlShare : 0;
  const shares =
    spec.trafficSplit === 'even' || messages.length === 1
      ? messages.map(() => 1 / messages.length)
      : Array.from(
          allocation(
            messages.map((m) => m.arm),
            draws,
            random,
          ),
        );
  const row = (a: SegmentArm, share: number) => {
    const interval = posteriorInterval(a.arm);
    return {
      variantId: a.variant.variantId,
      share: round6(share),
      mean: round6(interval.mean),
      low: round6(interval.low),
      high: round6(interval.high),
      sends: a.counter.sends,
      successes: spec.objective === 'click' ? a.counter.clicks : a.counter.conversions,
    };
  };
  return [
    ...messages.map((m, i) => row(m, (1 - controlShare) * (shares[i] ?? 0))),
    ...(control ? [row(control, controlShare)] : []),
  ];
}

function breedingOpen(campaign: Campaign, now: Date): string | null {
  if (campaign.status !== 'active') return `campaign is ${campaign.status}`;
  if (campaign.spec.endAt && Date.parse(campaign.spec.endAt) <= now.getTime()) return 'campaign has ended';
  return null;
}

/**
 * Update one campaign: per segment, the verdicts, clear losers stopped, and a snapshot of the
 * allocation; the verdicts stored on the campaign; with `breed`, one challenger job per
 * segment whose leader has enough evidence and room for another arm.
 */
export async function updateCampaign(
  input: { runId: string; campaignId: string; breed: boolean },
  ports: OptimizePorts,
): Promise<UpdateResult> {
  const { runId, campaignId } = input;
  const options = optionsOf(ports);
  const breed = { ...defaultBreedOptions, ...options.breed };
  const now = clockOf(ports);
  const at = now.toISOString();
  const state = await ports.store.getState(campaignId);
  const { campaign } = state;
  const { spec } = campaign;
  const objective = spec.objective;
  const random = ports.random ?? mulberry32(hash32(runId, campaignId, 'allocation'));
  const closed = input.breed ? breedingOpen(campaign, now) : null;

  const segmentIds = [...new Set(state.variants.map((v) => v.segmentId))].sort();
  const verdicts: Record<string, SegmentVerdict> = {};
  const snapshot: AllocationSnapshot['segments'] = {};
  const results: UpdateSegmentResult[] = [];
  const challengers: ChallengerJob[] = [];

  for (const segmentId of segmentIds) {
    const arms = segmentArms(state, segmentId);
    const control = arms.find((a) => a.variant.kind === 'control');
    let messages = arms.filter((a) => a.variant.kind !== 'control');
    const seed = hash32(runId, campaignId, segmentId);
    const stopped: Array<{ variantId: string; reason: string }> = [];

    let messageComparison: Comparison | null = null;
    let leader: string | null = messages.length === 1 ? messages[0]!.variant.variantId : null;
    if (messages.length >= 2) {
      const compared = compareMessages(messages, objective, options, seed);
      messageComparison = compared.comparison;
      leader = compared.leader;
      const reference = compared.verdict.variants.find((v) => v.id === leader)!;
      for (const v of compared.verdict.variants) {
        if (v.status !== 'loser') continue;
        const reason =
          `clear loser on ${objective === 'click' ? 'clicks' : 'conversions'} per send: ` +
          `P(beats leader ${leader}) = ${fmt(v.probabilityBeatsControl ?? 0)} ≤ ${options.loserProbability} ` +
          `with ${v.successes}/${v.trials} (mean ${fmt(v.posteriorMean)}) against ` +
          `${reference.successes}/${reference.trials} (mean ${fmt(reference.posteriorMean)}), ` +
          `after ≥ ${options.minTrials} trials; expected loss ${fmt(v.expectedLoss)}`;
        stopped.push({ variantId: v.id, reason });
      }
    }
    for (const { variantId, reason } of stopped) {
      await ports.store.updateVariant(campaignId, segmentId, variantId, {
        status: 'stopped',
        stoppedAt: at,
        stopReason: reason,
      });
    }
    const stoppedIds = new Set(stopped.map((s) => s.variantId));
    messages = messages.filter((m) => !stoppedIds.has(m.variant.variantId));

    const controlComparison =
      control && messages.length > 0 ? compareWithControl(messages, control, options, seed + 1) : null;
    verdicts[segmentId] = { objective, messages: messageComparison, control: controlComparison, stopped };
    if (messages.length > 0) {
      snapshot[segmentId] = segmentSnapshot(messages, control, spec, options.allocationDraws, random);
    }

    let breedSkipped: string | null = null;
    if (input.breed) {
      const leaderArm = messages.find((m) => m.variant.variantId === leader);
      if (closed) breedSkipped = closed;
      else if (!leaderArm) breedSkipped = 'no active message variant';
      else {
        const counters = new Map(state.counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
        const all = state.variants
          .filter((v) => v.segmentId === segmentId && v.kind !== 'control')
          .map((variant) => ({
            variant,
            counter:
              counters.get(`${segmentId}#${variant.variantId}`) ?? emptyCounter(segmentId, variant.variantId),
          }));
        const built = buildChallengerJob({
          runId,
          campaign,
          segmentId,
          leader: leaderArm,
          arms: all,
          activeArms: messages.length + (control ? 1 : 0),
          options: breed,
        });
        if ('job' in built) challengers.push(built.job);
        else breedSkipped = built.skipped;
      }
    }
    results.push({
      segmentId,
      activeArms: messages.length + (control ? 1 : 0),
      leader,
      winner: messageComparison?.winner ?? null,
      stopped,
      breedSkipped,
    });
  }

  const hasSnapshot = Object.keys(snapshot).length > 0;
  if (hasSnapshot) await ports.store.putSnapshot(campaignId, { at, segments: snapshot });
  const stored: CampaignVerdicts = { runId, at, segments: verdicts };
  await ports.store.updateCampaign(campaignId, { verdicts: stored });
  return {
    runId,
    campaignId,
    status: campaign.status,
    snapshotAt: hasSnapshot ? at : null,
    segments: results,
    challengers,
  };
}

// ---------------------------------------------------------------------------------------------
// enter
// ---------------------------------------------------------------------------------------------

export interface EnterResult {
  readonly runId: string;
  readonly campaignId: string;
  readonly segmentId: string;
  readonly entered: string[];
  readonly skipped: Array<{ variantId: string; reason: string }>;
}

/**
 * Enter bred variants as active `challenger` arms with priors from their predictions (the
 * campaign run's prior: the objective's predicted rate with {@link maxPriorStrength}
 * pseudo-observations), the parents recorded. Variants already in the segment (ids are content
 * hashes, so the same copy again), without a prediction, or beyond the segment's most active
 * arms are skipped with the reason.
 */
export async function enterChallengers(
  input: Extract<OptimizeStepInput, { step: 'enter' }>,
  ports: OptimizePorts,
): Promise<EnterResult> {
  const { runId, campaignId, segmentId, generated, predicted } = input;
  const breed = { ...defaultBreedOptions, ...optionsOf(ports).breed };
  const state = await ports.store.getState(campaignId);
  const { spec } = state.campaign;
  const present = new Set(state.variants.filter((v) => v.segmentId === segmentId).map((v) => v.variantId));
  let active = state.variants.filter((v) => v.segmentId === segmentId && v.status === 'active').length;
  const predictions = new Map(predicted.predictions.map((p) => [p.variantId, p]));
  const parentVariant = state.variants.find(
    (v) => v.segmentId === segmentId && v.variantId === input.parents[0],
  );
  const tone = input.generate?.tone ?? parentVariant?.tone ?? spec.tone;
  const createdAt = clockOf(ports).toISOString();
  const entered: Variant[] = [];
  const skipped: Array<{ variantId: string; reason: string }> = [];
  for (const variant of generated.variants) {
    const prediction = predictions.get(variant.variantId);
    if (present.has(variant.variantId)) {
      skipped.push({ variantId: variant.variantId, reason: 'already in the segment' });
      continue;
    }
    if (!prediction) {
      skipped.push({ variantId: variant.variantId, reason: 'not predicted' });
      continue;
    }
    if (active >= breed.maxActiveArms) {
      skipped.push({
        variantId: variant.variantId,
        reason: `the segment has ${active} active arms, the most allowed is ${breed.maxActiveArms}`,
      });
      continue;
    }
    entered.push(
      armOf(
        { campaignId, segmentId, kind: 'challenger', tone, createdAt, parents: input.parents },
        variant,
        prediction,
        generated,
        spec,
      ),
    );
    present.add(variant.variantId);
    active += 1;
  }
  if (entered.length > 0) await ports.store.putVariants(entered);
  return { runId, campaignId, segmentId, entered: entered.map((v) => v.variantId), skipped };
}

// ---------------------------------------------------------------------------------------------
// retrain
// ---------------------------------------------------------------------------------------------

export type ModelName = 'ctr' | 'cvr' | 'uplift';
export const modelNames: readonly ModelName[] = ['ctr', 'cvr', 'uplift'];

/** A block of identical sends: one variant to one segment, with or without the message. */
export interface ExampleGroup {
  readonly key: string;
  readonly variant: VariantInput;
  readonly audience: Audience;
  readonly treated: 0 | 1;
  readonly trials: number;
  readonly positives: number;
  readonly at: string;
}

export type RetrainOutcome =
  | {
      model: ModelName;
      promoted: boolean;
      decision: string;
      version: string;
      examples: number;
      positives: number;
    }
  | { model: ModelName; skipped: string; examples: number; positives: number };

export interface RetrainResult {
  readonly runId: string;
  readonly campaigns: number;
  /** Expanded examples before any sampling, per model. */
  readonly available: Record<ModelName, number>;
  /** The share of each count kept (1 when under `maxExamples`). */
  readonly sampled: Record<ModelName, number>;
  readonly models: RetrainOutcome[];
}

/** The audience of a segment as the predictor scores it (`all` is its unknown audience). */
async function segmentAudience(segmentId: string, profiles: ProfileStore): Promise<Audience> {
  if (segmentId === ALL_SEGMENT) return { segmentId: 'unknown' };
  try {
    return await audienceOf({ segmentId, variants: [], context: {} }, profiles);
  } catch (error) {
    if (error instanceof NotFoundError) return { segmentId };
    throw error;
  }
}

/** A variant as the predictor's input; a category campaign's stand-in product (price 0) carries no price. */
function variantInput(variant: Variant, spec: Campaign['spec']): VariantInput {
  return {
    variantId: variant.variantId,
    headline: variant.headline || ' ',
    body: variant.body,
    callToAction: variant.callToAction,
    goal: spec.goal,
    channel: spec.channel,
    language: spec.language,
    tone: variant.tone,
    products: variant.products.map((p) => ({
      productId: p.productId,
      ...(p.category ? { category: p.category } : {}),
      ...(p.price !== undefined && p.price > 0 ? { price: p.price } : {}),
    })),
  };
}

/** `n` split into `parts` whole shares that add up to `n` (the first ones get the remainder). */
const splitEvenly = (n: number, parts: number) =>
  Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));

/**
 * The example groups of one campaign for each model:
 * - ctr: each message arm's trials (sends or impressions, whichever is larger), clicks positive;
 * - cvr: each message arm's clicks, conversions positive: the predictor's conversion model is
 *   P(conversion | click) (it multiplies it with the click rate), so its examples are clicks;
 * - uplift: each message arm's sends with conversions positive (treated 1), and the control's
 *   sends with its conversions positive (treated 0), the control's counts split evenly over the
 *   segment's message variants' content, so the content features stay balanced between the
 *   two sides and only the treatment features can explain the difference.
 */
export async function exampleGroups(
  state: CampaignState,
  audienceOfSegment: (segmentId: string) => Promise<Audience>,
): Promise<Record<ModelName, ExampleGroup[]>> {
  const { campaign } = state;
  const spec = campaign.spec;
  const at = campaign.updatedAt;
  const groups: Record<ModelName, ExampleGroup[]> = { ctr: [], cvr: [], uplift: [] };
  const counters = new Map(state.counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
  const segmentIds = [...new Set(state.variants.map((v) => v.segmentId))];
  for (const segmentId of segmentIds) {
    const audience = await audienceOfSegment(segmentId);
    const messages = state.variants.filter((v) => v.segmentId === segmentId && v.kind !== 'control');
    const key = (v: Variant, treated: number) =>
      `${campaign.campaignId}#${segmentId}#${v.variantId}#${treated}`;
    for (const v of messages) {
      const c = counters.get(`${segmentId}#${v.variantId}`);
      if (!c) continue;
      const input = variantInput(v, spec);
      const trials = Math.max(c.sends, c.impressions);
      const base = { variant: input, audience, at };
      if (trials > 0) {
        groups.ctr.push({
          ...base,
          key: key(v, 1),
          treated: 1,
          trials,
          positives: Math.min(c.clicks, trials),
        });
      }
      if (c.clicks > 0) {
        groups.cvr.push({
          ...base,
          key: key(v, 1),
          treated: 1,
          trials: c.clicks,
          positives: Math.min(c.conversions, c.clicks),
        });
      }
      if (c.sends > 0) {
        groups.uplift.push({
          ...base,
          key: key(v, 1),
          treated: 1,
          trials: c.sends,
          positives: Math.min(c.conversions, c.sends),
        });
      }
    }
    const control = counters.get(`${segmentId}#${CONTROL}`);
    if (control && control.sends > 0 && messages.length > 0) {
      const sends = splitEvenly(control.sends, messages.length);
      const conversions = splitEvenly(Math.min(control.conversions, control.sends), messages.length);
      messages.forEach((v, i) => {
        const trials = sends[i]!;
        if (trials === 0) return;
        groups.uplift.push({
          key: key(v, 0),
          variant: variantInput(v, spec),
          audience,
          at,
          treated: 0,
          trials,
          positives: Math.min(conversions[i]!, trials),
        });
      });
    }
  }
  return groups;
}

/**
 * Expand groups into labelled examples, at most about `max` of them. Above the cap every
 * group's positives and negatives are both scaled by the same factor (rounded stochastically,
 * so each count is kept in expectation): the rates and the groups' relative weights are what
 * they were, no class is thinned more than the other, and no reweighting is needed.
 */
export function expandExamples(
  groups: readonly ExampleGroup[],
  max: number,
  random: () => number,
): { examples: TrainingExample[]; factor: number } {
  const total = groups.reduce((s, g) => s + g.trials, 0);
  const factor = total > max ? max / total : 1;
  const scale = (n: number) => {
    if (factor === 1) return n;
    const x = n * factor;
    const whole = Math.floor(x);
    return whole + (random() < x - whole ? 1 : 0);
  };
  const examples: TrainingExample[] = [];
  for (const g of groups) {
    const positives = scale(g.positives);
    const negatives = scale(g.trials - g.positives);
    const context = { treated: g.treated };
    for (let i = 0; i < positives + negatives; i++) {
      examples.push({
        exampleId: `${g.key}#${i}`,
        variant: g.variant,
        audience: g.audience,
        context,
        label: i < positives ? 1 : 0,
        at: g.at,
      });
    }
  }
  return { examples, factor };
}

/**
 * Retrain the click, conversion and uplift models on every campaign's counters (method in
 * {@link exampleGroups} and {@link expandExamples}), each promoted only when it beats the
 * serving version on held-out examples (training.ts). A model with fewer than `minExamples`
 * examples, or fewer than `minPositives` positives or negatives, is skipped with the reason.
 */
export async function retrainModels(runId: string, ports: OptimizePorts): Promise<RetrainResult> {
  const options = optionsOf(ports);
  const campaigns = (await ports.store.listCampaigns(options.maxCampaigns)).filter(
    (c) => c.status !== 'creating' && c.status !== 'failed',
  );
  const audiences = new Map<string, Promise<Audience>>();
  const audience = (segmentId: string) => {
    let found = audiences.get(segmentId);
    if (!found) {
      found = segmentAudience(segmentId, ports.profiles);
      audiences.set(segmentId, found);
    }
    return found;
  };
  const groups: Record<ModelName, ExampleGroup[]> = { ctr: [], cvr: [], uplift: [] };
  for (const campaign of campaigns) {
    const state = await ports.store.getState(campaign.campaignId);
    const mine = await exampleGroups(state, audience);
    for (const model of modelNames) groups[model].push(...mine[model]);
  }

  const available = { ctr: 0, cvr: 0, uplift: 0 };
  const sampled = { ctr: 1, cvr: 1, uplift: 1 };
  const models: RetrainOutcome[] = [];
  for (const model of modelNames) {
    const total = groups[model].reduce((s, g) => s + g.trials, 0);
    const positivesTotal = groups[model].reduce((s, g) => s + g.positives, 0);
    available[model] = total;
    const tooFew =
      total < options.minExamples
        ? `${total} examples; ${options.minExamples} needed`
        : positivesTotal < options.minPositives
          ? `${positivesTotal} positives; ${options.minPositives} needed`
          : total - positivesTotal < options.minPositives
            ? `${total - positivesTotal} negatives; ${options.minPositives} needed`
            : null;
    if (tooFew) {
      models.push({ model, skipped: tooFew, examples: total, positives: positivesTotal });
      continue;
    }
    const { examples, factor } = expandExamples(
      groups[model],
      options.maxExamples,
      mulberry32(hash32(runId, model, 'sample')),
    );
    sampled[model] = round6(factor);
    const positives = examples.reduce((s, e) => s + e.label, 0);
    const outcome = await trainAndMaybePromote(model, examples, ports.registry, options.training);
    models.push({
      model,
      promoted: outcome.promoted,
      decision: outcome.decision,
      version: outcome.version.version,
      examples: examples.length,
      positives,
    });
  }
  return { runId, campaigns: campaigns.length, available, sampled, models };
}

// ---------------------------------------------------------------------------------------------
// strategies
// ---------------------------------------------------------------------------------------------

export interface StrategiesResult {
  readonly runId: string;
  readonly campaigns: number;
  readonly strategies: Array<{
    segmentId: string;
    objective: Objective;
    channel: string | null;
    hour: string | null;
    tone: string | null;
    products: string[];
  }>;
}

/** Per segment across every campaign: the best channel, send hour, tone and products (strategies.ts). */
export async function updateStrategies(runId: string, ports: OptimizePorts): Promise<StrategiesResult> {
  const options = optionsOf(ports);
  const campaigns = (await ports.store.listCampaigns(options.maxCampaigns)).filter(
    (c) => c.status !== 'creating' && c.status !== 'failed',
  );
  const arms: ArmObservation[] = [];
  const hours: HourObservation[] = [];
  for (const campaign of campaigns) {
    const state = await ports.store.getState(campaign.campaignId);
    const spec = state.campaign.spec;
    const counters = new Map(state.counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
    for (const v of state.variants) {
      if (v.kind === 'control') continue;
      const c = counters.get(`${v.segmentId}#${v.variantId}`);
      if (!c) continue;
      arms.push({
        segmentId: v.segmentId,
        campaignId: campaign.campaignId,
        objective: spec.objective,
        channel: spec.channel,
        tone: v.tone,
        productIds: v.products.map((p) => p.productId),
        trials: Math.max(c.sends, c.impressions),
        clicks: c.clicks,
        conversions: c.conversions,
      });
    }
    for (const [segmentId, counts] of Object.entries(await ports.store.hourCounts(campaign.campaignId))) {
      hours.push({ segmentId, counts });
    }
  }
  const strategies = buildStrategies(arms, hours, {
    minSends: options.strategyMinSends,
    runId,
    at: clockOf(ports).toISOString(),
  });
  await putStrategies(ports.profilesTable, strategies);
  return {
    runId,
    campaigns: campaigns.length,
    strategies: strategies.map((s) => ({
      segmentId: s.segmentId,
      objective: s.objective,
      channel: s.channel.best,
      hour: s.hour.best,
      tone: s.tone.best,
      products: s.products.best,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// export
// ---------------------------------------------------------------------------------------------

/** Preference pairs of every campaign to `preferences/<runId>.jsonl` (preferences.ts). */
export async function exportPairs(runId: string, ports: OptimizePorts): Promise<ExportResult> {
  const options = optionsOf(ports);
  return exportPreferences(
    runId,
    { store: ports.store, objects: ports.objects, profiles: ports.profiles, catalog: ports.catalog },
    { maxCampaigns: options.maxCampaigns, ...options.preferences },
  );
}
