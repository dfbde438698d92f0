/**
 * The campaign run: `POST /campaigns` records a campaign and starts its state machine, whose
 * task states call {@link campaignStep}:
 *
 *   plan → per segment (inline Map): generate → predict → select → [messages (Distributed Map
 *   over the user-list manifest)] → finish;  any uncaught failure → fail.
 *
 * Every step's input and output stays small (Step Functions caps payloads at 256 KB): copy and
 * predictions travel once, from generate to select; what later steps need they read back from
 * the campaign store.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, stepErrorMessage, ValidationError } from '../../core/errors';
import { hash32 } from '../../core/hash';
import { mulberry32 } from '../../core/random';
import { maxVariants } from '../../model/contract';
import { type CampaignGenerateOutput, campaignGenerateOutputSchema } from '../generate/campaign-task';
import type { Product } from '../generate/schema';
import type { CampaignPredictOutput } from '../predict/campaign-task';
import { campaignPredictOutputSchema } from '../predict/campaign-task';
import type { Prediction } from '../predict/core';
import { categoryName } from '../profile/categories';
import { browsersSegment, type Segment } from '../profile/segments';
import type { ProfileStore } from '../profile/store';
import type { Workflow } from '../shared/adapters/workflow';
import type { ObjectStore } from '../shared/ports';
import { ALL_SEGMENT } from '../shared/schemas';
import { inControl } from './decision';
import type { Uniform } from './kernels/sampling';
import { type Arm, allocation, choose, priorArm } from './kernels/thompson';
import { posteriorInterval } from './posterior';
import type { CampaignSpec } from './schema';
import { type AllocationSnapshot, type Campaign, type CampaignStore, CONTROL, type Variant } from './store';

/** Most user ids in one chunk of a batch campaign's manifest (one Distributed Map item). */
export const chunkSize = 500;

/**
 * Weight of a variant's predicted rate in its bandit prior, in pseudo-observations: the prior
 * is Beta(rate·s, (1 − rate)·s) with s = min(maxPriorStrength, the prediction's observations).
 * Every prediction rests on at least the predictor's `priorCount` (200) observations, so the
 * cap applies: about 50 real sends outweigh the prediction.
 */
export const maxPriorStrength = 50;

/** Rates of bandit priors are kept inside (minRate, 1 − minRate): a Beta needs both shapes > 0. */
const minRate = 1e-4;

/** Monte Carlo draws of the initial allocation (±0.005 on each share). */
const allocationDraws = 10_000;

export interface CampaignRunPorts {
  readonly store: CampaignStore;
  readonly profiles: ProfileStore;
  readonly objects: ObjectStore;
  readonly catalog: { getProducts(ids: readonly string[]): Promise<Product[]> };
  /**
   * Uniform source of the initial allocation's Monte Carlo; default seeded from the campaign,
   * so a retried finish step writes the same snapshot.
   */
  readonly random?: () => number;
  readonly now?: () => Date;
}

/** One Map item of the run: a target segment and the `POST /generate` body for it. */
export interface SegmentJob {
  readonly campaignId: string;
  /** A segment of the latest profiling run, or `all` (everyone, no persona). */
  readonly segmentId: string;
  readonly generate: Record<string, unknown>;
}

/** One Distributed Map item of a batch campaign: up to {@link chunkSize} user ids. */
export interface MessageChunk {
  readonly campaignId: string;
  readonly chunk: number;
  readonly userIds: string[];
}

export interface CampaignPlan {
  readonly campaignId: string;
  readonly segments: SegmentJob[];
  /** The chunk manifest of a userList campaign (a JSON array of {@link MessageChunk}). */
  readonly manifestKey?: string;
  /** Number of chunks in the manifest; 0 when there is none. */
  readonly chunkCount: number;
}

export interface SelectResult {
  readonly segmentId: string;
  /** Generated variants written as arms (the control not counted). */
  readonly kept: number;
  /** Generated variants scored lower than the kept ones, or not scored. */
  readonly dropped: number;
  /** Variants the guardrails refused during generation. */
  readonly refused: number;
  /** Why nothing was kept, when nothing was. */
  readonly reason?: string;
}

export interface MessagesResult {
  readonly chunk: number;
  readonly users: number;
  /** Users sent a variant. */
  readonly sends: number;
  /** Users held out in the control. */
  readonly control: number;
  /** Users for whom no segment had a variant (no line says send). */
  readonly unassigned: number;
  readonly key: string;
}

