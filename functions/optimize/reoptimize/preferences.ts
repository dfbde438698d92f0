/**
 * Preference pairs for fine-tuning the generator (DPO: Rafailov et al., "Direct Preference
 * Optimization", 2023): for the same segment, goal and channel, copy that beat other copy in
 * the field, with the evidence.
 *
 * A pair is two message variants of one campaign × segment, both with at least `minSends`
 * sends, written with the same tone for the same products (so one brief produced both), where
 * P(chosen's rate > rejected's rate) ≥ `minProbability` on the campaign's objective, each rate
 * with a Beta(1, 1) prior updated with its counts (exact, by Evan Miller's closed form; the
 * normal approximation only where that is not feasible, above a million successes). The
 * probability is a posterior one: it only firms up as counts grow, so exporting at every
 * re-optimization does not inflate it the way repeated significance tests would.
 *
 * Each pair is one JSON line in TRL's conversational preference format: `prompt` is the chat
 * the generator gets for that brief (rebuilt with the generate function's own prompt builder,
 * asking for one variant), `chosen` and `rejected` are the assistant's answer in the model
 * contract's JSON (`{"variants":[{headline, body, callToAction, factsUsed}]}`), and `evidence`
 * says where the preference comes from.
 */

import { NotFoundError } from '../../../core/errors';
import { type ChatMessage, type CopyOutput, copyOutputSchema, type Language } from '../../../model/contract';
import type { CatalogPort } from '../../generate/core';
import { toBrief } from '../../generate/core';
import { buildChatRequest } from '../../generate/prompt';
import { generateBodySchema, type Product } from '../../generate/schema';
import { resolveTarget } from '../../generate/target';
import type { ProfileStore } from '../../profile/store';
import type { ObjectStore } from '../../shared/ports';
import { probabilityGreater } from '../kernels/abtest';
import { armCounts } from '../posterior';
import {
  type Campaign,
  type CampaignState,
  CONTROL,
  emptyCounter,
  type Objective,
  type Variant,
} from '../records';
import type { CampaignStore } from '../store';
import { briefProducts } from './challengers';

export interface PreferenceOptions {
  /** Sends each side of a pair needs. */
  readonly minSends: number;
  /** P(chosen beats rejected) a pair needs. */
  readonly minProbability: number;
  /** Campaigns read (newest first). */
  readonly maxCampaigns: number;
}

export const defaultPreferenceOptions: PreferenceOptions = {
  minSends: 200,
  minProbability: 0.9,
  maxCampaigns: 200,
};

/** One side of a pair with its evidence. */
export interface PairSide {
  readonly variant: Variant;
  readonly sends: number;
  readonly successes: number;
  /** Posterior mean of the rate under a Beta(1, 1) prior. */
  readonly mean: number;
}

export interface PreferencePair {
  readonly segmentId: string;
  readonly chosen: PairSide;
  readonly rejected: PairSide;
  /** P(chosen's rate > rejected's rate). */
  readonly probability: number;
}

const round = (x: number, d = 6) => Math.round(x * 10 ** d) / 10 ** d;

