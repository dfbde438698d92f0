import * as z from 'zod';
import { channels, goals, languages } from '../../model/contract';
import { ctaUrlSchema, seedSchema } from '../generate/schema';
import { idSchema } from '../shared/schemas';

/** Most segments one campaign may target (one Map iteration each). */
export const maxCampaignSegments = 50;
/** Most user ids a campaign may list inline; larger lists are uploaded to S3 (`userListKey`). */
export const maxInlineUsers = 1000;

const term = z.string().trim().min(1).max(100);
/** Segment ids never contain `#` (store keys join them with it). */
const segmentId = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[^#]+$/, 'must not contain #');

/** Who a campaign reaches. */
export const audienceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('everyone') }),
  z.object({ kind: z.literal('segments'), segmentIds: z.array(segmentId).min(1).max(maxCampaignSegments) }),
  z.object({ kind: z.literal('users'), userIds: z.array(idSchema).min(1).max(maxInlineUsers) }),
  /**
   * A user list uploaded to the data bucket: a JSON array of user ids, or text with one id per
   * line. The run writes one message per user to S3 (a batch campaign).
   */
  z.object({ kind: z.literal('userList'), key: z.string().trim().min(1).max(1024) }),
]);
export type Audience = z.infer<typeof audienceSchema>;

/** `POST /campaigns`. */
export const campaignBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    goal: z.enum(goals),
    channel: z.enum(channels),
    language: z.enum(languages),
    tone: z.string().trim().min(1).max(64).default('friendly'),
    /** Products to feature, by catalog id… */
    productIds: z.array(idSchema).min(1).max(20).optional(),
    /** …or a category whose products each segment's cross-sell and affinities choose from. */
    category: z.string().trim().min(1).max(256).optional(),
    audience: audienceSchema.default({ kind: 'everyone' }),
    /** Variants kept per segment after prediction (the best N by predicted objective). */
    variantsPerSegment: z.number().int().min(1).max(8).default(3),
    /** Variants generated per segment before the predictor keeps the best N (default 2 × N, at most 8). */
    candidatesPerSegment: z.number().int().min(1).max(8).optional(),
    /** Share of each segment's traffic held out as a no-send control. */
    controlShare: z.number().min(0).max(0.5).default(0.1),
    /** What the bandit maximizes per send. */
    objective: z.enum(['click', 'conversion']).default('click'),
    /** `bandit`: Thompson sampling; `even`: a fixed equal split (a classic A/B test). */
    trafficSplit: z.enum(['bandit', 'even']).default('bandit'),
    /** Most messages one user gets from this campaign per period. */
    frequencyCap: z
      .object({
        count: z.number().int().min(1).max(100),
        periodHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 90),
      })
      .default({ count: 3, periodHours: 24 * 7 }),
    /** Most sends (decisions that send) over the campaign's life. */
    budget: z.object({ maxSends: z.number().int().min(1) }).optional(),
    startAt: z.iso.datetime({ offset: true }).optional(),
    endAt: z.iso.datetime({ offset: true }).optional(),
    mustInclude: z.array(term).max(10).default([]),
    mustAvoid: z.array(term).max(50).default([]),
    bannedWords: z.array(term).max(200).default([]),
    ctaUrl: ctaUrlSchema.optional(),
    /**
     * UTM parameters added to `ctaUrl` when a tracked link is followed (`GET /r/{token}`);
     * `content` defaults to the variant id. Parameters already in `ctaUrl` are kept.
     */
    utm: z
      .object({
        source: z.string().trim().min(1).max(200).optional(),
        medium: z.string().trim().min(1).max(200).optional(),
        campaign: z.string().trim().min(1).max(200).optional(),
        content: z.string().trim().min(1).max(200).optional(),
      })
      .strict()
      .optional(),
    /** Falls back to the embedded generator when the endpoint fails (flagged on the variants). */
    allowFallback: z.boolean().default(false),
    seed: seedSchema.optional(),
  })
  .superRefine((body, ctx) => {
    if (!body.productIds && !body.category) {
      ctx.addIssue({ code: 'custom', path: ['productIds'], message: 'give productIds or a category' });
    }
    if (body.startAt && body.endAt && Date.parse(body.endAt) <= Date.parse(body.startAt)) {
      ctx.addIssue({ code: 'custom', path: ['endAt'], message: 'endAt must be after startAt' });
    }
    if (body.candidatesPerSegment !== undefined && body.candidatesPerSegment < body.variantsPerSegment) {
      ctx.addIssue({
        code: 'custom',
        path: ['candidatesPerSegment'],
        message: 'candidatesPerSegment must be at least variantsPerSegment',
      });
    }
  });
