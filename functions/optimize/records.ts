/**
 * The optimize records: campaigns, variants (arms), counters, snapshots, impressions and the
 * verdicts a re-optimization stores on a campaign. The bottom of functions/optimize: it imports
 * no other optimize module but the API schema, so every workflow stands on it.
 */

import type { Check } from '../generate/guardrails';
import type { Rendered } from '../generate/render';
import type { Estimate, Reason } from '../predict/core';
import type { CampaignSpec, FeedbackType } from './schema';

/** The id of each segment's no-send control arm. */
export const CONTROL = 'control';

export type CampaignStatus = 'creating' | 'active' | 'paused' | 'ended' | 'failed';

/** A campaign's definition and state: `CAMPAIGN#<id>` / `META`. */
export interface Campaign {
  readonly campaignId: string;
  readonly spec: CampaignSpec;
  readonly status: CampaignStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The campaign-run execution that generated the variants. */
  readonly executionArn?: string;
  /** The segments the run targeted, with their persona labels and sizes. */
  readonly segments?: ReadonlyArray<{ segmentId: string; label?: { en: string; zh: string }; size?: number }>;
  /** Where a batch campaign's messages were written (`campaigns/<id>/messages/`). */
  readonly messagesPrefix?: string;
  readonly error?: { readonly error: string; readonly cause: string };
  /** Where the latest report was written. */
  readonly reportKey?: string;
  /** The A/B verdicts of the latest re-optimization, with their methods. */
  readonly verdicts?: CampaignVerdicts;
}

/** The predictor's view of a variant when it entered (priors come from it). */
export interface VariantPrediction {
  readonly ctr: Estimate;
  readonly cvr: Estimate;
  readonly uplift: Estimate;
  readonly expectedValue: number;
  readonly send: boolean;
  readonly source: { readonly ctr: string; readonly cvr: string; readonly uplift: string };
  readonly reasons: readonly Reason[];
}

/** One arm of a segment: `CAMPAIGN#<id>` / `VARIANT#<segmentId>#<variantId>`. */
export interface Variant {
  readonly campaignId: string;
  readonly segmentId: string;
  readonly variantId: string;
  /** `control` is the no-send arm; `generated` came from the campaign run; `challenger` was bred. */
  readonly kind: 'control' | 'generated' | 'challenger';
  readonly status: 'active' | 'stopped';
  /** Copy (empty for the control). */
  readonly headline: string;
  readonly body: string;
  readonly callToAction: string;
  readonly tone: string;
  readonly factsUsed: readonly string[];
  readonly products: ReadonlyArray<{ productId: string; category?: string; price?: number }>;
  readonly rendered?: Rendered;
  readonly checks?: readonly Check[];
  readonly prediction?: VariantPrediction;
  /** The Beta prior of the bandit arm, from the prediction (pseudo-observations). */
  readonly prior: { readonly alpha: number; readonly beta: number };
  /** Prompt version, backend and seed that produced the copy; `fallback` when the embedded one answered. */
  readonly generation?: {
    readonly promptVersion: string;
    readonly backend?: string;
    readonly seed: number;
    readonly fallback?: string;
  };
  /** For challengers: the variants whose traits they were bred from. */
  readonly parents?: readonly string[];
  readonly createdAt: string;
  readonly stoppedAt?: string;
  readonly stopReason?: string;
}

/** Exact counts of one arm in one segment: `CAMPAIGN#<id>` / `COUNTER#<segmentId>#<variantId>`. */
export interface Counter {
  readonly segmentId: string;
  readonly variantId: string;
  /** Decisions that chose this arm (for the control: users held out). */
  readonly sends: number;
  readonly impressions: number;
  readonly clicks: number;
  readonly conversions: number;
  /** Sum of conversion values. */
  readonly value: number;
  readonly unsubscribes: number;
}

/** A snapshot of the allocation and posteriors, kept per re-optimization: `ALLOCATION#<at>`. */
export interface AllocationSnapshot {
  readonly at: string;
  readonly segments: Record<
    string,
    Array<{
      variantId: string;
      share: number;
      /** Posterior mean and 95% interval of the objective rate. */
      mean: number;
      low: number;
      high: number;
      sends: number;
      successes: number;
    }>
  >;
}

/** A recorded decision, echoed back by feedback: feedback table `IMPRESSION#<id>`. */
export interface Impression {
  readonly impressionId: string;
  readonly campaignId: string;
  readonly segmentId: string;
  readonly variantId: string;
  readonly userId: string;
  readonly at: string;
}

/** The counters one counter item holds. */
export const counterFields = [
  'sends',
  'impressions',
  'clicks',
  'conversions',
  'value',
  'unsubscribes',
] as const;
/** Which counter each feedback type increments. */
export const counterOf: Record<FeedbackType, (typeof counterFields)[number]> = {
  impression: 'impressions',
  click: 'clicks',
  conversion: 'conversions',
  unsubscribe: 'unsubscribes',
};

export const emptyCounter = (segmentId: string, variantId: string): Counter => ({
  segmentId,
  variantId,
  sends: 0,
  impressions: 0,
  clicks: 0,
  conversions: 0,
  value: 0,
  unsubscribes: 0,
});

/** Everything known about a campaign, read with one query. */
export interface CampaignState {
  readonly campaign: Campaign;
  readonly variants: Variant[];
  readonly counters: Counter[];
  readonly snapshots: AllocationSnapshot[];
}

/** What a campaign optimizes: clicks or conversions per send. */
export type Objective = 'click' | 'conversion';

/** One arm's line in a verdict. */
export interface VerdictArm {
  readonly variantId: string;
  readonly trials: number;
  readonly successes: number;
  /** Posterior mean under the verdict's Beta(1, 1) prior. */
  readonly mean: number;
  readonly probabilityBest: number;
  readonly expectedLoss: number;
  /** P(beats the reference arm: the leader among messages, the no-send control against it). */
  readonly probabilityBeatsReference: number | null;
  readonly status: 'winner' | 'loser' | 'running';
}

export interface Comparison {
  /** How the figures were computed and the rule applied, in words. */
  readonly method: string;
  /** The arm the others are compared with. */
  readonly reference: string;
  readonly winner: string | null;
  readonly exact: boolean;
  readonly arms: VerdictArm[];
}

/** A segment's verdicts at one re-optimization. */
export interface SegmentVerdict {
  readonly objective: Objective;
  /** The message variants against each other on the campaign objective (null with fewer than two). */
  readonly messages: Comparison | null;
  /** Conversions per send of each message variant against the no-send control (null without a control). */
  readonly control: Comparison | null;
  readonly stopped: Array<{ variantId: string; reason: string }>;
}

/** Stored on the campaign as `verdicts` (`CAMPAIGN#<id>` / `META`). */
export interface CampaignVerdicts {
  readonly runId: string;
  readonly at: string;
  readonly segments: Record<string, SegmentVerdict>;
}
