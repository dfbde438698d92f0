/**
 * Breeding challengers: read the traits of a segment's winning copy (tone, length, angle, call
 * to action) and turn them into a generation request for new variants that keep those traits,
 * so the bandit keeps exploring near what works instead of only exploiting the first batch.
 *
 * What the generator can be told is what `POST /generate` takes: the tone, the products and
 * terms the copy must include. So a challenger inherits the leader's products, goal, channel,
 * language and tone (or, when another tone has done better across the segment's variants, that
 * tone: a crossover of two parents), and the leader's call to action as a required term when it
 * is short enough to fit any copy. Length and angle are recorded with the job, for the report and
 * for reading the results, not forced: forcing a discount angle would invite invented discounts,
 * which the guardrails refuse anyway.
 */
import type { z } from 'zod';
import { hash32 } from '../../../core/hash';
import { type Channel, channelLimits, copyLength, type Language } from '../../../model/contract';
import type { generateBodySchema, Product } from '../../generate/schema';
import { ALL_SEGMENT } from '../../shared/schemas';
import { categoryProduct } from '../arms';
import { armCounts } from '../posterior';
import type { Campaign, Counter, Objective, Variant } from '../records';

export const angles = ['discount', 'question', 'number', 'emoji', 'urgency'] as const;
export type Angle = (typeof angles)[number];
export type LengthBucket = 'short' | 'medium' | 'long';

/** What a piece of copy is like, in the terms a challenger can inherit. */
export interface Traits {
  readonly tone: string;
  /** The body's length against the channel's limit: under 40% short, under 75% medium, else long. */
  readonly length: LengthBucket;
  readonly angles: Angle[];
  readonly callToAction: string;
  /** The call to action as a term the next copy must include, when it is short; else null. */
  readonly ctaTerm: string | null;
}

const discount = /(\d+\s*%|%\s*off|\boff\b|\bsale\b|\bdeal\b|\bsave\b|\d+(\.\d)?\s*折|优惠|立减|满减|特价)/i;
const urgencyEn =
  /\b(today|tonight|hurry|last chance|ends?|ending|limited|soon|don't miss|before it's gone|while)\b/i;
const urgencyZh = /今天|今晚|立即|马上|赶快|限时|最后|即将|抓紧|仅剩|截止/;
const emoji = /\p{Extended_Pictographic}/u;