export interface FinishResult {
  readonly campaignId: string;
  readonly status: 'active' | 'failed';
  /** Generated variants kept over all segments. */
  readonly kept: number;
  readonly segments: number;
  /** Segments that failed or kept nothing. */
  readonly failedSegments: string[];
  readonly messagesPrefix?: string;
}

// ---------------------------------------------------------------------------------------------
// Step inputs
// ---------------------------------------------------------------------------------------------

const campaignIdSchema = z.string().trim().min(1).max(128);
const segmentIdSchema = z.string().trim().min(1).max(128);

export const messageChunkSchema = z.object({
  campaignId: campaignIdSchema,
  chunk: z.number().int().min(0),
  userIds: z.array(z.string().min(1)).max(chunkSize),
});

const selectResultSchema = z.object({
  segmentId: segmentIdSchema,
  kept: z.number().int().min(0),
  dropped: z.number().int().min(0).default(0),
  refused: z.number().int().min(0).default(0),
  reason: z.string().optional(),
});

const stepErrorSchema = z.object({ Error: z.string().optional(), Cause: z.string().optional() });

/** A Map iteration the state machine caught: the item, with the error where the Catch put it. */
const failedSegmentSchema = z.object({
  segmentId: segmentIdSchema,
  error: z.union([z.string(), stepErrorSchema]),
});

/** Input of the run's task states (the handler parses with this). */
export const campaignStepSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal('plan'), campaignId: campaignIdSchema }),
  z.object({
    step: z.literal('select'),
    campaignId: campaignIdSchema,
    segmentId: segmentIdSchema,
    generated: campaignGenerateOutputSchema,
    predicted: campaignPredictOutputSchema,
  }),
  z.object({ step: z.literal('messages'), campaignId: campaignIdSchema, chunk: messageChunkSchema }),
  z.object({
    step: z.literal('finish'),
    campaignId: campaignIdSchema,
    results: z.array(z.union([failedSegmentSchema, selectResultSchema])),
  }),
  z.object({ step: z.literal('fail'), campaignId: campaignIdSchema, error: stepErrorSchema.default({}) }),
]);
export type CampaignStepInput = z.infer<typeof campaignStepSchema>;

/** Run one task state of the campaign run. */
export async function campaignStep(input: CampaignStepInput, ports: CampaignRunPorts): Promise<unknown> {
  switch (input.step) {
    case 'plan':
      return planCampaign(input.campaignId, ports);
    case 'select':
      return selectVariants(input, ports);
    case 'messages':
      return writeMessages(input.campaignId, input.chunk, ports);
    case 'finish':
      return finishCampaign(input.campaignId, input.results, ports);
    case 'fail':
      return failCampaign(input.campaignId, input.error, ports);
  }
}

// ---------------------------------------------------------------------------------------------
// POST /campaigns
// ---------------------------------------------------------------------------------------------

const clockOf = (ports: { now?: () => Date }) => (ports.now ?? (() => new Date()))();

/** A campaign id, also the execution's name (letters, digits and '-' only). */
export const newCampaignId = () => `cmp-${randomUUID().replaceAll('-', '').slice(0, 12)}`;

/**
 * Record a campaign (status `creating`) and start its run, named after the campaign so a
 * campaign has one run. A failed start marks the campaign failed and is rethrown.
 */
export async function createCampaign(
  spec: CampaignSpec,
  ports: { store: CampaignStore; workflow: Workflow; now?: () => Date; newId?: () => string },
): Promise<Campaign> {
  const now = clockOf(ports).toISOString();
  const campaignId = (ports.newId ?? newCampaignId)();
  const campaign: Campaign = { campaignId, spec, status: 'creating', createdAt: now, updatedAt: now };
  await ports.store.createCampaign(campaign);
  try {
    const { executionArn } = await ports.workflow.start(campaignId, { campaignId });
    await ports.store.updateCampaign(campaignId, { executionArn });
    return { ...campaign, executionArn };
  } catch (error) {
    const { name, message } = error as Error;
    await ports.store.updateCampaign(campaignId, {
      status: 'failed',
      error: { error: name || 'Error', cause: `the campaign run did not start: ${message}`.slice(0, 2000) },
    });
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// plan
// ---------------------------------------------------------------------------------------------

interface Target {
  readonly segmentId: string;
  readonly label?: { en: string; zh: string };
  readonly size?: number;
}

const allTarget: Target = { segmentId: ALL_SEGMENT };
const targetOf = (s: Segment): Target => ({ segmentId: s.segmentId, label: s.label, size: s.size });

/** Run `f` over items, `width` at a time (store reads for hundreds of users). */
async function inGroups<T, R>(items: readonly T[], width: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(f))));
  return out;
}

