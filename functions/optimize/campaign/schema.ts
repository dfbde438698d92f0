/** Input of the campaign run's task states: one zod schema per step, the handler parses with {@link campaignStepSchema}. */

import { z } from 'zod';
import { campaignGenerateOutputSchema } from '../../generate/campaign-task';
import { campaignPredictOutputSchema } from '../../predict/campaign-task';
import { chunkSize } from './ports';

const campaignIdSchema = z.string().trim().min(1).max(128);
const segmentIdSchema = z.string().trim().min(1).max(128);

export const messageChunkSchema = z.object({
  campaignId: campaignIdSchema,
  chunk: z.number().int().min(0),
  userIds: z.array(z.string().min(1)).max(chunkSize),
});

const selectResultSchema = z.object({
  segmentId: segmentIdSchema,
  kept: z.number().int().min(0),
  dropped: z.number().int().min(0).default(0),
  refused: z.number().int().min(0).default(0),
  reason: z.string().optional(),
});

const stepErrorSchema = z.object({ Error: z.string().optional(), Cause: z.string().optional() });

/** A Map iteration the state machine caught: the item, with the error where the Catch put it. */
const failedSegmentSchema = z.object({
  segmentId: segmentIdSchema,
  error: z.union([z.string(), stepErrorSchema]),
});

/** Input of the run's task states (the handler parses with this). */
export const campaignStepSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal('plan'), campaignId: campaignIdSchema }),
  z.object({
    step: z.literal('select'),
    campaignId: campaignIdSchema,
    segmentId: segmentIdSchema,
    generated: campaignGenerateOutputSchema,
    predicted: campaignPredictOutputSchema,
  }),
  z.object({ step: z.literal('messages'), campaignId: campaignIdSchema, chunk: messageChunkSchema }),
  z.object({
    step: z.literal('finish'),
    campaignId: campaignIdSchema,
    results: z.array(z.union([failedSegmentSchema, selectResultSchema])),
  }),
  z.object({ step: z.literal('fail'), campaignId: campaignIdSchema, error: stepErrorSchema.default({}) }),
]);
export type CampaignStepInput = z.infer<typeof campaignStepSchema>;

/** What one Map iteration of the run reports to finish: a select result, or the error the Catch put beside its item. */
export type SegmentOutcome = z.infer<typeof failedSegmentSchema> | z.infer<typeof selectResultSchema>;
