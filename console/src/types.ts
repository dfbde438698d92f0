/**
 * The API's request and answer types, named for the pages, all taken from the one API contract
 * (`functions/shared/contract.ts`): requests are what its routes' schemas accept, answers what
 * they return. Only types (erased at build); pages that validate before sending import the schemas.
 */
import type { BodyOf, LiveVerdicts, ResponseOf } from '../../functions/shared/contract';

export type Health = ResponseOf<'GET /health'>;
export type UploadRecord = ResponseOf<'GET /uploads/{id}'>;
export type CreateUploadBody = BodyOf<'POST /uploads'>;
export type CreatedUpload = ResponseOf<'POST /uploads'>;
export type RunRecord = ResponseOf<'GET /profiles/runs/{id}'>;
export type Segment = ResponseOf<'GET /segments'>['segments'][number];
export type Strategy = NonNullable<ResponseOf<'GET /segments/{id}'>['strategy']>;
export type StoredRule = ResponseOf<'GET /rules'>['rules'][number];

export type GenerateBody = BodyOf<'POST /generate'>;
export type GenerateResult = ResponseOf<'POST /generate'>;
export type GeneratedVariant = GenerateResult['variants'][number];
export type Check = GeneratedVariant['checks'][number];
export type Rendered = GeneratedVariant['rendered'];
export type Channel = GenerateBody['channel'];
export type Goal = GenerateBody['goal'];
export type Language = GenerateBody['language'];

export type PredictBody = BodyOf<'POST /predict'>;
export type PredictResult = ResponseOf<'POST /predict'>;
export type Prediction = PredictResult['predictions'][number];
export type ModelsResult = ResponseOf<'GET /models'>;
export type ModelVersion = ModelsResult['models'][number]['versions'][number];

export type CampaignBody = BodyOf<'POST /campaigns'>;
export type Campaign = ResponseOf<'GET /campaigns'>['campaigns'][number];
/** A campaign with its variants, counters, snapshots and the verdicts from its current counters. */
export type CampaignState = ResponseOf<'GET /campaigns/{id}'>;
export type Variant = CampaignState['variants'][number];
export type Counter = CampaignState['counters'][number];
export type AllocationSnapshot = CampaignState['snapshots'][number];
export type SegmentVerdict = LiveVerdicts[string];
export type Comparison = NonNullable<SegmentVerdict['messages']>;
export type OptimizationRecord = ResponseOf<'GET /optimize/runs/{id}'>;
