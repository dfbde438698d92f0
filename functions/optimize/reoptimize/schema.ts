/** Input of the re-optimization's task states: one zod schema per step. */

import { z } from 'zod';
import { campaignGenerateOutputSchema } from '../../generate/campaign-task';
import { campaignPredictOutputSchema } from '../../predict/campaign-task';

/** Run ids name the Step Functions execution: letters, digits, '-' and '_'. */
const runIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be 1 to 80 letters, digits, - or _');
const campaignIdSchema = z.string().trim().min(1).max(128);
const stepErrorSchema = z.object({ Error: z.string().optional(), Cause: z.string().optional() });

/** Input of the re-optimization's task states (the handler parses with this). */
export const optimizeStepSchema = z.discriminatedUnion('step', [
  z.object({
    step: z.literal('collect'),
    runId: runIdSchema,
    /** null or absent: every active campaign (the execution input always carries the field). */
    campaignIds: z.array(campaignIdSchema).max(100).nullish(),
    breed: z.boolean().default(true),
  }),
  z.object({
    step: z.literal('update'),
    runId: runIdSchema,
    campaignId: campaignIdSchema,
    breed: z.boolean().default(true),
  }),
  z.object({
    step: z.literal('enter'),
    runId: runIdSchema,
    campaignId: campaignIdSchema,
    segmentId: z.string().trim().min(1).max(128),
    parents: z.array(z.string().min(1)).max(10).default([]),
    /** The job's generation request (its tone is the challengers' tone). */
    generate: z
      .object({ tone: z.string().trim().min(1).max(64).optional() })
      .loose()
      .optional(),
    generated: campaignGenerateOutputSchema,
    predicted: campaignPredictOutputSchema,
  }),
  z.object({ step: z.literal('retrain'), runId: runIdSchema }),
  z.object({ step: z.literal('strategies'), runId: runIdSchema }),
  z.object({ step: z.literal('export'), runId: runIdSchema }),
  z.object({ step: z.literal('finish'), runId: runIdSchema, summary: z.unknown().optional() }),
  z.object({ step: z.literal('fail'), runId: runIdSchema, error: stepErrorSchema.default({}) }),
]);
export type OptimizeStepInput = z.infer<typeof optimizeStepSchema>;
