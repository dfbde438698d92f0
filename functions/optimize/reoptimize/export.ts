/** The export state: preference pairs for fine-tuning the generator. */

import { preferenceThresholdsSchema } from '../schema';
import { type OptimizePorts, optionsOf } from './ports';
import { defaultPreferenceOptions, type ExportResult, exportPreferences } from './preferences';
import { optimizationKey } from './run';

/**
 * Preference pairs of every campaign to `preferences/<runId>.jsonl` (preferences.ts). The
 * thresholds are the options' (default P ≥ 0.9, ≥ 200 sends each), overridden by those the run
 * was started with (`POST /optimize/runs` body `preferences`, kept on the run record).
 */
export async function exportPairs(
  runId: string,
  ports: OptimizePorts,
): Promise<ExportResult & { thresholds: { minProbability: number; minSends: number } }> {
  const options = optionsOf(ports);
  const run = await ports.operations.get(optimizationKey(runId));
  const own = preferenceThresholdsSchema.safeParse(run?.['preferences'] ?? {});
  const thresholds = {
    ...defaultPreferenceOptions,
    maxCampaigns: options.maxCampaigns,
    ...options.preferences,
    ...(own.success ? own.data : {}),
  };
  const result = await exportPreferences(
    runId,
    { store: ports.store, objects: ports.objects, profiles: ports.profiles, catalog: ports.catalog },
    thresholds,
  );
  return {
    ...result,
    thresholds: { minProbability: thresholds.minProbability, minSends: thresholds.minSends },
  };
}
