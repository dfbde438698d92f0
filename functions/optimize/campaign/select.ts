/** The select state: keep a segment's best generated variants as bandit arms, with the control beside them. */
import type { CampaignGenerateOutput } from '../../generate/campaign-task';
import type { CampaignPredictOutput } from '../../predict/campaign-task';
import { armOf, objectiveRate } from '../arms';
import { CONTROL, type Variant } from '../records';
import { type CampaignRunPorts, clockOf, type SelectResult } from './ports';

/**
 * Keep the segment's best `variantsPerSegment` variants by predicted objective and write them
 * as active arms, each with a prior from its prediction ({@link maxPriorStrength}), plus the
 * segment's control arm when the campaign holds one out, with a uniform Beta(1, 1) prior (the
 * control is held out by a hash, never drawn, so its prior does not move traffic). Nothing to
 * keep (every variant refused by the guardrails) is an answer with a reason, not an error: the
 * other segments go on.
 */
export async function selectVariants(
  input: {
    campaignId: string;
    segmentId: string;
    generated: CampaignGenerateOutput;
    predicted: CampaignPredictOutput;
  },
  ports: CampaignRunPorts,
): Promise<SelectResult> {
  const { campaignId, segmentId, generated, predicted } = input;
  const { spec } = await ports.store.getCampaign(campaignId);
  const byId = new Map(predicted.predictions.map((p) => [p.variantId, p]));
  const ranked = generated.variants
    .flatMap((variant) => {
      const prediction = byId.get(variant.variantId);
      return prediction ? [{ variant, prediction, score: objectiveRate(prediction, spec.objective) }] : [];
    })
    .sort((a, b) => b.score - a.score);
  const kept = ranked.slice(0, spec.variantsPerSegment);
  const refused = generated.dropped.length;
  const dropped = generated.variants.length - kept.length;
  if (kept.length === 0) {
    const reason =
      generated.variants.length === 0
        ? `the guardrails refused every variant${
            refused > 0
              ? `: ${generated.dropped
                  .map((d) => d.reason)
                  .slice(0, 3)
                  .join(' | ')}`
              : ''
          }`
        : 'no variant was predicted';
    return { segmentId, kept: 0, dropped, refused, reason: reason.slice(0, 1000) };
  }

  const createdAt = clockOf(ports).toISOString();
  const variants: Variant[] = kept.map(({ variant, prediction }) =>
    armOf(
      { campaignId, segmentId, kind: 'generated', tone: spec.tone, createdAt },
      variant,
      prediction,
      generated,
      spec,
    ),
  );
  if (spec.controlShare > 0) {
    variants.push({
      campaignId,
      segmentId,
      variantId: CONTROL,
      kind: 'control',
      status: 'active',
      headline: '',
      body: '',
      callToAction: '',
      tone: spec.tone,
      factsUsed: [],
      products: [],
      prior: { alpha: 1, beta: 1 },
      createdAt,
    });
  }
  await ports.store.putVariants(variants);
  return { segmentId, kept: kept.length, dropped, refused };
}