/**
 * The latest profiling run's segments, without `browsers` (people who never bought) when there
 * are others; the `all` pseudo-segment when there are none.
 */
async function currentTargets(profiles: ProfileStore): Promise<Target[]> {
  const current = await profiles.listSegments();
  const chosen = current.length > 1 ? current.filter((s) => s.segmentId !== browsersSegment) : current;
  return chosen.length > 0 ? chosen.map(targetOf) : [allTarget];
}

/** A user list's ids: a JSON array of ids, or one id per line (blank lines skipped), deduplicated. */
export function parseUserList(text: string, key: string): string[] {
  const trimmed = text.trim();
  let ids: string[];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new ValidationError(`user list ${key} is not valid JSON: ${(error as Error).message}`);
    }
    const list = z.array(z.union([z.string().trim().min(1), z.number().int()])).safeParse(parsed);
    if (!list.success) throw new ValidationError(`user list ${key} must be an array of user ids`);
    ids = list.data.map(String);
  } else {
    ids = trimmed
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
  }
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new ValidationError(`user list ${key} holds no user ids`);
  return unique;
}

const manifestKeyOf = (campaignId: string) => `campaigns/${campaignId}/manifest.json`;
export const messagesPrefixOf = (campaignId: string) => `campaigns/${campaignId}/messages/`;
const messagesKeyOf = (campaignId: string, chunk: number) =>
  `${messagesPrefixOf(campaignId)}${String(chunk).padStart(6, '0')}.jsonl`;

/** The stand-in product of a category campaign: price 0, so the generator quotes no price. */
export function categoryProduct(category: string, language: CampaignSpec['language']): Product {
  return {
    productId: `category:${category}`.slice(0, 256),
    title: categoryName(category)[language],
    category,
    price: 0,
  };
}

/** The `POST /generate` body for the segment at `index` of the run. */
function generateBody(spec: CampaignSpec, segmentId: string, index: number): Record<string, unknown> {
  return {
    ...(segmentId !== ALL_SEGMENT ? { segmentId } : {}),
    ...(spec.productIds
      ? { productIds: spec.productIds }
      : { products: [categoryProduct(spec.category ?? '', spec.language)] }),
    goal: spec.goal,
    channel: spec.channel,
    language: spec.language,
    tone: spec.tone,
    variants: spec.candidatesPerSegment ?? Math.min(maxVariants, 2 * spec.variantsPerSegment),
    mustInclude: spec.mustInclude,
    mustAvoid: spec.mustAvoid,
    bannedWords: spec.bannedWords,
    ...(spec.ctaUrl !== undefined ? { ctaUrl: spec.ctaUrl } : {}),
    allowFallback: spec.allowFallback,
    ...(spec.seed !== undefined ? { seed: (spec.seed + index) % 2 ** 32 } : {}),
  };
}

/**
 * Resolve the campaign's audience to target segments, one Map item each, and store them on the
 * campaign:
 * - everyone: the current segments ({@link currentTargets});
 * - segments: those named (one the latest run lacks is a ValidationError naming it);
 * - users: the segments of their profiles, users without one in `all`;
 * - userList: the current segments; the list (JSON array or one id per line; a missing object
 *   is a NotFoundError) is cut into chunks of {@link chunkSize} written as the manifest the
 *   messages Map reads.
 * Product ids the catalog lacks are a NotFoundError here, before any copy is generated.
 */
