/**
 * Bandit arms made from generated, predicted copy: the prior's strength and rate, and the
 * stand-in product of a category campaign. The campaign run's selected variants and the
 * re-optimization's challengers are both made here.
 */

import type { CampaignGenerateOutput } from '../generate/campaign-task';
import type { Product } from '../generate/schema';
import type { CampaignPredictOutput } from '../predict/campaign-task';
import type { Prediction } from '../predict/core';
import { categoryName } from '../profile/categories';
import { priorArm } from './kernels/thompson';
import type { Variant } from './records';
import type { CampaignSpec } from './schema';

/**
 * Weight of a variant's predicted rate in its bandit prior, in pseudo-observations: the prior
 * is Beta(rate·s, (1 − rate)·s) with s = min(maxPriorStrength, the prediction's observations).
 * Every prediction rests on at least the predictor's `priorCount` (200) observations, so the
 * cap applies: about 50 real sends outweigh the prediction.
 */
export const maxPriorStrength = 50;

/** Rates of bandit priors are kept inside (minRate, 1 − minRate): a Beta needs both shapes > 0. */
const minRate = 1e-4;

/** The stand-in product of a category campaign: price 0, so the generator quotes no price. */
export function categoryProduct(category: string, language: CampaignSpec['language']): Product {
  return {
    productId: `category:${category}`.slice(0, 256),
    title: categoryName(category)[language],
    category,
    price: 0,
  };
}

export const clampRate = (rate: number) => Math.min(1 - minRate, Math.max(minRate, rate));

/** The objective's predicted rate per send: P(click), or P(click) × P(conversion | click). */
export function objectiveRate(
  prediction: Pick<Prediction, 'ctr' | 'cvr'>,
  objective: CampaignSpec['objective'],
) {
  return objective === 'click' ? prediction.ctr.p : prediction.ctr.p * prediction.cvr.p;
}

type GeneratedCopy = CampaignGenerateOutput['variants'][number];
type PredictedCopy = CampaignPredictOutput['predictions'][number];

/**
 * A generated variant as an active bandit arm: its copy, the products it is about, its
 * prediction, and a prior from the predicted objective rate with {@link maxPriorStrength}
 * pseudo-observations. The campaign run's selected variants and the re-optimization's
 * challengers are both made here.
 */
export function armOf(
  arm: Pick<Variant, 'campaignId' | 'segmentId' | 'kind' | 'tone' | 'createdAt' | 'parents'>,
  variant: GeneratedCopy,
  prediction: PredictedCopy,
  generated: CampaignGenerateOutput,
  spec: Pick<CampaignSpec, 'objective'>,
): Variant {
  const { alpha, beta } = priorArm(
    variant.variantId,
    clampRate(objectiveRate(prediction, spec.objective)),
    maxPriorStrength,
  );
  return {
    ...arm,
    variantId: variant.variantId,
    status: 'active',
    headline: variant.headline,
    body: variant.body,
    callToAction: variant.callToAction,
    factsUsed: variant.factsUsed,
    products: generated.products.map((p) => ({
      productId: p.productId,
      category: p.category,
      price: p.price,
    })),
    rendered: variant.rendered,
    checks: variant.checks,
    prediction: {
      ctr: prediction.ctr,
      cvr: prediction.cvr,
      uplift: prediction.uplift,
      expectedValue: prediction.expectedValue,
      send: prediction.send,
      source: prediction.source,
      reasons: prediction.reasons,
    },
    prior: { alpha, beta },
    generation: {
      promptVersion: generated.promptVersion,
      ...(generated.backend !== undefined ? { backend: generated.backend } : {}),
      seed: generated.seed,
      ...(generated.fallback !== undefined ? { fallback: generated.fallback } : {}),
    },
  };
}
