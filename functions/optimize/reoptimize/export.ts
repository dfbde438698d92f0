/** The export state: preference pairs for fine-tuning the generator. */

import { type OptimizePorts, optionsOf } from './ports';
import { type ExportResult, exportPreferences } from './preferences';

export async function exportPairs(runId: string, ports: OptimizePorts): Promise<ExportResult> {
  const options = optionsOf(ports);
  return exportPreferences(
    runId,
    { store: ports.store, objects: ports.objects, profiles: ports.profiles, catalog: ports.catalog },
    { maxCampaigns: options.maxCampaigns, ...options.preferences },
  );
}
