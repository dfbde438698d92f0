import type { CleaningCounts, GlobalReference, RfmBoundaries } from './features';
import type { AssociationRule } from './kernels/fpgrowth';
import type { SegmentationModel } from './segments';

/**
 * The profiling run's record types, at the bottom of the folder: the run steps (`runs.ts`) write
 * them and the report (`report.ts`) reads them, and neither imports the other.
 */

export type RunTrigger = 'api' | 'schedule' | 'ingestion';
export type RunStatus = 'starting' | 'running' | 'succeeded' | 'failed';
export type RunPhase = 'preparing' | 'aggregating' | 'fitting' | 'assigning' | 'reporting' | 'done';

export interface RunFigures {
  readonly snapshotDate: string;
  readonly cleaning: CleaningCounts;
  readonly users: number;
  readonly buyers: number;
  readonly baskets: number;
  readonly segments: number;
  readonly k: number;
  readonly silhouette: Array<{ k: number; silhouette: number }>;
  readonly rules: number;
  /** Kept events by type; with views, the funnel ratios. */
  readonly eventTypes: Record<string, number>;
  readonly funnel: {
    viewToCart: number | null;
    viewToPurchase: number | null;
    cartToPurchase: number | null;
  };
}

export interface RunRecord {
  readonly runId: string;
  readonly status: RunStatus;
  readonly phase?: RunPhase;
  readonly trigger: RunTrigger;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly executionArn?: string;
  readonly shardCount?: number;
  readonly shardsDone?: number;
  readonly shardsAssigned?: number;
  readonly figures?: RunFigures;
  readonly reportKey?: string;
  readonly error?: string;
}

/** What FitSegments leaves for the assignment and the report. */
export interface RunModel {
  readonly reference: GlobalReference;
  readonly boundaries: RfmBoundaries;
  readonly segmentation: SegmentationModel;
  readonly rules: AssociationRule[];
  readonly cleaning: CleaningCounts;
  readonly eventTypes: Record<string, number>;
  readonly users: number;
  readonly baskets: number;
  readonly basketsMined: number;
  readonly firstEventAt: string | null;
}
