/** The retrain state: the predictor's click, conversion and uplift models on every campaign's counters (functions/predict/retrain.ts). */

import { type RetrainResult, retrainOnCampaigns } from '../../predict/retrain';
import { type OptimizePorts, optionsOf } from './ports';

/** Retrain the click, conversion and uplift models on every campaign's counters (see {@link retrainOnCampaigns}). */
export async function retrainModels(runId: string, ports: OptimizePorts): Promise<RetrainResult> {
  const options = optionsOf(ports);
  return retrainOnCampaigns(
    runId,
    { campaigns: ports.store, profiles: ports.profiles, registry: ports.registry },
    {
      maxCampaigns: options.maxCampaigns,
      maxExamples: options.maxExamples,
      minExamples: options.minExamples,
      minPositives: options.minPositives,
      training: options.training,
    },
  );
}
