import { channelPriors, predict, priorCount } from '../../../functions/predict/core';
import type { Audience } from '../../../functions/predict/features';
import { variantRow } from '../../../functions/predict/features';
import { FtrlLogisticRegression } from '../../../functions/predict/kernels/ftrl';
import type { Serving } from '../../../functions/predict/registry';
import { predictBodySchema } from '../../../functions/predict/schema';

const bits = 12;
const audience: Audience = {
  segmentId: 'seg-1',
  tier: 'loyal',
  priceBand: 'mid',
  topCategory: 'bags',
  recencyDays: 10,
  frequency: 5,
  avgOrderValue: 40,
};
const input = predictBodySchema.parse({
  userId: 'u1',
  variants: [
    {
      headline: 'New bags are in',
      goal: 'new_arrival',
      channel: 'push',
      language: 'en',
      products: [{ productId: 'p1', category: 'bags', price: 30 }],
    },
    { headline: '20% off all bags', goal: 'promotion', channel: 'email', language: 'en' },
  ],
});

describe('predict', () => {
  it('answers priors for the channel and tier while no model serves, with reasons saying so', async () => {
    const result = await predict(input, {
      audience: async () => audience,
      serving: async () => undefined,
      bits,
    });
    const [push, email] = result.predictions;
    expect(push?.ctr.p).toBeCloseTo(channelPriors.push.ctr * 1.3, 5);
    expect(email?.ctr.p).toBeCloseTo(channelPriors.email.ctr * 1.3, 5);
    expect(push?.ctr.low).toBeLessThan(push?.ctr.p ?? 0);
    expect(push?.ctr.high).toBeGreaterThan(push?.ctr.p ?? 1);
    expect(push?.source).toEqual({ ctr: 'prior', cvr: 'prior', uplift: 'prior' });
    expect(push?.expectedValue).toBeCloseTo((push?.ctr.p ?? 0) * (push?.cvr.p ?? 0) * 30, 4);
    expect(push?.uplift.p).toBeGreaterThan(0);
    expect(push?.reasons[0]?.text).toMatch(/no trained click model/);
  });

  it('moves from the prior toward a trained model as its evidence grows, and explains with features', async () => {
    const model = new FtrlLogisticRegression({ bits });
    const row = variantRow(input.variants[0]!, audience, { treated: 1 }, bits);
    for (let i = 0; i < 300; i++) model.update(row, 1);
    const score = model.predict(row);
    const withRows = async (rows: number) =>
      (
        await predict(input, {
          audience: async () => audience,
          serving: async (name) =>
            name === 'ctr' ? ({ version: 'v1', model, rows } satisfies Serving) : undefined,
          bits,
        })
      ).predictions[0]!;
    const little = await withRows(10);
    const lots = await withRows(1_000_000);
    const prior = channelPriors.push.ctr * 1.3;
    expect(little.ctr.p).toBeCloseTo((10 * score + priorCount * prior) / (10 + priorCount), 4);
    expect(Math.abs(lots.ctr.p - score)).toBeLessThan(0.001);
    expect(lots.ctr.high - lots.ctr.low).toBeLessThan(little.ctr.high - little.ctr.low);
    expect(lots.source.ctr).toBe('v1');
    expect(lots.reasons.length).toBeGreaterThan(0);
    expect(lots.reasons[0]?.text).toMatch(/raises the click odds/);
  });

  it('refuses a request with neither a user nor a segment', () => {
    expect(predictBodySchema.safeParse({ variants: input.variants }).success).toBe(false);
  });
});
