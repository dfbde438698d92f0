/**
 * The campaign run's GenerateVariants task: one segment's copy, from the `POST /generate` body
 * that the plan step wrote for it, answered in a compact shape that travels through Step
 * Functions (payloads are capped at 256 KB) to the predict and select steps.
 */
import * as z from 'zod';
import { ALL_SEGMENT } from '../shared/schemas';
import { parseWith } from '../shared/validation';
import { type GeneratePorts, generateCopy } from './core';
import { guardrailRules } from './guardrails';
import { generateBodySchema } from './schema';

const checkSchema = z.object({
  rule: z.enum(guardrailRules),
  passed: z.boolean(),
  reason: z.string().optional(),
});

const renderedSchema = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('push'), title: z.string(), body: z.string() }),
  z.object({
    channel: z.literal('sms'),
    text: z.string(),
    encoding: z.enum(['GSM-7', 'UCS-2']),
    units: z.number(),
    segments: z.number(),
  }),
  z.object({ channel: z.literal('email'), subject: z.string(), html: z.string(), text: z.string() }),
  z.object({ channel: z.literal('banner'), headline: z.string(), callToAction: z.string() }),
  z.object({ channel: z.literal('social'), markdown: z.string() }),
]);

/**
 * What GenerateVariants hands on. The select step parses it again: another state's output is
 * input.
 */
export const campaignGenerateOutputSchema = z.object({
  /** The segment the copy is for; `all` when the run has no segments. */
  segmentId: z.string().min(1),
  promptVersion: z.string().min(1),
  backend: z.string().optional(),
  seed: z.number().int().min(0),
  /** Why the embedded generator answered instead of the endpoint, when it did. */
  fallback: z.string().optional(),
  variants: z.array(
    z.object({
      variantId: z.string().min(1),
      headline: z.string(),
      body: z.string(),
      callToAction: z.string(),
      factsUsed: z.array(z.string()),
      rendered: renderedSchema,
      checks: z.array(checkSchema),
    }),
  ),
  dropped: z.array(z.object({ headline: z.string(), reason: z.string() })),
  /** The products the copy is about (the predictor scores their category and price). */
  products: z.array(z.object({ productId: z.string(), category: z.string(), price: z.number() })),
});
export type CampaignGenerateOutput = z.infer<typeof campaignGenerateOutputSchema>;

/**
 * Generate one segment's variants: `input` is a `POST /generate` body (`segmentId` absent for
 * the `all` pseudo-segment). Errors are generateCopy's (NotFoundError for an unknown segment or
 * product, ModelOutputError, UpstreamError), thrown by name for the state machine's Retry/Catch.
 */
export async function generateForSegment(
  input: unknown,
  ports: GeneratePorts,
): Promise<CampaignGenerateOutput> {
  const request = parseWith(generateBodySchema, input, 'generate');
  const result = await generateCopy(request, ports);
  return {
    segmentId: request.segmentId ?? ALL_SEGMENT,
    promptVersion: result.promptVersion,
    ...(result.backend !== undefined ? { backend: result.backend } : {}),
    seed: result.seed,
    ...(result.fallback ? { fallback: result.fallback.reason } : {}),
    variants: result.variants.map((v) => ({
      variantId: v.variantId,
      headline: v.headline,
      body: v.body,
      callToAction: v.callToAction,
      factsUsed: [...v.factsUsed],
      rendered: v.rendered,
      checks: v.checks.map((c) => ({
        rule: c.rule,
        passed: c.passed,
        ...(c.reason ? { reason: c.reason } : {}),
      })),
    })),
    dropped: result.dropped.map((d) => ({ headline: d.headline, reason: d.reason })),
    products: result.products.map((p) => ({ productId: p.productId, category: p.category, price: p.price })),
  };
}
