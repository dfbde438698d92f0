/** The collect state: the campaigns one re-optimization updates. */

import type { OptimizePorts } from './ports';

export interface CollectResult {
  readonly runId: string;
  readonly breed: boolean;
  /** One Map item per campaign. */
  readonly campaigns: Array<{ runId: string; campaignId: string; breed: boolean }>;
}

/** The campaigns to re-optimize: those named (an unknown one is a NotFoundError), else every active one. */
export async function collectCampaigns(
  input: { runId: string; campaignIds?: string[] | null; breed: boolean },
  ports: Pick<OptimizePorts, 'store'>,
): Promise<CollectResult> {
  let ids: string[];
  if (input.campaignIds && input.campaignIds.length > 0) {
    ids = [...new Set(input.campaignIds)];
    for (const id of ids) await ports.store.getCampaign(id);
  } else {
    ids = (await ports.store.listCampaigns(200))
      .filter((c) => c.status === 'active')
      .map((c) => c.campaignId);
  }
  return {
    runId: input.runId,
    breed: input.breed,
    campaigns: ids.map((campaignId) => ({ runId: input.runId, campaignId, breed: input.breed })),
  };
}
