import * as z from 'zod';
import {
  channels,
  copyExampleSchema,
  goals,
  languages,
  maxExamples,
  maxVariants,
} from '../../model/contract';
import { idSchema, type Product, productSchema } from '../shared/schemas';
import { defaultSmsMaxSegments } from './guardrails';

/** Most products one request may feature: each becomes part of the prompt. */
export const maxProductsPerRequest = 20;

const id = idSchema;

export { type Product, productSchema };

const term = z.string().trim().min(1).max(100);

/** A sampling seed: fixes the model's sampling, for reproducible copy. */
export const seedSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);

/** A link for the call to action: http or https only, so no `javascript:` URL reaches a render. */
export const ctaUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2000);

export const personaSchema = z.object({
  label: z.string().trim().min(1).max(200),
  interests: z.array(z.string().trim().min(1).max(100)).max(20).default([]),
});

/** `POST /generate`: products inline, or by id from the catalog, or both. */
export const generateBodySchema = z
  .object({
    /** Aim the copy at a user (persona and, when no products are named, products from their profile)… */
    userId: id.optional(),
    /** …or at a segment (its persona). */
    segmentId: z.string().trim().min(1).max(128).optional(),
    products: z.array(productSchema).min(1).max(maxProductsPerRequest).optional(),
    productIds: z.array(id).min(1).max(maxProductsPerRequest).optional(),
    goal: z.enum(goals),
    channel: z.enum(channels),
    language: z.enum(languages),
    tone: z.string().trim().min(1).max(64).default('friendly'),
    variants: z.number().int().min(1).max(maxVariants).default(3),
    persona: personaSchema.optional(),
    /** Terms every variant must contain (a campaign code, a brand line). */
    mustInclude: z.array(term).max(10).default([]),
    /** Terms no variant may contain (the campaign's own exclusions). */
    mustAvoid: z.array(term).max(50).default([]),
    /** The brand's banned words, refused on top of the default unsupported-claims list. */
    bannedWords: z.array(term).max(200).default([]),
    /** Most segments an SMS variant may take (GSM-7: 160 / 153 characters each; UCS-2: 70 / 67). */
    smsMaxSegments: z.number().int().min(1).max(10).default(defaultSmsMaxSegments),
    /** Where the call to action leads in rendered email and social copy. */
    ctaUrl: ctaUrlSchema.optional(),
    /** When the endpoint fails (after its retries), answer with the embedded generator instead, flagged. */
    allowFallback: z.boolean().default(false),
    /** Fixes the model's sampling, for reproducible copy. */
    seed: seedSchema.optional(),
    /**
     * Copy that won with this audience for the same goal, channel and language, best first, each
     * optionally with the copy it beat (the optimizer's winners and preference pairs): the model
     * sees them as examples, within a token budget (prompt.ts).
     */
    examples: z.array(copyExampleSchema).max(maxExamples).optional(),
  })
  .superRefine((body, ctx) => {
    const count = (body.products?.length ?? 0) + new Set(body.productIds ?? []).size;
    if (count === 0 && body.userId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['products'],
        message: 'give products, productIds, or both (or a userId)',
      });
    } else if (count > maxProductsPerRequest) {
      ctx.addIssue({
        code: 'custom',
        path: ['products'],
        message: `at most ${maxProductsPerRequest} products per request, inline and by id together`,
      });
    }
  });
export type GenerateInput = z.infer<typeof generateBodySchema>;
