/**
 * Re-optimization: the scheduled (or `POST /optimize/runs`) run that closes Tailor's loop. Its
 * state machine calls {@link optimizeStep} from each task state:
 *
 *   collect → per campaign (inline Map): update → [per challenger job: generate → predict →
 *   enter] → retrain → strategies → export → finish;  any uncaught failure → fail.
 *
 * - update: posteriors, A/B verdicts (method stated in each verdict), clear losers stopped (never
 *   the control, never the last message variant), an allocation snapshot, challenger jobs;
 * - enter: bred variants become arms with priors from the predictor;
 * - retrain: the click, conversion and uplift models on the counters, promoted only when they
 *   beat the serving version on held-out data;
 * - strategies: per segment, the best channel, send hour, tone and products so far;
 * - export: preference pairs for fine-tuning the generator, as JSON Lines in S3.
 *
 * Every step is idempotent under Step Functions retries: stops filter what is already stopped,
 * enter skips variants already present, snapshots and strategies are overwritten by key, the
 * export object is named by the run.
 */

import { collectCampaigns } from './collect';
import { enterChallengers } from './enter';
import { exportPairs } from './export';
import type { OptimizePorts } from './ports';
import { retrainModels } from './retrain';
import { failOptimization, finishOptimization } from './run';
import type { OptimizeStepInput } from './schema';
import { updateCampaign } from './update';
import { updateStrategies } from './update-strategies';

/** Run one task state of the re-optimization (input already parsed with {@link optimizeStepSchema}). */
export async function optimizeStep(input: OptimizeStepInput, ports: OptimizePorts): Promise<unknown> {
  switch (input.step) {
    case 'collect':
      return collectCampaigns(input, ports);
    case 'update':
      return updateCampaign(input, ports);
    case 'enter':
      return enterChallengers(input, ports);
    case 'retrain':
      return retrainModels(input.runId, ports);
    case 'strategies':
      return updateStrategies(input.runId, ports);
    case 'export':
      return exportPairs(input.runId, ports);
    case 'finish':
      return finishOptimization(input.runId, input.summary, ports);
    case 'fail':
      return failOptimization(input.runId, input.error, ports);
  }
}
