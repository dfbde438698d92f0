import { NotFoundError, ValidationError } from '../../../core/errors';
import type { CampaignGenerateOutput } from '../../../functions/generate/campaign-task';
import { audienceOf } from '../../../functions/predict/audience';
import { campaignPredictOutputSchema, predictForSegment } from '../../../functions/predict/campaign-task';
import { channelPriors, type PredictPorts, tierPriors } from '../../../functions/predict/core';
import type { PredictInput } from '../../../functions/predict/schema';
import type { Segment } from '../../../functions/profile/segments';
import { TableProfileStore } from '../../../functions/profile/store';
import { MemoryTable } from '../../support/memory';

const generated = (segmentId: string, price = 35): CampaignGenerateOutput => ({
  segmentId,
  promptVersion: 'copy-v2',
  backend: 'tailor-embedded',
  seed: 1,
  variants: ['a', 'b'].map((id) => ({
    variantId: `var_${id}`,
    headline: `Headline ${id}`,
    body: `Body ${id}`,
    callToAction: 'Shop now',
    factsUsed: [],
    rendered: { channel: 'push', title: `Headline ${id}`, body: `Body ${id}` },
    checks: [{ rule: 'length', passed: true }],
  })),
  dropped: [],
  products: [{ productId: 'p1', category: 'bags', price }],
});

const task = (segmentId: string, price?: number) => ({
  segmentId,
  goal: 'promotion',
  channel: 'push',
  language: 'en',
  tone: 'playful',
  generated: generated(segmentId, price),
});

const segment = {
  segmentId: 'seg-1',
  label: { en: 'Champions', zh: '冠军' },
  tier: 'champions',
  priceBand: 'mid',
  topCategories: [{ category: 'bags', share: 0.5 }],
  averages: { recencyDays: 5, frequency: 10, monetary: 500, priceIndex: 1 },
} as unknown as Segment;

/** Prior-only predict ports over a profile store holding `seg-1`, recording each audience request. */
async function ports(seen: PredictInput[] = []): Promise<PredictPorts> {
  const profiles = new TableProfileStore(new MemoryTable());
  await profiles.replaceSegments([segment], 'run-1');
  return {
    audience: (input) => {
      seen.push(input);
      return audienceOf(input, profiles);
    },
    serving: async () => undefined,
    bits: 12,
  };
}

describe('predictForSegment', () => {
  it("scores every generated variant with the priors of the channel and the segment's tier", async () => {
    const seen: PredictInput[] = [];
    const out = await predictForSegment(task('seg-1'), await ports(seen));
    expect(out.segmentId).toBe('seg-1');
    expect(out.predictions.map((p) => p.variantId)).toEqual(['var_a', 'var_b']);
    for (const p of out.predictions) {
      expect(p.ctr.p).toBeCloseTo(channelPriors.push.ctr * tierPriors['champions']!.response, 5);
      expect(p.source).toEqual({ ctr: 'prior', cvr: 'prior', uplift: 'prior' });
      expect(p.expectedValue).toBeCloseTo(p.ctr.p * p.cvr.p * 35, 3);
    }
    expect(seen[0]).toMatchObject({ segmentId: 'seg-1' });
    expect(seen[0]?.variants[0]).toMatchObject({
      variantId: 'var_a',
      goal: 'promotion',
      channel: 'push',
      tone: 'playful',
      products: [{ productId: 'p1', category: 'bags', price: 35 }],
    });
    expect(campaignPredictOutputSchema.parse(JSON.parse(JSON.stringify(out)))).toEqual(out);
  });

  it('scores the all pseudo-segment as an audience without a segment', async () => {
    const seen: PredictInput[] = [];
    const out = await predictForSegment(task('all'), await ports(seen));
    expect(out.segmentId).toBe('all');
    expect(seen[0]).not.toHaveProperty('segmentId');
    expect(out.predictions[0]?.ctr.p).toBeCloseTo(
      channelPriors.push.ctr * tierPriors['unknown']!.response,
      5,
    );
  });

  it("values a category campaign's price-0 stand-in product at the segment's average order", async () => {
    const out = await predictForSegment(task('seg-1', 0), await ports());
    const p = out.predictions[0]!;
    expect(p.expectedValue).toBeCloseTo(p.ctr.p * p.cvr.p * (500 / 10), 3);
  });

  it('answers no predictions, without reading the audience, when no variant was kept', async () => {
    const seen: PredictInput[] = [];
    const input = { ...task('seg-1'), generated: { ...generated('seg-1'), variants: [] } };
    expect(await predictForSegment(input, await ports(seen))).toEqual({
      segmentId: 'seg-1',
      predictions: [],
    });
    expect(seen).toEqual([]);
  });

  it('throws NotFoundError for a segment the latest profiling run lacks', async () => {
    await expect(predictForSegment(task('seg-9'), await ports())).rejects.toThrow(NotFoundError);
  });

  it('throws ValidationError when the generated output is malformed', async () => {
    const input = { ...task('seg-1'), generated: { segmentId: 'seg-1', variants: 'none' } };
    await expect(predictForSegment(input, await ports())).rejects.toThrow(ValidationError);
  });
});
