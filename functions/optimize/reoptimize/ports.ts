/** The re-optimization's ports and options (defaults in {@link defaultOptimizeOptions}), shared by its states. */

import type { CatalogPort } from '../../generate/core';
import type { ModelRegistry } from '../../predict/registry';
import { defaultTraining, type TrainingOptions } from '../../predict/training';
import type { ProfileStore } from '../../profile/store';
import type { ObjectStore, Table } from '../../shared/ports';
import type { CampaignStore } from '../store';
import type { BreedOptions } from './challengers';
import type { PreferenceOptions } from './preferences';
import { defaultMinSends } from './strategies';

export interface OptimizePorts {
  readonly store: CampaignStore;
  readonly operations: Table;
  /** The profiles table: strategies are written beside the segments. */
  readonly profilesTable: Table;
  readonly objects: ObjectStore;
  readonly registry: ModelRegistry;
  readonly profiles: ProfileStore;
  /** Product facts for rebuilding prompts of preference pairs (the generate function's catalog port). */
  readonly catalog: CatalogPort;
  /** Uniform source of the allocation's Monte Carlo; default seeded from the run and campaign. */
  readonly random?: () => number;
  readonly now?: () => Date;
  readonly options?: Partial<OptimizeOptions>;
}

export interface OptimizeOptions {
  /** Campaigns read by retrain, strategies and export (newest first; the store lists at most 200). */
  readonly maxCampaigns: number;
  /** P(best) a winner needs. */
  readonly winProbability: number;
  /** Largest expected loss (absolute rate) a winner may have. */
  readonly lossThreshold: number;
  /**
   * P(beats the leader) at or below which a message variant is stopped. Stricter than the
   * kernel's 0.05: stopping is irreversible and the schedule looks at every run.
   */
  readonly loserProbability: number;
  /** Trials a variant needs before it can be stopped. */
  readonly minTrials: number;
  /** Monte Carlo draws of a verdict with more than two arms. */
  readonly verdictDraws: number;
  /** Monte Carlo draws of the allocation snapshot (±0.005 on each share at 10,000). */
  readonly allocationDraws: number;
  readonly breed: Partial<BreedOptions>;
  /** Most expanded examples one model trains on; larger data is sampled as whole counts. */
  readonly maxExamples: number;
  /** Fewer examples than this and a model is not retrained. */
  readonly minExamples: number;
  /** Fewer positives (or negatives) than this and a model is not retrained. */
  readonly minPositives: number;
  readonly training: TrainingOptions;
  /** Sends a strategy option needs to be chosen. */
  readonly strategyMinSends: number;
  readonly preferences: Partial<PreferenceOptions>;
}

export const defaultOptimizeOptions: OptimizeOptions = {
  maxCampaigns: 200,
  winProbability: 0.95,
  lossThreshold: 0.001,
  loserProbability: 0.01,
  minTrials: 1000,
  verdictDraws: 50_000,
  allocationDraws: 10_000,
  breed: {},
  maxExamples: 200_000,
  minExamples: 500,
  minPositives: 10,
  training: defaultTraining,
  strategyMinSends: defaultMinSends,
  preferences: {},
};

export const optionsOf = (ports: OptimizePorts): OptimizeOptions => ({
  ...defaultOptimizeOptions,
  ...ports.options,
});
/** The run framework's clock (the ports' `now`, else the wall clock). */
export { clockOf } from '../../shared/runs';