export async function planCampaign(campaignId: string, ports: CampaignRunPorts): Promise<CampaignPlan> {
  const campaign = await ports.store.getCampaign(campaignId);
  const { spec } = campaign;
  const audience = spec.audience;

  if (spec.productIds) {
    const ids = [...new Set(spec.productIds)];
    const found = new Set((await ports.catalog.getProducts(ids)).map((p) => p.productId));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new NotFoundError(`unknown product ids: ${missing.join(', ')}`, { productIds: missing });
    }
  }

  let targets: Target[];
  let manifestKey: string | undefined;
  let chunkCount = 0;
  switch (audience.kind) {
    case 'everyone':
      targets = await currentTargets(ports.profiles);
      break;
    case 'segments': {
      const current = new Map((await ports.profiles.listSegments()).map((s) => [s.segmentId, s]));
      const ids = [...new Set(audience.segmentIds)];
      const unknown = ids.filter((id) => !current.has(id));
      if (unknown.length > 0) {
        throw new ValidationError(
          `audience.segmentIds: no segment ${unknown.join(', ')} in the latest profiling run`,
          { segmentIds: unknown },
        );
      }
      targets = ids.map((id) => targetOf(current.get(id)!));
      break;
    }
    case 'users': {
      const segments = await ports.profiles.listSegments();
      const known = new Set(segments.map((s) => s.segmentId));
      const userIds = [...new Set(audience.userIds)];
      const of = await inGroups(userIds, 25, async (userId) => {
        const profile = await ports.profiles.getProfile(userId);
        return profile && known.has(profile.segmentId) ? profile.segmentId : ALL_SEGMENT;
      });
      const sizes = new Map<string, number>();
      for (const id of of) sizes.set(id, (sizes.get(id) ?? 0) + 1);
      targets = [
        ...segments
          .filter((s) => sizes.has(s.segmentId))
          .map((s) => ({ ...targetOf(s), size: sizes.get(s.segmentId) })),
        ...(sizes.has(ALL_SEGMENT) ? [{ segmentId: ALL_SEGMENT, size: sizes.get(ALL_SEGMENT) }] : []),
      ];
      break;
    }
    case 'userList': {
      const text = await ports.objects.getText(audience.key);
      if (text === undefined) throw new NotFoundError(`no user list at ${audience.key}`);
      const userIds = parseUserList(text, audience.key);
      const chunks: MessageChunk[] = [];
      for (let i = 0; i < userIds.length; i += chunkSize) {
        chunks.push({ campaignId, chunk: chunks.length, userIds: userIds.slice(i, i + chunkSize) });
      }
      manifestKey = manifestKeyOf(campaignId);
      await ports.objects.put(manifestKey, JSON.stringify(chunks), 'application/json');
      chunkCount = chunks.length;
      targets = await currentTargets(ports.profiles);
      break;
    }
  }

  await ports.store.updateCampaign(campaignId, {
    segments: targets.map((t) => ({
      segmentId: t.segmentId,
      ...(t.label ? { label: t.label } : {}),
      ...(t.size !== undefined ? { size: t.size } : {}),
    })),
  });
  return {
    campaignId,
    segments: targets.map((t, i) => ({
      campaignId,
      segmentId: t.segmentId,
      generate: generateBody(spec, t.segmentId, i),
    })),
    ...(manifestKey ? { manifestKey } : {}),
    chunkCount,
  };
}

// ---------------------------------------------------------------------------------------------
// select
// ---------------------------------------------------------------------------------------------

export const clampRate = (rate: number) => Math.min(1 - minRate, Math.max(minRate, rate));

/** The objective's predicted rate per send: P(click), or P(click) × P(conversion | click). */
export function objectiveRate(
  prediction: Pick<Prediction, 'ctr' | 'cvr'>,
  objective: CampaignSpec['objective'],
) {
  return objective === 'click' ? prediction.ctr.p : prediction.ctr.p * prediction.cvr.p;
}

type GeneratedCopy = CampaignGenerateOutput['variants'][number];
type PredictedCopy = CampaignPredictOutput['predictions'][number];

/**
 * A generated variant as an active bandit arm: its copy, the products it is about, its
 * prediction, and a prior from the predicted objective rate with {@link maxPriorStrength}
 * pseudo-observations. The campaign run's selected variants and the re-optimization's
 * challengers are both made here.
 */
