/**
 * The API's request and answer types, taken from the modules that define them: request bodies
 * are the zod schemas' input types, answers are the cores' return types. Only types are
 * imported here (erased at build); pages that validate before sending import the schemas.
 */
import type { z } from 'zod';
import type { GeneratedVariant, GenerateResult } from '../../functions/generate/core';
import type { Check } from '../../functions/generate/guardrails';
import type { Rendered } from '../../functions/generate/render';
import type { generateBodySchema } from '../../functions/generate/schema';
import type {
  AllocationSnapshot,
  Campaign,
  CampaignState,
  Counter,
  Variant,
} from '../../functions/optimize/records';
import type { OptimizationRecord } from '../../functions/optimize/reoptimize/run';
import type { Strategy } from '../../functions/optimize/reoptimize/strategies';
import type { campaignBodySchema } from '../../functions/optimize/schema';
import type { predict } from '../../functions/predict/core';
import type { listModels } from '../../functions/predict/models';
import type { ModelVersion } from '../../functions/predict/registry';
import type { predictBodySchema } from '../../functions/predict/schema';
import type { Health } from '../../functions/profile/health';
import type { RunRecord } from '../../functions/profile/runs';
import type { createUploadSchema } from '../../functions/profile/schema';
import type { Segment } from '../../functions/profile/segments';
import type { StoredRule } from '../../functions/profile/store';
import type { createUpload, UploadRecord } from '../../functions/profile/uploads';
import type { Channel, Goal, Language } from '../../model/contract';

export type {
  AllocationSnapshot,
  Campaign,
  CampaignState,
  Channel,
  Check,
  Counter,
  GeneratedVariant,
  GenerateResult,
  Goal,
  Health,
  Language,
  ModelVersion,
  OptimizationRecord,
  Rendered,
  RunRecord,
  Segment,
  StoredRule,
  Strategy,
  UploadRecord,
  Variant,
};

export type GenerateBody = z.input<typeof generateBodySchema>;
export type PredictBody = z.input<typeof predictBodySchema>;
export type CampaignBody = z.input<typeof campaignBodySchema>;
export type CreateUploadBody = z.input<typeof createUploadSchema>;
export type CreatedUpload = Awaited<ReturnType<typeof createUpload>>;
export type PredictResult = Awaited<ReturnType<typeof predict>>;
export type Prediction = PredictResult['predictions'][number];
export type ModelsResult = Awaited<ReturnType<typeof listModels>>;
