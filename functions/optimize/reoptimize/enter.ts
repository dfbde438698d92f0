/** The enter state: bred variants become challenger arms. */

import { armOf, maxPriorStrength } from '../arms';
import type { Variant } from '../records';
import { defaultBreedOptions } from './challengers';
import { clockOf, type OptimizePorts, optionsOf } from './ports';
import type { OptimizeStepInput } from './schema';

export interface EnterResult {
  readonly runId: string;
  readonly campaignId: string;
  readonly segmentId: string;
  readonly entered: string[];
  readonly skipped: Array<{ variantId: string; reason: string }>;
}

/**
 * Enter bred variants as active `challenger` arms with priors from their predictions (the
 * campaign run's prior: the objective's predicted rate with {@link maxPriorStrength}
 * pseudo-observations), the parents recorded. Variants already in the segment (ids are content
 * hashes, so the same copy again), without a prediction, or beyond the segment's most active
 * arms are skipped with the reason.
 */
export async function enterChallengers(
  input: Extract<OptimizeStepInput, { step: 'enter' }>,
  ports: OptimizePorts,
): Promise<EnterResult> {
  const { runId, campaignId, segmentId, generated, predicted } = input;
  const breed = { ...defaultBreedOptions, ...optionsOf(ports).breed };
  const state = await ports.store.getState(campaignId);
  const { spec } = state.campaign;
  const present = new Set(state.variants.filter((v) => v.segmentId === segmentId).map((v) => v.variantId));
  let active = state.variants.filter((v) => v.segmentId === segmentId && v.status === 'active').length;
  const predictions = new Map(predicted.predictions.map((p) => [p.variantId, p]));
  const parentVariant = state.variants.find(
    (v) => v.segmentId === segmentId && v.variantId === input.parents[0],
  );
  const tone = input.generate?.tone ?? parentVariant?.tone ?? spec.tone;
  const createdAt = clockOf(ports).toISOString();
  const entered: Variant[] = [];
  const skipped: Array<{ variantId: string; reason: string }> = [];
  for (const variant of generated.variants) {
    const prediction = predictions.get(variant.variantId);
    if (present.has(variant.variantId)) {
      skipped.push({ variantId: variant.variantId, reason: 'already in the segment' });
      continue;
    }
    if (!prediction) {
      skipped.push({ variantId: variant.variantId, reason: 'not predicted' });
      continue;
    }
    if (active >= breed.maxActiveArms) {
      skipped.push({
        variantId: variant.variantId,
        reason: `the segment has ${active} active arms, the most allowed is ${breed.maxActiveArms}`,
      });
      continue;
    }
    entered.push(
      armOf(
        { campaignId, segmentId, kind: 'challenger', tone, createdAt, parents: input.parents },
        variant,
        prediction,
        generated,
        spec,
      ),
    );
    present.add(variant.variantId);
    active += 1;
  }
  if (entered.length > 0) await ports.store.putVariants(entered);
  return { runId, campaignId, segmentId, entered: entered.map((v) => v.variantId), skipped };
}