/** P(X > Y) for Beta posteriors: exact where feasible, else the normal approximation. */
function probabilityAbove(x: { alpha: number; beta: number }, y: { alpha: number; beta: number }): number {
  const exact = probabilityGreater(x, y);
  if (exact !== null) return exact;
  const moments = (b: { alpha: number; beta: number }) => {
    const n = b.alpha + b.beta;
    return { mean: b.alpha / n, variance: (b.alpha * b.beta) / (n * n * (n + 1)) };
  };
  const mx = moments(x);
  const my = moments(y);
  const z = (mx.mean - my.mean) / Math.sqrt(mx.variance + my.variance);
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886638 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

const sameBrief = (a: Variant, b: Variant) =>
  a.tone.trim().toLowerCase() === b.tone.trim().toLowerCase() && productKey(a) === productKey(b);
const productKey = (v: Variant) => [...new Set(v.products.map((p) => p.productId))].sort().join('\u0000');
const sameCopy = (a: Variant, b: Variant) =>
  a.headline === b.headline && a.body === b.body && a.callToAction === b.callToAction;

/**
 * The significant pairs of a campaign, per segment (method in the module doc). Stopped
 * variants count: their evidence is what made them stop.
 */
export function findPairs(state: CampaignState, options: Partial<PreferenceOptions> = {}): PreferencePair[] {
  const { minSends, minProbability } = { ...defaultPreferenceOptions, ...options };
  const objective: Objective = state.campaign.spec.objective;
  const counters = new Map(state.counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
  const sides: PairSide[] = state.variants
    .filter((v) => v.kind !== 'control' && v.variantId !== CONTROL)
    .map((variant) => {
      const counter =
        counters.get(`${variant.segmentId}#${variant.variantId}`) ??
        emptyCounter(variant.segmentId, variant.variantId);
      const { successes, trials } = armCounts(counter, objective);
      const s = Math.min(successes, trials);
      return { variant, sends: trials, successes: s, mean: round((s + 1) / (trials + 2)) };
    })
    .filter((side) => side.sends >= minSends);
  const pairs: PreferencePair[] = [];
  for (const a of sides) {
    for (const b of sides) {
      if (a === b || a.variant.segmentId !== b.variant.segmentId) continue;
      if (!sameBrief(a.variant, b.variant) || sameCopy(a.variant, b.variant)) continue;
      const probability = probabilityAbove(
        { alpha: 1 + a.successes, beta: 1 + a.sends - a.successes },
        { alpha: 1 + b.successes, beta: 1 + b.sends - b.successes },
      );
      if (probability >= minProbability) {
        pairs.push({
          segmentId: a.variant.segmentId,
          chosen: a,
          rejected: b,
          probability: round(probability),
        });
      }
    }
  }
  return pairs.sort(
    (x, y) =>
      x.segmentId.localeCompare(y.segmentId) ||
      y.probability - x.probability ||
      x.chosen.variant.variantId.localeCompare(y.chosen.variant.variantId),
  );
}

/** A variant's copy as the generator's answer: the model contract's JSON with that one variant. */
export function assistantAnswer(variant: Variant): string {
  const output: CopyOutput = copyOutputSchema.parse({
    variants: [
      {
        headline: variant.headline,
        body: variant.body,
        callToAction: variant.callToAction,
        factsUsed: [...variant.factsUsed],
      },
    ],
  });
  return JSON.stringify(output);
}

/** One line of the export (TRL's conversational preference format, with the evidence). */
export interface PreferenceLine {
  readonly prompt: ChatMessage[];
  readonly chosen: ChatMessage[];
  readonly rejected: ChatMessage[];
  readonly evidence: {
    readonly campaignId: string;
    readonly segmentId: string;
    readonly goal: string;
    readonly channel: string;
    readonly language: Language;
    readonly tone: string;
    readonly objective: Objective;
    readonly chosen: { variantId: string; sends: number; successes: number; mean: number };
    readonly rejected: { variantId: string; sends: number; successes: number; mean: number };
    readonly probability: number;
    readonly method: string;
  };
}

export const pairMethod =
  'P(chosen rate > rejected rate) under Beta(1, 1) priors updated with successes and sends (exact, Evan Miller)';

/**
 * The chat messages the generator gets for this campaign's brief to a segment, asking for one
 * variant: the campaign's goal, channel, language and terms, the pair's tone and products, and
 * the segment's persona as the generate function resolves it (the campaign's label for it when
 * the segment is no longer in the latest profiling run).
 */
export async function promptFor(
  campaign: Campaign,
  segmentId: string,
  tone: string,
  products: readonly Product[],
  profiles: ProfileStore,
): Promise<ChatMessage[]> {
  const spec = campaign.spec;
  const input = generateBodySchema.parse({
    products,
    goal: spec.goal,
    channel: spec.channel,
    language: spec.language,
    tone,
    variants: 1,
    mustInclude: spec.mustInclude,
    mustAvoid: spec.mustAvoid,
    bannedWords: spec.bannedWords,
  });
  let resolved = input;
  try {
    resolved = await resolveTarget(
      { ...input, segmentId },
      {
        profile: (userId) => profiles.getProfile(userId),
        segment: (id) => profiles.getSegment(id),
      },
    );
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const label = campaign.segments?.find((s) => s.segmentId === segmentId)?.label?.[spec.language];
    if (label) resolved = { ...input, persona: { label, interests: [] } };
  }
  return buildChatRequest(toBrief(resolved, products), 0).messages;
}

export interface ExportPorts {
  readonly store: CampaignStore;
  readonly objects: ObjectStore;
  readonly profiles: ProfileStore;
  readonly catalog: CatalogPort;
}

export interface ExportResult {
  readonly runId: string;
  /** Lines written. */
  readonly pairs: number;
  /** The object written, or null when there was no pair. */
  readonly key: string | null;
  readonly campaigns: number;
  /** Pairs left out because a product they name is not in the catalog (any more). */
  readonly skipped: number;
}

export const preferencesKey = (runId: string) => `preferences/${runId}.jsonl`;

/**
 * Export the preference pairs of every campaign (newest `maxCampaigns`) to
 * `preferences/<runId>.jsonl`, one JSON line per pair; no object when there is no pair.
 */
export async function exportPreferences(
  runId: string,
  ports: ExportPorts,
  options: Partial<PreferenceOptions> = {},
): Promise<ExportResult> {
  const { maxCampaigns } = { ...defaultPreferenceOptions, ...options };
  const campaigns = (await ports.store.listCampaigns(maxCampaigns)).filter(
    (c) => c.status !== 'creating' && c.status !== 'failed',
  );
  const lines: string[] = [];
  let skipped = 0;
  for (const campaign of campaigns) {
    const state = await ports.store.getState(campaign.campaignId);
    const pairs = findPairs(state, options);
    if (pairs.length === 0) continue;
    const spec = state.campaign.spec;
    const ids = [
      ...new Set(
        pairs.flatMap((p) => {
          const named = briefProducts(spec, p.chosen.variant);
          return named && 'productIds' in named ? named.productIds : [];
        }),
      ),
    ];
    const known = new Map(
      (ids.length > 0 ? await ports.catalog.getProducts(ids) : []).map((p) => [p.productId, p]),
    );
    const prompts = new Map<string, ChatMessage[]>();
    for (const pair of pairs) {
      const { chosen, rejected } = pair;
      const named = briefProducts(spec, chosen.variant);
      const products = !named
        ? []
        : 'products' in named
          ? named.products
          : named.productIds.map((id) => known.get(id));
      if (products.length === 0 || products.some((p) => p === undefined)) {
        skipped += 1;
        continue;
      }
      const tone = chosen.variant.tone;
      const key = `${pair.segmentId}\u0000${tone}\u0000${productKey(chosen.variant)}`;
      let prompt = prompts.get(key);
      if (!prompt) {
        prompt = await promptFor(state.campaign, pair.segmentId, tone, products as Product[], ports.profiles);
        prompts.set(key, prompt);
      }
      const side = (s: PairSide) => ({
        variantId: s.variant.variantId,
        sends: s.sends,
        successes: s.successes,
        mean: s.mean,
      });
      const line: PreferenceLine = {
        prompt,
        chosen: [{ role: 'assistant', content: assistantAnswer(chosen.variant) }],
        rejected: [{ role: 'assistant', content: assistantAnswer(rejected.variant) }],
        evidence: {
          campaignId: campaign.campaignId,
          segmentId: pair.segmentId,
          goal: state.campaign.spec.goal,
          channel: state.campaign.spec.channel,
          language: state.campaign.spec.language,
          tone,
          objective: state.campaign.spec.objective,
          chosen: side(chosen),
          rejected: side(rejected),
          probability: pair.probability,
          method: pairMethod,
        },
      };
      lines.push(JSON.stringify(line));
    }
  }
  if (lines.length === 0) return { runId, pairs: 0, key: null, campaigns: campaigns.length, skipped };
  const key = preferencesKey(runId);
  await ports.objects.put(key, `${lines.join('\n')}\n`, 'application/x-ndjson');
  return { runId, pairs: lines.length, key, campaigns: campaigns.length, skipped };
}
