import * as z from 'zod';

/** The EventBridge event S3 sends when an object is created (bucket with EventBridge enabled). */
export const objectCreatedEventSchema = z.object({
  'detail-type': z.literal('Object Created'),
  source: z.literal('aws.s3'),
  time: z.string().optional(),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().min(0).default(0),
      etag: z.string().default(''),
    }),
  }),
});
export type ObjectCreatedEvent = z.input<typeof objectCreatedEventSchema>;

/** The EventBridge event a schedule rule sends. */
export const scheduledEventSchema = z.object({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  time: z.string(),
  resources: z.array(z.string()).default([]),
});
export type ScheduledEvent = z.input<typeof scheduledEventSchema>;
