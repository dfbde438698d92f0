/** The strategies state: per segment, the best channel, send hour, tone and products so far. */

import type { Objective } from '../records';
import { clockOf, type OptimizePorts, optionsOf } from './ports';
import { type ArmObservation, buildStrategies, type HourObservation, putStrategies } from './strategies';

export interface StrategiesResult {
  readonly runId: string;
  readonly campaigns: number;
  readonly strategies: Array<{
    segmentId: string;
    objective: Objective;
    channel: string | null;
    hour: string | null;
    tone: string | null;
    products: string[];
  }>;
}

/** Per segment across every campaign: the best channel, send hour, tone and products (strategies.ts). */
export async function updateStrategies(runId: string, ports: OptimizePorts): Promise<StrategiesResult> {
  const options = optionsOf(ports);
  const campaigns = (await ports.store.listCampaigns(options.maxCampaigns)).filter(
    (c) => c.status !== 'creating' && c.status !== 'failed',
  );
  const arms: ArmObservation[] = [];
  const hours: HourObservation[] = [];
  for (const campaign of campaigns) {
    const state = await ports.store.getState(campaign.campaignId);
    const spec = state.campaign.spec;
    const counters = new Map(state.counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
    for (const v of state.variants) {
      if (v.kind === 'control') continue;
      const c = counters.get(`${v.segmentId}#${v.variantId}`);
      if (!c) continue;
      arms.push({
        segmentId: v.segmentId,
        campaignId: campaign.campaignId,
        objective: spec.objective,
        channel: spec.channel,
        tone: v.tone,
        productIds: v.products.map((p) => p.productId),
        trials: Math.max(c.sends, c.impressions),
        clicks: c.clicks,
        conversions: c.conversions,
      });
    }
    for (const [segmentId, counts] of Object.entries(await ports.store.hourCounts(campaign.campaignId))) {
      hours.push({ segmentId, counts });
    }
  }
  const strategies = buildStrategies(arms, hours, {
    minSends: options.strategyMinSends,
    runId,
    at: clockOf(ports).toISOString(),
  });
  await putStrategies(ports.profilesTable, strategies);
  return {
    runId,
    campaigns: campaigns.length,
    strategies: strategies.map((s) => ({
      segmentId: s.segmentId,
      objective: s.objective,
      channel: s.channel.best,
      hour: s.hour.best,
      tone: s.tone.best,
      products: s.products.best,
    })),
  };
}
