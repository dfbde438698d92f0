import { z } from 'zod';
import { idSchema, type Product, productSchema } from '../shared/schemas';
import { mappingSpecSchema } from './mappings';
import { maxRecommendations } from './recommendations';

/** Behaviour event types Tailor understands; importers map their source's names onto these. */
export const eventTypes = ['view', 'cart', 'favorite', 'purchase', 'refund', 'rating', 'search'] as const;

const epochMsMin = Date.UTC(1990, 0, 1);
const epochMsMax = Date.UTC(2100, 0, 1);

/**
 * A timestamp as ISO 8601 text or epoch milliseconds, normalized to ISO 8601 UTC. Dates before
 * 1990 or after 2100 are rejected as impossible (a seconds-vs-milliseconds mix-up, typically).
 */
export const timestampSchema = z.union([z.string().min(1), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms) || ms < epochMsMin || ms > epochMsMax) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected an ISO 8601 date-time or epoch milliseconds between 1990 and 2100',
    });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

const id = idSchema;

export const behaviourEventSchema = z.object({
  eventId: id.optional(),
  userId: id,
  type: z.enum(eventTypes),
  productId: id.optional(),
  orderId: id.optional(),
  timestamp: timestampSchema,
  quantity: z.number().finite().optional(),
  price: z.number().finite().min(0).optional(),
  category: z.string().trim().min(1).max(256).optional(),
  rating: z.number().min(0).max(5).optional(),
  text: z.string().max(4000).optional(),
  sessionId: id.optional(),
});
export type BehaviourEventInput = z.input<typeof behaviourEventSchema>;
/** A validated event with a guaranteed id (given, or derived from its content). */
export type BehaviourEvent = z.infer<typeof behaviourEventSchema> & { eventId: string };

export { type Product, productSchema };

export const maxEventsPerRequest = 1000;
export const maxProductsPerRequest = 1000;

/** Items are checked one by one so that one bad item does not sink the batch. */
export const eventsBodySchema = z.object({
  events: z.array(z.unknown()).min(1).max(maxEventsPerRequest),
});
export const productsBodySchema = z.object({
  products: z.array(z.unknown()).min(1).max(maxProductsPerRequest),
});

export const uploadFormats = ['csv', 'jsonl'] as const;
export const createUploadSchema = z.object({
  fileName: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[\w.\- ]+$/, 'use letters, digits, spaces, dot, dash and underscore only'),
  kind: z.enum(['events', 'products']).default('events'),
  /** A preset name (see mappings.ts) or a mapping spec. */
  mapping: z.union([z.string().trim().min(1).max(64), mappingSpecSchema]).optional(),
  /** Start a profiling run once the file is ingested. */
  profile: z.boolean().default(true),
});

export const idParamsSchema = z.object({ id: z.string().trim().min(1).max(128) });
export const userParamsSchema = z.object({ userId: z.string().trim().min(1).max(256) });
export const rulesQuerySchema = z.object({
  productId: z.string().trim().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(20),
});

/** `GET /recommendations?userId=U&limit=10&exclude=purchased`. */
export const recommendationsQuerySchema = z
  .object({
    userId: z.string().trim().min(1).max(256),
    limit: z.coerce.number().int().min(1).max(maxRecommendations).default(10),
    exclude: z.enum(['purchased']).optional(),
  })
  .transform(({ userId, limit, exclude }) => ({ userId, limit, excludePurchased: exclude === 'purchased' }));

export const startRunSchema = z.object({ snapshotDate: z.string().date().optional() }).default({});

export interface Rejection {
  /** 0-based index in a request, or 1-based line number in a file. */
  readonly index?: number;
  readonly line?: number;
  readonly reason: string;
}

/** One shard of raw events, as the profiling run's manifest lists it (a Distributed Map item). */
export const shardDescriptorSchema = z.object({
  shard: z.string().min(1),
  objects: z.number().int().min(0),
  bytes: z.number().min(0),
  shardCount: z.number().int().min(1),
});
