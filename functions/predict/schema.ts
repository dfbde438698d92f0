import * as z from 'zod';
import { channels, goals, languages } from '../../model/contract';
import { idSchema } from '../shared/schemas';

export const maxVariantsPerRequest = 100;

const variantSchema = z.object({
  variantId: z.string().trim().min(1).max(128).optional(),
  headline: z.string().trim().min(1).max(500),
  body: z.string().max(5000).default(''),
  callToAction: z.string().max(200).default(''),
  goal: z.enum(goals),
  channel: z.enum(channels),
  language: z.enum(languages),
  tone: z.string().trim().min(1).max(64).default('friendly'),
  products: z
    .array(
      z.object({
        productId: idSchema,
        category: z.string().trim().min(1).max(256).optional(),
        price: z.number().min(0).optional(),
      }),
    )
    .max(20)
    .default([]),
});
export type VariantInput = z.infer<typeof variantSchema>;

/** `POST /predict`: variants for one user (by id) or one segment, in an optional send context. */
export const predictBodySchema = z
  .object({
    userId: idSchema.optional(),
    segmentId: z.string().trim().min(1).max(128).optional(),
    variants: z.array(variantSchema).min(1).max(maxVariantsPerRequest),
    context: z
      .object({
        hour: z.number().int().min(0).max(23).optional(),
        weekday: z.number().int().min(0).max(6).optional(),
      })
      .default({}),
  })
  .refine((b) => b.userId !== undefined || b.segmentId !== undefined, {
    message: 'give a userId or a segmentId',
    path: ['userId'],
  });
export type PredictInput = z.infer<typeof predictBodySchema>;
