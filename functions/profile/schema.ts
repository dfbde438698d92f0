import * as z from 'zod';
import { idSchema, type Product, productSchema } from '../shared/schemas';
import { mappingSpecSchema } from './mappings';
import { maxRecommendations } from './recommendations';

/** Behaviour event types Tailor understands; importers map their source's names onto these. */
export const eventTypes = ['view', 'cart', 'favorite', 'purchase', 'refund', 'rating', 'search'] as const;

const epochMsMin = Date.UTC(1990, 0, 1);
const epochMsMax = Date.UTC(2100, 0, 1);

/**
 * A timestamp (ISO 8601 text, digits read as epoch milliseconds, or epoch milliseconds) as
 * ISO 8601 UTC; undefined when it is not a date, or before 1990 or after 2100 (a
 * seconds-vs-milliseconds mix-up, typically).
 */
export function normalizeTimestamp(value: string | number): string | undefined {
  if (typeof value === 'string') {
    const canonical = canonicalUtc(value);
    if (canonical !== undefined) return canonical;
  }
  const ms = typeof value === 'number' ? value : isDigits(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms) || ms < epochMsMin || ms > epochMsMax) return undefined;
  return new Date(ms).toISOString();
}

const daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The result of the general path for the commonest form, `YYYY-MM-DDTHH:MM:SS[.sss]Z` with
 * every field in its calendar range (so that no rollover happens), without parsing a date:
 * the text itself, with `.000` added when it has no milliseconds. Undefined for anything
 * else, or out of 1990–2100, which the general path then decides.
 */
function canonicalUtc(value: string): string | undefined {
  const length = value.length;
  if (length !== 20 && length !== 24) return undefined;
  if (
    value.charCodeAt(4) !== 45 ||
    value.charCodeAt(7) !== 45 ||
    value.charCodeAt(10) !== 84 ||
    value.charCodeAt(13) !== 58 ||
    value.charCodeAt(16) !== 58 ||
    value.charCodeAt(length - 1) !== 90
  )
    return undefined;
  if (length === 24 && value.charCodeAt(19) !== 46) return undefined;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  const hour = digitsAt(value, 11, 2);
  const minute = digitsAt(value, 14, 2);
  const second = digitsAt(value, 17, 2);
  if (length === 24 && digitsAt(value, 20, 3) < 0) return undefined;
  if (year < 1990 || year > 2099 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23)
    return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && !leap ? 28 : daysInMonth[month - 1]!)) return undefined;
  return length === 24 ? value : `${value.slice(0, 19)}.000Z`;
}

/** The decimal number of `count` digits at `at`, or −1 when one is not a digit. */
function digitsAt(value: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function isDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A timestamp as ISO 8601 text or epoch milliseconds, normalized by {@link normalizeTimestamp}. */
export const timestampSchema = z.union([z.string().min(1), z.number()]).transform((value, ctx) => {
  const iso = normalizeTimestamp(value);
  if (iso === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected an ISO 8601 date-time or epoch milliseconds between 1990 and 2100',
    });
    return z.NEVER;
  }
  return iso;
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
