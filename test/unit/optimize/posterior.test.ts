import {
  armPosterior,
  betaCdf,
  betaQuantile,
  posteriorInterval,
  segmentArms,
} from '../../../functions/optimize/posterior';
import {
  type Campaign,
  type CampaignState,
  type Counter,
  emptyCounter,
  type Variant,
} from '../../../functions/optimize/records';
import { campaignBodySchema } from '../../../functions/optimize/schema';

const variant = (segmentId: string, variantId: string, extra: Partial<Variant> = {}): Variant => ({
  campaignId: 'c1',
  segmentId,
  variantId,
  kind: variantId === 'control' ? 'control' : 'generated',
  status: 'active',
  headline: '',
  body: '',
  callToAction: '',
  tone: 'friendly',
  factsUsed: [],
  products: [],
  prior: { alpha: 1, beta: 19 },
  createdAt: '2025-01-01T00:00:00Z',
  ...extra,
});

const counter = (segmentId: string, variantId: string, extra: Partial<Counter>): Counter => ({
  ...emptyCounter(segmentId, variantId),
  ...extra,
});

describe('armPosterior', () => {
  it('adds clicks to alpha and max(sends, impressions) − clicks to beta for the click objective', () => {
    const arm = armPosterior(
      variant('s', 'v1'),
      counter('s', 'v1', { sends: 100, impressions: 80, clicks: 7, conversions: 2 }),
      'click',
    );
    expect(arm).toEqual({ id: 'v1', alpha: 8, beta: 19 + 93 });
  });

  it('uses conversions and impressions when impressions exceed sends for the conversion objective', () => {
    const arm = armPosterior(
      variant('s', 'v1'),
      counter('s', 'v1', { sends: 10, impressions: 50, clicks: 7, conversions: 3 }),
      'conversion',
    );
    expect(arm).toEqual({ id: 'v1', alpha: 4, beta: 19 + 47 });
  });

  it('never lets failures go below zero when successes outnumber trials', () => {
    const arm = armPosterior(variant('s', 'v1'), counter('s', 'v1', { sends: 2, clicks: 5 }), 'click');
    expect(arm).toEqual({ id: 'v1', alpha: 6, beta: 19 });
  });
});

describe('segmentArms', () => {
  const spec = campaignBodySchema.parse({
    name: 'n',
    goal: 'promotion',
    channel: 'email',
    language: 'en',
    category: 'shoes',
    objective: 'conversion',
  });
  const campaign: Campaign = {
    campaignId: 'c1',
    spec,
    status: 'active',
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
  };
  const state: CampaignState = {
    campaign,
    variants: [
      variant('s1', 'control'),
      variant('s1', 'v1'),
      variant('s1', 'v2', { status: 'stopped' }),
      variant('s2', 'v1'),
    ],
    counters: [counter('s1', 'v1', { sends: 10, conversions: 2 }), counter('s2', 'v1', { sends: 99 })],
    snapshots: [],
  };

  it("returns the segment's active arms, control included, with the objective's posterior", () => {
    const arms = segmentArms(state, 's1');
    expect(arms.map((a) => a.variant.variantId)).toEqual(['control', 'v1']);
    expect(arms[1]!.arm).toEqual({ id: 'v1', alpha: 3, beta: 27 });
  });

  it('counts an arm without a counter as zero', () => {
    const control = segmentArms(state, 's1')[0]!;
    expect(control.counter).toEqual(emptyCounter('s1', 'control'));
    expect(control.arm).toEqual({ id: 'control', alpha: 1, beta: 19 });
  });

  it('returns nothing for a segment the campaign does not have', () => {
    expect(segmentArms(state, 'nope')).toEqual([]);
  });
});

describe('betaCdf and betaQuantile', () => {
  it('match the closed forms of Beta(a, 1) and Beta(1, b)', () => {
    // Beta(a, 1): F(x) = x^a; Beta(1, b): F(x) = 1 − (1 − x)^b.
    expect(betaCdf(0.3, 3, 1)).toBeCloseTo(0.027, 12);
    expect(betaCdf(0.3, 1, 4)).toBeCloseTo(1 - 0.7 ** 4, 12);
    expect(betaQuantile(0.025, 2, 1)).toBeCloseTo(Math.sqrt(0.025), 9);
    expect(betaQuantile(0.975, 1, 5)).toBeCloseTo(1 - 0.025 ** (1 / 5), 9);
  });

  it('is symmetric: I_x(a, b) = 1 − I_(1−x)(b, a)', () => {
    expect(betaCdf(0.12, 7.5, 40.2)).toBeCloseTo(1 - betaCdf(0.88, 40.2, 7.5), 12);
  });

  it('inverts the cdf for large shapes', () => {
    const q = betaQuantile(0.975, 1200, 98_800);
    expect(betaCdf(q, 1200, 98_800)).toBeCloseTo(0.975, 8);
  });
});

describe('posteriorInterval', () => {
  it('gives the exact central 95% interval with the mean inside', () => {
    const interval = posteriorInterval({ alpha: 1, beta: 1 });
    expect(interval.method).toBe('exact');
    expect(interval.mean).toBe(0.5);
    expect(interval.low).toBeCloseTo(0.025, 9);
    expect(interval.high).toBeCloseTo(0.975, 9);
  });

  it('is close to the normal approximation when the counts are large', () => {
    const a = 5000;
    const b = 45_000;
    const interval = posteriorInterval({ alpha: a, beta: b });
    const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
    expect(interval.low).toBeCloseTo(0.1 - 1.96 * sd, 4);
    expect(interval.high).toBeCloseTo(0.1 + 1.96 * sd, 4);
    expect(interval.high - interval.low).toBeLessThan(0.006);
  });
});
