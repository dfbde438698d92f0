/**
 * Retraining the predictor from campaign feedback: the click, conversion and uplift models on
 * the campaigns' counters expanded into labelled examples, each promoted only when it beats the
 * serving version on held-out examples (training.ts). The re-optimization's retrain state
 * calls {@link retrainOnCampaigns}.
 */

import { NotFoundError } from '../../core/errors';
import { hash32 } from '../../core/hash';
import { mulberry32 } from '../../core/random';
import { type Campaign, type CampaignState, CONTROL, type Variant } from '../optimize/records';
import type { CampaignStore } from '../optimize/store';
import type { ProfileStore } from '../profile/store';
import { ALL_SEGMENT } from '../shared/schemas';
import { audienceOf } from './audience';
import type { Audience } from './features';
import type { ModelRegistry } from './registry';
import type { VariantInput } from './schema';
import {
  defaultTraining,
  type TrainingExample,
  type TrainingOptions,
  trainAndMaybePromote,
} from './training';

export interface RetrainPorts {
  /** Campaigns and their counters (the optimize campaign store). */
  readonly campaigns: Pick<CampaignStore, 'listCampaigns' | 'getState'>;
  readonly profiles: ProfileStore;
  readonly registry: ModelRegistry;
}

export interface RetrainOptions {
  /** Campaigns read (newest first; the store lists at most 200). */
  readonly maxCampaigns: number;
  /** Most expanded examples one model trains on; larger data is sampled as whole counts. */
  readonly maxExamples: number;
  /** Fewer examples than this and a model is not retrained. */
  readonly minExamples: number;
  /** Fewer positives (or negatives) than this and a model is not retrained. */
  readonly minPositives: number;
  readonly training: TrainingOptions;
}

export const defaultRetrainOptions: RetrainOptions = {
  maxCampaigns: 200,
  maxExamples: 200_000,
  minExamples: 500,
  minPositives: 10,
  training: defaultTraining,
};

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

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
export async function retrainOnCampaigns(
  runId: string,
  ports: RetrainPorts,
  options: RetrainOptions = defaultRetrainOptions,
): Promise<RetrainResult> {
  const campaigns = (await ports.campaigns.listCampaigns(options.maxCampaigns)).filter(
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
    const state = await ports.campaigns.getState(campaign.campaignId);
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
