import * as z from 'zod';

/** An id as text; numeric ids (common in exports) are read as their decimal text. */
export const idSchema = z.union([z.string().trim().min(1).max(256), z.number().int().transform(String)]);

/** A catalog product, as `POST /products` stores it and as a generation request may give it inline. */
export const productSchema = z.object({
  productId: idSchema,
  title: z.string().trim().min(1).max(1000),
  category: z.string().trim().min(1).max(256),
  price: z.number().finite().min(0),
  brand: z.string().trim().min(1).max(256).optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  description: z.string().max(20_000).optional(),
});
export type Product = z.infer<typeof productSchema>;

/** The pseudo-segment of a campaign's users who have no (targeted) segment of their own. */
export const ALL_SEGMENT = 'all';