export function armOf(
  arm: Pick<Variant, 'campaignId' | 'segmentId' | 'kind' | 'tone' | 'createdAt' | 'parents'>,
  variant: GeneratedCopy,
  prediction: PredictedCopy,
  generated: CampaignGenerateOutput,
  spec: Pick<CampaignSpec, 'objective'>,
): Variant {
  const { alpha, beta } = priorArm(
    variant.variantId,
    clampRate(objectiveRate(prediction, spec.objective)),
    maxPriorStrength,
  );
  return {
    ...arm,
    variantId: variant.variantId,
    status: 'active',
    headline: variant.headline,
    body: variant.body,
    callToAction: variant.callToAction,
    factsUsed: variant.factsUsed,
    products: generated.products.map((p) => ({
      productId: p.productId,
      category: p.category,
      price: p.price,
    })),
    rendered: variant.rendered,
    checks: variant.checks,
    prediction: {
      ctr: prediction.ctr,
      cvr: prediction.cvr,
      uplift: prediction.uplift,
      expectedValue: prediction.expectedValue,
      send: prediction.send,
      source: prediction.source,
      reasons: prediction.reasons,
    },
    prior: { alpha, beta },
    generation: {
      promptVersion: generated.promptVersion,
      ...(generated.backend !== undefined ? { backend: generated.backend } : {}),
      seed: generated.seed,
      ...(generated.fallback !== undefined ? { fallback: generated.fallback } : {}),
    },
  };
}

/**
 * Keep the segment's best `variantsPerSegment` variants by predicted objective and write them
 * as active arms, each with a prior from its prediction ({@link maxPriorStrength}), plus the
 * segment's control arm when the campaign holds one out, with a uniform Beta(1, 1) prior (the
 * control is held out by a hash, never drawn, so its prior does not move traffic). Nothing to
 * keep (every variant refused by the guardrails) is an answer with a reason, not an error: the
 * other segments go on.
 */
export async function selectVariants(
  input: {
    campaignId: string;
    segmentId: string;
    generated: CampaignGenerateOutput;
    predicted: CampaignPredictOutput;
  },
  ports: CampaignRunPorts,
): Promise<SelectResult> {
  const { campaignId, segmentId, generated, predicted } = input;
  const { spec } = await ports.store.getCampaign(campaignId);
  const byId = new Map(predicted.predictions.map((p) => [p.variantId, p]));
  const ranked = generated.variants
    .flatMap((variant) => {
      const prediction = byId.get(variant.variantId);
      return prediction ? [{ variant, prediction, score: objectiveRate(prediction, spec.objective) }] : [];
    })
    .sort((a, b) => b.score - a.score);
  const kept = ranked.slice(0, spec.variantsPerSegment);
  const refused = generated.dropped.length;
  const dropped = generated.variants.length - kept.length;
  if (kept.length === 0) {
    const reason =
      generated.variants.length === 0
        ? `the guardrails refused every variant${
            refused > 0
              ? `: ${generated.dropped
                  .map((d) => d.reason)
                  .slice(0, 3)
                  .join(' | ')}`
              : ''
          }`
        : 'no variant was predicted';
    return { segmentId, kept: 0, dropped, refused, reason: reason.slice(0, 1000) };
  }

  const createdAt = clockOf(ports).toISOString();
  const variants: Variant[] = kept.map(({ variant, prediction }) =>
    armOf(
      { campaignId, segmentId, kind: 'generated', tone: spec.tone, createdAt },
      variant,
      prediction,
      generated,
      spec,
    ),
  );
  if (spec.controlShare > 0) {
    variants.push({
      campaignId,
      segmentId,
      variantId: CONTROL,
      kind: 'control',
      status: 'active',
      headline: '',
      body: '',
      callToAction: '',
      tone: spec.tone,
      factsUsed: [],
      products: [],
      prior: { alpha: 1, beta: 1 },
      createdAt,
    });
  }
  await ports.store.putVariants(variants);
  return { segmentId, kept: kept.length, dropped, refused };
}

// ---------------------------------------------------------------------------------------------
// messages
// ---------------------------------------------------------------------------------------------

/**
 * Whether a user is held out in the campaign's control: the same stable hash of campaign and
 * user as the decision endpoint's (functions/optimize/decision.ts), so a user of a batch
 * campaign is on the same side whichever path decides for them.
 */

/** Active generated (and bred) arms per segment, in variant-id order so draws are reproducible. */
function armsBySegment(variants: readonly Variant[]): Map<string, Variant[]> {
  const bySegment = new Map<string, Variant[]>();
  for (const v of variants) {
    if (v.status !== 'active' || v.kind === 'control') continue;
    bySegment.set(v.segmentId, [...(bySegment.get(v.segmentId) ?? []), v]);
  }
  for (const arms of bySegment.values()) arms.sort((a, b) => a.variantId.localeCompare(b.variantId));
  return bySegment;
}

