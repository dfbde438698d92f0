import type { Channel } from '../../model/contract';
import { type Audience, readableFeature, variantRow } from './features';
import type { FeatureNames, SparseRow } from './kernels/hashing';
import type { Serving } from './registry';
import type { PredictInput, VariantInput } from './schema';

/**
 * Cold-start priors: click and conversion rates per channel, scaled by the audience's RFM
 * tier, with the weight of `priorCount` observations. A trained model's score is blended
 * with the prior in proportion to the rows it learned from, so scores move from the priors to
 * the model as evidence grows. Intervals are the normal approximation of a Beta posterior with
 * `priorCount + rows` observations (a statement about the estimate, not about one user).
 */
export const channelPriors: Record<Channel, { ctr: number; cvr: number }> = {
  push: { ctr: 0.04, cvr: 0.05 },
  sms: { ctr: 0.02, cvr: 0.06 },
  email: { ctr: 0.025, cvr: 0.04 },
  banner: { ctr: 0.006, cvr: 0.03 },
  social: { ctr: 0.012, cvr: 0.03 },
};

/** How much more (or less) each tier responds than average, and how much a message adds. */
export const tierPriors: Record<string, { response: number; lift: number }> = {
  champions: { response: 1.6, lift: 1.05 },
  loyal: { response: 1.3, lift: 1.1 },
  'potential-loyalists': { response: 1.1, lift: 1.2 },
  new: { response: 1.0, lift: 1.25 },
  'needs-attention': { response: 0.9, lift: 1.3 },
  'at-risk': { response: 0.8, lift: 1.35 },
  hibernating: { response: 0.6, lift: 1.4 },
  browsers: { response: 0.7, lift: 1.3 },
  unknown: { response: 1.0, lift: 1.2 },
};

export const priorCount = 200;

export interface Estimate {
  readonly p: number;
  readonly low: number;
  readonly high: number;
}

export interface Reason {
  readonly feature: string;
  /** Change of the log-odds this feature makes. */
  readonly effect: number;
  readonly text: string;
}

export interface Prediction {
  readonly variantId: string;
  readonly ctr: Estimate;
  readonly cvr: Estimate;
  /** Expected value of one send: P(click) × P(conversion | click) × value. */
  readonly expectedValue: number;
  /** P(conversion | sent) − P(conversion | not sent), per send. */
  readonly uplift: Estimate;
  /** Whether the message is expected to change behaviour enough to send. */
  readonly send: boolean;
  readonly source: { ctr: string; cvr: string; uplift: string };
  readonly reasons: Reason[];
}

export interface PredictPorts {
  readonly audience: (input: PredictInput) => Promise<Audience>;
  readonly serving: (model: 'ctr' | 'cvr' | 'uplift') => Promise<Serving | undefined>;
  readonly bits: number;
}

const clamp = (p: number) => Math.min(1 - 1e-6, Math.max(1e-6, p));
const round = (x: number, d = 5) => Math.round(x * 10 ** d) / 10 ** d;

function estimate(p: number, observations: number): Estimate {
  const sd = Math.sqrt((p * (1 - p)) / (observations + 1));
  return { p: round(p), low: round(Math.max(0, p - 1.96 * sd)), high: round(Math.min(1, p + 1.96 * sd)) };
}

/** Blend a model's probability with the prior by their weights in observations. */
function blend(
  prior: number,
  serving: Serving | undefined,
  score: () => number,
): { p: number; n: number; source: string } {
  if (!serving) return { p: prior, n: priorCount, source: 'prior' };
  const p = (serving.rows * score() + priorCount * prior) / (serving.rows + priorCount);
  return { p, n: serving.rows + priorCount, source: serving.version };
}

/**
 * Score each variant for the audience: click, conversion, expected value and uplift, with
 * intervals and the features that moved the click score most. One model version per model
 * is read once per request, so every variant is scored by the same versions.
 */
export async function predict(input: PredictInput, ports: PredictPorts) {
  const audience = await ports.audience(input);
  const [ctrModel, cvrModel, upliftModel] = await Promise.all([
    ports.serving('ctr'),
    ports.serving('cvr'),
    ports.serving('uplift'),
  ]);
  const tier = tierPriors[audience.tier ?? 'unknown'] ?? { response: 1, lift: 1.2 };
  const predictions: Prediction[] = input.variants.map((variant: VariantInput, i) => {
    const names: FeatureNames = new Map();
    const context = { hour: input.context.hour, weekday: input.context.weekday, treated: 1 as const };
    const row = variantRow(variant, audience, context, ports.bits, names);
    const prior = channelPriors[variant.channel];
    const ctr = blend(clamp(prior.ctr * tier.response), ctrModel, () => calibrated(ctrModel, row));
    const cvr = blend(clamp(prior.cvr * tier.response), cvrModel, () => calibrated(cvrModel, row));
    const converted = ctr.p * cvr.p;
    const priorUplift = converted - converted / tier.lift;
    let uplift = { p: priorUplift, n: priorCount, source: 'prior' };
    if (upliftModel) {
      const untreated = variantRow(variant, audience, { ...context, treated: 0 }, ports.bits);
      const modelUplift = upliftModel.model.predict(row) - upliftModel.model.predict(untreated);
      uplift = {
        p: (upliftModel.rows * modelUplift + priorCount * priorUplift) / (upliftModel.rows + priorCount),
        n: upliftModel.rows + priorCount,
        source: upliftModel.version,
      };
    }
    const value = variant.products.find((p) => p.price !== undefined)?.price ?? audience.avgOrderValue ?? 1;
    const upliftSd = Math.sqrt((Math.abs(uplift.p) * (1 - Math.abs(uplift.p))) / (uplift.n + 1)) * 2;
    const reasons = ctrModel
      ? ctrModel.model
          .contributions(row)
          .filter((c) => names.has(c.index))
          .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
          .slice(0, 5)
          .map((c) => {
            const feature = names.get(c.index) ?? String(c.index);
            return {
              feature,
              effect: round(c.contribution, 3),
              text: `${readableFeature(feature)} (${c.contribution >= 0 ? 'raises' : 'lowers'} the click odds)`,
            };
          })
      : priorReasons(variant, audience);
    return {
      variantId: variant.variantId ?? `v${i + 1}`,
      ctr: estimate(ctr.p, ctr.n),
      cvr: estimate(cvr.p, cvr.n),
      expectedValue: round(ctr.p * cvr.p * value, 4),
      uplift: {
        p: round(uplift.p, 6),
        low: round(uplift.p - 1.96 * upliftSd, 6),
        high: round(uplift.p + 1.96 * upliftSd, 6),
      },
      send: uplift.p > 0,
      source: { ctr: ctr.source, cvr: cvr.source, uplift: uplift.source },
      reasons,
    };
  });
  return { audience: { segmentId: audience.segmentId, tier: audience.tier ?? null }, predictions };
}

/** A serving model's probability, through its calibrator when it has one. */
function calibrated(serving: Serving | undefined, row: SparseRow): number {
  if (!serving) return 0;
  const p = serving.model.predict(row);
  return serving.calibrator ? serving.calibrator.apply(p) : p;
}

function priorReasons(variant: VariantInput, audience: Audience): Reason[] {
  const tier = audience.tier ?? 'unknown';
  return [
    {
      feature: `channel=${variant.channel}`,
      effect: 0,
      text: `no trained click model yet: the prior for ${variant.channel} messages`,
    },
    {
      feature: `tier=${tier}`,
      effect: 0,
      text: `scaled for the ${tier} RFM tier (${tierPriors[tier]?.response ?? 1}× the average response)`,
    },
  ];
}
