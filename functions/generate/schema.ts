import { z } from 'zod';
import { channels, goals, languages, maxVariants } from '../../model/contract';
import { idSchema, type Product, productSchema } from '../shared/schemas';

/** Most products one request may feature: each becomes part of the prompt. */
export const maxProductsPerRequest = 20;

const id = idSchema;

export { type Product, productSchema };

export const personaSchema = z.object({
  label: z.string().trim().min(1).max(200),
  interests: z.array(z.string().trim().min(1).max(100)).max(20).default([]),
});

/** `POST /generate`: products inline, or by id from the catalog, or both. */
export const generateBodySchema = z
  .object({
    products: z.array(productSchema).min(1).max(maxProductsPerRequest).optional(),
    productIds: z.array(id).min(1).max(maxProductsPerRequest).optional(),
    goal: z.enum(goals),
    channel: z.enum(channels),
    language: z.enum(languages),
    tone: z.string().trim().min(1).max(64).default('friendly'),
    variants: z.number().int().min(1).max(maxVariants).default(3),
    persona: personaSchema.optional(),
    /** Fixes the model's sampling, for reproducible copy. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
  })
  .superRefine((body, ctx) => {
    const count = (body.products?.length ?? 0) + new Set(body.productIds ?? []).size;
    if (count === 0) {
      ctx.addIssue({ code: 'custom', path: ['products'], message: 'give products, productIds, or both' });
    } else if (count > maxProductsPerRequest) {
      ctx.addIssue({
        code: 'custom',
        path: ['products'],
        message: `at most ${maxProductsPerRequest} products per request, inline and by id together`,
      });
    }
  });
export type GenerateInput = z.infer<typeof generateBodySchema>;