/** A call to action short enough to require in any copy: two words (English) or six characters (Chinese). */
function ctaTermOf(callToAction: string, language: Language): string | null {
  const cta = callToAction.trim().replace(/[.!！。]+$/u, '');
  if (!cta) return null;
  if (language === 'zh') return [...cta].length <= 6 ? cta : null;
  const words = cta.split(/\s+/);
  return words.length <= 2 && cta.length <= 20 && /^[\p{L}\p{N}' -]+$/u.test(cta) ? cta : null;
}

/** The traits of a variant's copy on its channel and language. */
export function traitsOf(
  copy: Pick<Variant, 'headline' | 'body' | 'callToAction' | 'tone'>,
  channel: Channel,
  language: Language,
): Traits {
  // The call to action is left out of the angles: "Shop now" is not urgency.
  const text = `${copy.headline} ${copy.body}`;
  const share = copyLength(copy.body, 'body', language) / channelLimits[channel].body[language];
  const found: Angle[] = [];
  if (discount.test(text)) found.push('discount');
  if (/[?？]/.test(text)) found.push('question');
  if (/\d/.test(text)) found.push('number');
  if (emoji.test(text)) found.push('emoji');
  if ((language === 'zh' ? urgencyZh : urgencyEn).test(text)) found.push('urgency');
  return {
    tone: copy.tone,
    length: share < 0.4 ? 'short' : share < 0.75 ? 'medium' : 'long',
    angles: found,
    callToAction: copy.callToAction,
    ctaTerm: ctaTermOf(copy.callToAction, language),
  };
}

/** A message arm with its exact counts. */
export interface BreedArm {
  readonly variant: Variant;
  readonly counter: Counter;
}

/** A tone's pooled record over a segment's message variants. */
export interface ToneRecord {
  readonly tone: string;
  readonly trials: number;
  readonly successes: number;
  /** Posterior mean of the objective rate under a Beta(1, 1) prior. */
  readonly mean: number;
  /** The variant with this tone that did best (by posterior mean). */
  readonly best: string;
}

const betaMean = (successes: number, trials: number) => (successes + 1) / (trials + 2);

/** Every tone seen among the arms, pooled, best first. */
export function toneRecords(arms: readonly BreedArm[], objective: Objective): ToneRecord[] {
  const byTone = new Map<string, { trials: number; successes: number; best: string; bestMean: number }>();
  for (const { variant, counter } of arms) {
    if (variant.kind === 'control') continue;
    const tone = variant.tone.trim().toLowerCase();
    const { successes, trials } = armCounts(counter, objective);
    const s = Math.min(successes, trials);
    const mean = betaMean(s, trials);
    const entry = byTone.get(tone) ?? { trials: 0, successes: 0, best: variant.variantId, bestMean: -1 };
    entry.trials += trials;
    entry.successes += s;
    if (mean > entry.bestMean) {
      entry.best = variant.variantId;
      entry.bestMean = mean;
    }
    byTone.set(tone, entry);
  }
  return [...byTone.entries()]
    .map(([tone, e]) => ({
      tone,
      trials: e.trials,
      successes: e.successes,
      mean: betaMean(e.successes, e.trials),
      best: e.best,
    }))
    .sort((a, b) => b.mean - a.mean || a.tone.localeCompare(b.tone));
}

/**
 * What a generation request for this campaign names as products, as the campaign run names
 * them: the campaign's product ids; for a category campaign its stand-in product; else the
 * variant's own products by id. Undefined when there are none.
 */
export function briefProducts(
  spec: Campaign['spec'],
  variant: Pick<Variant, 'products'>,
): { productIds: string[] } | { products: Product[] } | undefined {
  if (spec.productIds && spec.productIds.length > 0) return { productIds: [...new Set(spec.productIds)] };
  if (spec.category) return { products: [categoryProduct(spec.category, spec.language)] };
  const ids = [...new Set(variant.products.map((p) => p.productId))].slice(0, 20);
  return ids.length > 0 ? { productIds: ids } : undefined;
}

/** A generation request body (`POST /generate`), as the campaign run's generate task takes it. */
export type GenerateBody = z.input<typeof generateBodySchema>;

/** One challenger job: generate, predict and enter new variants for one segment. */
export interface ChallengerJob {
  readonly runId: string;
  readonly campaignId: string;
  readonly segmentId: string;
  readonly generate: GenerateBody;
  /** The variants whose traits were inherited: the leader first. */
  readonly parents: string[];
  /** The leader's traits (the tone the challenger was given is `generate.tone`). */
  readonly traits: Traits;
}

export interface BreedOptions {
  /** Trials the leader needs before it is bred from. */
  readonly minLeaderTrials: number;
  /** Pooled trials another tone needs before it may replace the leader's. */
  readonly minToneTrials: number;
  /** Most active arms per segment, the control included. */
  readonly maxActiveArms: number;
  /** Variants asked for per challenger job (fewer when the segment is near `maxActiveArms`). */
  readonly variantsPerJob: number;
}

export const defaultBreedOptions: BreedOptions = {
  minLeaderTrials: 100,
  minToneTrials: 200,
  maxActiveArms: 6,
  variantsPerJob: 1,
};

/** The seed of a challenger's generation: the same run, campaign and segment give the same copy. */
export const challengerSeed = (runId: string, campaignId: string, segmentId: string) =>
  hash32('challenger', runId, campaignId, segmentId);

/**
 * The challenger job for a segment bred from its leader, or why there is none: the leader has
 * too little evidence, the segment has no room for another arm, or there are no products to
 * write about. `arms` are the segment's message variants (stopped ones too: their evidence
 * counts toward the best tone); `activeArms` counts the active ones, the control included.
 */
export function buildChallengerJob(args: {
  runId: string;
  campaign: Campaign;
  segmentId: string;
  leader: BreedArm;
  arms: readonly BreedArm[];
  activeArms: number;
  options?: Partial<BreedOptions>;
}): { job: ChallengerJob } | { skipped: string } {
  const options = { ...defaultBreedOptions, ...args.options };
  const { campaign, leader, segmentId } = args;
  const spec = campaign.spec;
  const { trials } = armCounts(leader.counter, spec.objective);
  if (trials < options.minLeaderTrials) {
    return {
      skipped: `leader ${leader.variant.variantId} has ${trials} trials; ${options.minLeaderTrials} needed`,
    };
  }
  const room = options.maxActiveArms - args.activeArms;
  if (room <= 0) {
    return {
      skipped: `segment has ${args.activeArms} active arms, the most allowed is ${options.maxActiveArms}`,
    };
  }
  const products = briefProducts(spec, leader.variant);
  if (!products) return { skipped: `leader ${leader.variant.variantId} names no products` };

  const traits = traitsOf(leader.variant, spec.channel, spec.language);
  const parents = [leader.variant.variantId];
  let tone = leader.variant.tone;
  const leaderTone = tone.trim().toLowerCase();
  const [bestTone] = toneRecords(args.arms, spec.objective).filter((t) => t.trials >= options.minToneTrials);
  if (bestTone && bestTone.tone !== leaderTone) {
    const leaderPooled = toneRecords(
      args.arms.filter((a) => a.variant.tone.trim().toLowerCase() === leaderTone),
      spec.objective,
    )[0];
    if (!leaderPooled || bestTone.mean > leaderPooled.mean) {
      tone = args.arms.find((a) => a.variant.variantId === bestTone.best)?.variant.tone ?? tone;
      parents.push(bestTone.best);
    }
  }

  const mustInclude = [...new Set([...spec.mustInclude, ...(traits.ctaTerm ? [traits.ctaTerm] : [])])].slice(
    0,
    10,
  );
  const generate: GenerateBody = {
    ...(segmentId !== ALL_SEGMENT ? { segmentId } : {}),
    ...products,
    goal: spec.goal,
    channel: spec.channel,
    language: spec.language,
    tone,
    variants: Math.min(options.variantsPerJob, room),
    mustInclude,
    mustAvoid: spec.mustAvoid,
    bannedWords: spec.bannedWords,
    ...(spec.ctaUrl ? { ctaUrl: spec.ctaUrl } : {}),
    allowFallback: spec.allowFallback,
    seed: challengerSeed(args.runId, campaign.campaignId, segmentId),
  };
  return {
    job: {
      runId: args.runId,
      campaignId: campaign.campaignId,
      segmentId,
      generate,
      parents,
      traits,
    },
  };
}
