import * as z from 'zod';

/** An id as text; numeric ids (common in exports) are read as their decimal text. */
export const idSchema = z.union([z.string().trim().min(1).max(256), z.number().int().transform(String)]);

/** The ISO 4217 codes this runtime knows (Intl's list: every active code). */
const isoCurrencies = new Set(Intl.supportedValuesOf('currency'));

/** A currency as an ISO 4217 code ("cny" reads CNY); anything else is refused by name. */
export const currencySchema = z
  .string()
  .trim()
  .transform((code) => code.toUpperCase())
  .refine((code) => isoCurrencies.has(code), {
    error: (issue) =>
      `"${String(issue.input)}" is not an ISO 4217 currency code (for example CNY, GBP, INR, USD)`,
  });

/** The currency of products that name none, unless the TAILOR_DEFAULT_CURRENCY setting says otherwise. */
export const fallbackCurrency = 'USD';

/** A catalog product, as `POST /products` stores it and as a generation request may give it inline. */
export const productSchema = z.object({
  productId: idSchema,
  title: z.string().trim().min(1).max(1000),
  category: z.string().trim().min(1).max(256),
  price: z.number().finite().min(0),
  /** ISO 4217 code of `price`; when absent, the upload's mapping or the default setting gives it. */
  currency: currencySchema.optional(),
  brand: z.string().trim().min(1).max(256).optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  description: z.string().max(20_000).optional(),
});
export type Product = z.infer<typeof productSchema>;

/** The pseudo-segment of a campaign's users who have no (targeted) segment of their own. */
export const ALL_SEGMENT = 'all';
