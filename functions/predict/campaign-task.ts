/**
 * The campaign run's PredictVariants task: score one segment's generated variants, so the
 * select step can keep the best and seed the bandit's priors from the scores.
 */
import * as z from 'zod';
import { channels, goals, languages } from '../../model/contract';
import { campaignGenerateOutputSchema } from '../generate/campaign-task';
import { ALL_SEGMENT } from '../shared/schemas';
import { parseWith } from '../shared/validation';
import { type Prediction, type PredictPorts, predict } from './core';
import type { PredictInput, VariantInput } from './schema';

export const campaignPredictInputSchema = z.object({
  segmentId: z.string().min(1),
  goal: z.enum(goals),
  channel: z.enum(channels),
  language: z.enum(languages),
  tone: z.string().trim().min(1).max(64).default('friendly'),
  generated: campaignGenerateOutputSchema,
});

const estimateSchema = z.object({ p: z.number(), low: z.number(), high: z.number() });
export const predictionSchema = z.object({
  variantId: z.string().min(1),
  ctr: estimateSchema,
  cvr: estimateSchema,
  expectedValue: z.number(),
  uplift: estimateSchema,
  send: z.boolean(),
  source: z.object({ ctr: z.string(), cvr: z.string(), uplift: z.string() }),
  reasons: z.array(z.object({ feature: z.string(), effect: z.number(), text: z.string() })),
});

/** What PredictVariants hands on; the select step parses it again. */
export const campaignPredictOutputSchema = z.object({
  segmentId: z.string().min(1),
  predictions: z.array(predictionSchema),
});
export interface CampaignPredictOutput {
  readonly segmentId: string;
  readonly predictions: Prediction[];
}

/**
 * Predict each generated variant for the segment. The `all` pseudo-segment is scored as an
 * audience without a segment (the predictor's `unknown` audience, its average tier); a segment
 * the latest profiling run lacks is a NotFoundError from the audience port. No variants (all
 * refused by the guardrails) is no predictions, without reading the models.
 */
export async function predictForSegment(input: unknown, ports: PredictPorts): Promise<CampaignPredictOutput> {
  const task = parseWith(campaignPredictInputSchema, input, 'predict');
  if (task.generated.variants.length === 0) return { segmentId: task.segmentId, predictions: [] };
  // A price of 0 marks a category campaign's stand-in product (no price to quote): left out,
  // so the expected value falls back to the audience's average order value.
  const products = task.generated.products.map((p) => ({
    productId: p.productId,
    category: p.category,
    ...(p.price > 0 ? { price: p.price } : {}),
  }));
  const variants: VariantInput[] = task.generated.variants.map((v) => ({
    variantId: v.variantId,
    headline: v.headline,
    body: v.body,
    callToAction: v.callToAction,
    goal: task.goal,
    channel: task.channel,
    language: task.language,
    tone: task.tone,
    products,
  }));
  const request: PredictInput = {
    ...(task.segmentId !== ALL_SEGMENT ? { segmentId: task.segmentId } : {}),
    variants,
    context: {},
  };
  const { predictions } = await predict(request, ports);
  return { segmentId: task.segmentId, predictions };
}