/**
 * Decide and write the message of every user in one chunk of a batch campaign, as JSON Lines
 * at `campaigns/<id>/messages/<chunk>.jsonl`: `{ userId, segmentId, variantId, send, channel,
 * rendered }`. A user's segment is their profile's when it has variants, else `all`, else the
 * first targeted segment that has. The control is held out by the decision endpoint's stable
 * hash; everyone else gets one Thompson draw over the segment's arms (priors only: no feedback
 * exists before the send), from a source seeded by the campaign and chunk, so a retried chunk
 * writes the same file. Sends are counted per arm (for the control: users held out), one
 * counter update per arm.
 */
export async function writeMessages(
  campaignId: string,
  chunk: MessageChunk,
  ports: CampaignRunPorts,
): Promise<MessagesResult> {
  const { campaign, variants } = await ports.store.getState(campaignId);
  const { spec } = campaign;
  const arms = armsBySegment(variants);
  const withControl = new Set(
    variants.filter((v) => v.kind === 'control' && v.status === 'active').map((v) => v.segmentId),
  );
  const order = [...(campaign.segments ?? []).map((s) => s.segmentId), ...arms.keys()];
  const fallback = arms.has(ALL_SEGMENT) ? ALL_SEGMENT : order.find((id) => arms.has(id));
  const random = mulberry32(hash32(campaignId, 'messages', chunk.chunk));

  const profiled = await inGroups(chunk.userIds, 25, async (userId) => ports.profiles.getProfile(userId));
  const counts = new Map<string, { segmentId: string; variantId: string; n: number }>();
  const tally = (segmentId: string, variantId: string) => {
    const key = `${segmentId}#${variantId}`;
    const entry = counts.get(key) ?? { segmentId, variantId, n: 0 };
    entry.n++;
    counts.set(key, entry);
  };
  let sends = 0;
  let control = 0;
  let unassigned = 0;
  const lines = chunk.userIds.map((userId, i) => {
    const own = profiled[i]?.segmentId;
    const segmentId = own !== undefined && arms.has(own) ? own : fallback;
    const segmentArms = segmentId === undefined ? undefined : arms.get(segmentId);
    if (segmentId === undefined || !segmentArms) {
      unassigned++;
      return { userId, segmentId: null, variantId: null, send: false, channel: spec.channel };
    }
    if (withControl.has(segmentId) && inControl(campaignId, userId, spec.controlShare)) {
      control++;
      tally(segmentId, CONTROL);
      return { userId, segmentId, variantId: CONTROL, send: false, channel: spec.channel };
    }
    const priors: Arm[] = segmentArms.map((v) => ({
      id: v.variantId,
      alpha: v.prior.alpha,
      beta: v.prior.beta,
    }));
    const chosen = segmentArms[choose(priors, random)]!;
    sends++;
    tally(segmentId, chosen.variantId);
    return {
      userId,
      segmentId,
      variantId: chosen.variantId,
      send: true,
      channel: spec.channel,
      ...(chosen.rendered ? { rendered: chosen.rendered } : {}),
    };
  });

  const key = messagesKeyOf(campaignId, chunk.chunk);
  await ports.objects.put(
    key,
    lines.map((line) => JSON.stringify(line)).join('\n') + (lines.length > 0 ? '\n' : ''),
    'application/x-ndjson',
  );
  for (const { segmentId, variantId, n } of counts.values()) {
    await ports.store.count(campaignId, segmentId, variantId, { sends: n });
  }
  return { chunk: chunk.chunk, users: chunk.userIds.length, sends, control, unassigned, key };
}

// ---------------------------------------------------------------------------------------------
// finish and fail
// ---------------------------------------------------------------------------------------------

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Mean and exact 95% interval of a prior, rounded for the snapshot. */
function priorInterval(prior: { alpha: number; beta: number }) {
  const { mean, low, high } = posteriorInterval(prior);
  return { mean: round6(mean), low: round6(low), high: round6(high) };
}

/**
 * The allocation at launch, per segment with arms. The control gets exactly the control share
 * (the messages step and the hash hold it out, it is never drawn); the rest is split evenly
 * (`trafficSplit: even`) or by each arm's probability of being best under its prior
 * ({@link allocation}). Intervals are the priors'; sends and successes are the counters so far.
 */