export type CampaignSpec = z.infer<typeof campaignBodySchema>;

export const feedbackTypes = ['impression', 'click', 'conversion', 'unsubscribe'] as const;
export type FeedbackType = (typeof feedbackTypes)[number];

/** One feedback event. `impressionId` (from a decision) names the campaign, segment and variant. */
export const feedbackEventSchema = z
  .object({
    eventId: z.string().trim().min(1).max(256),
    type: z.enum(feedbackTypes),
    impressionId: z.string().trim().min(1).max(128).optional(),
    campaignId: z.string().trim().min(1).max(128).optional(),
    variantId: z.string().trim().min(1).max(128).optional(),
    /** The segment the send was counted in; default: the impression's, else `all`. */
    segmentId: segmentId.optional(),
    userId: idSchema.optional(),
    /** Order value, for conversions. */
    value: z.number().finite().min(0).optional(),
    timestamp: z.union([z.iso.datetime({ offset: true }), z.number().int().min(0)]).optional(),
  })
  .refine((e) => e.impressionId !== undefined || (e.campaignId !== undefined && e.variantId !== undefined), {
    message: 'give an impressionId, or a campaignId and a variantId',
    path: ['impressionId'],
  });
export type FeedbackEvent = z.infer<typeof feedbackEventSchema>;

/** Most events in one `POST /feedback`. */
export const maxFeedbackBatch = 500;

/** `POST /feedback`: one event, or `{ events: [...] }`. */
export const feedbackBodySchema = z.union([
  z.object({ events: z.array(z.unknown()).min(1).max(maxFeedbackBatch) }),
  z.record(z.string(), z.unknown()).transform((event) => ({ events: [event] as unknown[] })),
]);

/** `GET /campaigns/{id}/decision?userId=…`. */
export const decisionQuerySchema = z.object({
  userId: idSchema,
  /** ISO time of the decision, for tests and replays; default now. */
  at: z.iso.datetime({ offset: true }).optional(),
});

/** `GET /campaigns?limit=`. */
export const campaignListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** `POST /optimize/runs`: re-optimize these campaigns (default: every active one). */
/**
 * Thresholds of one run's preference export (functions/optimize/reoptimize/preferences.ts); each
 * absent one keeps its default (P(chosen beats rejected) ≥ 0.9, ≥ 200 sends on each side).
 */
export const preferenceThresholdsSchema = z
  .object({
    /** P(chosen beats rejected) a pair needs: above one half (a coin flip is no preference), at most 1. */
    minProbability: z.number().gt(0.5).max(1).optional(),
    /** Sends (or impressions) each side of a pair needs. */
    minSends: z.number().int().min(1).max(1_000_000_000).optional(),
  })
  .strict();
export type PreferenceThresholds = z.infer<typeof preferenceThresholdsSchema>;

export const optimizeRunBodySchema = z
  .object({
    campaignIds: z.array(z.string().trim().min(1).max(128)).max(100).optional(),
    /** Skip breeding challengers (faster; posteriors, verdicts, retraining and export still run). */
    breed: z.boolean().default(true),
    /** This run's preference-export thresholds (kept on the run record, read by the export step). */
    preferences: preferenceThresholdsSchema.optional(),
  })
  .default({ breed: true });