export function initialSnapshot(
  spec: Pick<CampaignSpec, 'controlShare' | 'trafficSplit' | 'objective'>,
  variants: readonly Variant[],
  counters: ReadonlyArray<{
    segmentId: string;
    variantId: string;
    sends: number;
    clicks: number;
    conversions: number;
  }>,
  at: string,
  random: Uniform,
): AllocationSnapshot {
  const arms = armsBySegment(variants);
  const counted = new Map(counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
  const segments: AllocationSnapshot['segments'] = {};
  for (const [segmentId, segmentArms] of arms) {
    const control = variants.find(
      (v) => v.segmentId === segmentId && v.kind === 'control' && v.status === 'active',
    );
    const share = control ? spec.controlShare : 0;
    const priors = segmentArms.map((v) => ({ id: v.variantId, alpha: v.prior.alpha, beta: v.prior.beta }));
    const shares =
      spec.trafficSplit === 'even'
        ? priors.map(() => 1 / priors.length)
        : Array.from(allocation(priors, allocationDraws, random));
    const row = (v: Variant, s: number) => {
      const c = counted.get(`${segmentId}#${v.variantId}`);
      return {
        variantId: v.variantId,
        share: round6(s),
        ...priorInterval(v.prior),
        sends: c?.sends ?? 0,
        successes: (spec.objective === 'click' ? c?.clicks : c?.conversions) ?? 0,
      };
    };
    segments[segmentId] = [
      ...segmentArms.map((v, i) => row(v, (1 - share) * (shares[i] ?? 0))),
      ...(control ? [row(control, share)] : []),
    ];
  }
  return { at, segments };
}

type SegmentOutcome = z.infer<typeof failedSegmentSchema> | z.infer<typeof selectResultSchema>;

const describeError = (error: string | { Error?: string; Cause?: string }) =>
  typeof error === 'string'
    ? error
    : [error.Error, stepErrorMessage(error.Cause)].filter(Boolean).join(': ') || 'unknown error';

/**
 * Close the run: `active` when at least one segment kept variants (with the initial allocation
 * snapshot written, and for a batch campaign where its messages are), else `failed` saying why
 * each segment came out empty.
 */
export async function finishCampaign(
  campaignId: string,
  results: readonly SegmentOutcome[],
  ports: CampaignRunPorts,
): Promise<FinishResult> {
  const { campaign, variants, counters } = await ports.store.getState(campaignId);
  const { spec } = campaign;
  const kept = results.reduce((sum, r) => sum + ('kept' in r ? r.kept : 0), 0);
  const failed = results.filter((r) => !('kept' in r) || r.kept === 0);
  const failedSegments = failed.map((r) => r.segmentId);
  const base = { campaignId, kept, segments: results.length, failedSegments };
  if (kept === 0) {
    const cause = failed
      .map(
        (r) => `${r.segmentId}: ${'error' in r ? describeError(r.error) : (r.reason ?? 'no variants kept')}`,
      )
      .join('; ');
    await ports.store.updateCampaign(campaignId, {
      status: 'failed',
      error: { error: 'NoVariants', cause: (cause || 'the run targeted no segment').slice(0, 2000) },
    });
    return { ...base, status: 'failed' };
  }
  const at = clockOf(ports).toISOString();
  const random = ports.random ?? mulberry32(hash32(campaignId, 'allocation'));
  await ports.store.putSnapshot(campaignId, initialSnapshot(spec, variants, counters, at, random));
  const messagesPrefix = spec.audience.kind === 'userList' ? messagesPrefixOf(campaignId) : undefined;
  await ports.store.updateCampaign(campaignId, {
    status: 'active',
    ...(messagesPrefix ? { messagesPrefix } : {}),
  });
  return { ...base, status: 'active', ...(messagesPrefix ? { messagesPrefix } : {}) };
}

/**
 * The Catch path: record why the run failed (the error's name, and its message when the Cause
 * is a Lambda error object); the state machine then ends in its Fail state.
 */
export async function failCampaign(
  campaignId: string,
  error: { Error?: string; Cause?: string },
  ports: CampaignRunPorts,
): Promise<{ campaignId: string; status: 'failed'; error: { error: string; cause: string } }> {
  const recorded = { error: error.Error || 'Error', cause: stepErrorMessage(error.Cause).slice(0, 2000) };
  await ports.store.updateCampaign(campaignId, { status: 'failed', error: recorded });
  return { campaignId, status: 'failed', error: recorded };
}
