import { generateBodySchema } from '../../../functions/generate/schema';
import { type Campaign, emptyCounter, type Variant } from '../../../functions/optimize/records';
import {
  type BreedArm,
  buildChallengerJob,
  challengerSeed,
  toneRecords,
  traitsOf,
} from '../../../functions/optimize/reoptimize/challengers';
import { campaignBodySchema } from '../../../functions/optimize/schema';

const campaignOf = (overrides: Record<string, unknown> = {}): Campaign => ({
  campaignId: 'c1',
  spec: campaignBodySchema.parse({
    name: 'spring',
    goal: 'promotion',
    channel: 'push',
    language: 'en',
    productIds: ['p1', 'p2'],
    mustInclude: ['ACME'],
    mustAvoid: ['cheap'],
    ...overrides,
  }),
  status: 'active',
  createdAt: '2025-03-01T00:00:00Z',
  updatedAt: '2025-03-01T00:00:00Z',
});

const variant = (variantId: string, copy: Partial<Variant> = {}): Variant => ({
  campaignId: 'c1',
  segmentId: 's1',
  variantId,
  kind: 'generated',
  status: 'active',
  headline: 'New ACME totes are in',
  body: 'Meet the ACME Tote at 35.',
  callToAction: 'Shop now',
  tone: 'friendly',
  factsUsed: [],
  products: [{ productId: 'p1', category: 'bags', price: 35 }],
  prior: { alpha: 1, beta: 49 },
  createdAt: '2025-03-01T00:00:00Z',
  ...copy,
});

const arm = (v: Variant, sends: number, clicks: number): BreedArm => ({
  variant: v,
  counter: { ...emptyCounter(v.segmentId, v.variantId), sends, clicks },
});

describe('traits of copy', () => {
  it('reads the angles, length and call to action of discount copy with urgency', () => {
    const traits = traitsOf(
      {
        headline: 'Ends today: 20% off ACME totes?',
        body: 'Our tote 🎒 is 35.',
        callToAction: 'Shop now',
        tone: 'urgent',
      },
      'push',
      'en',
    );
    expect(traits.angles).toEqual(['discount', 'question', 'number', 'emoji', 'urgency']);
    expect(traits.length).toBe('short');
    expect(traits.tone).toBe('urgent');
    expect(traits.ctaTerm).toBe('Shop now');
  });

  it('finds no angle in plain copy, a long body, and no term for a long call to action', () => {
    const traits = traitsOf(
      {
        headline: 'Meet the tote',
        body: 'x'.repeat(110),
        callToAction: 'See the whole collection here',
        tone: 'calm',
      },
      'push',
      'en',
    );
    expect(traits.angles).toEqual([]);
    expect(traits.length).toBe('long');
    expect(traits.ctaTerm).toBeNull();
  });

  it('keeps a short Chinese call to action as a term', () => {
    const traits = traitsOf(
      { headline: '限时优惠', body: '新品上架', callToAction: '立即购买', tone: '亲切' },
      'sms',
      'zh',
    );
    expect(traits.angles).toEqual(expect.arrayContaining(['discount', 'urgency']));
    expect(traits.ctaTerm).toBe('立即购买');
  });
});

describe('challenger jobs', () => {
  const leader = variant('lead', { tone: 'playful', callToAction: 'Grab it' });
  const other = variant('other', { tone: 'playful' });

  it('breeds a valid generation request from the leader: its products, tone and call to action', () => {
    const built = buildChallengerJob({
      runId: 'opt-1',
      campaign: campaignOf(),
      segmentId: 's1',
      leader: arm(leader, 500, 60),
      arms: [arm(leader, 500, 60), arm(other, 500, 20)],
      activeArms: 3,
    });
    if (!('job' in built)) throw new Error(built.skipped);
    const { job } = built;
    expect(job.parents).toEqual(['lead']);
    expect(job.traits.callToAction).toBe('Grab it');
    const body = generateBodySchema.parse(job.generate);
    expect(body).toMatchObject({
      segmentId: 's1',
      productIds: ['p1', 'p2'],
      goal: 'promotion',
      channel: 'push',
      language: 'en',
      tone: 'playful',
      variants: 1,
      mustInclude: ['ACME', 'Grab it'],
      mustAvoid: ['cheap'],
      seed: challengerSeed('opt-1', 'c1', 's1'),
    });
  });

  it('derives the seed from the run: the same run gives the same seed, another run another', () => {
    expect(challengerSeed('opt-1', 'c1', 's1')).toBe(challengerSeed('opt-1', 'c1', 's1'));
    expect(challengerSeed('opt-2', 'c1', 's1')).not.toBe(challengerSeed('opt-1', 'c1', 's1'));
  });

  it('takes the tone that did best across the segment when it beats the leader’s, naming both parents', () => {
    const calm1 = variant('calm1', { tone: 'calm' });
    const calm2 = variant('calm2', { tone: 'Calm' });
    const arms = [arm(leader, 300, 30), arm(calm1, 400, 60), arm(calm2, 400, 50), arm(other, 400, 10)];
    expect(toneRecords(arms, 'click')[0]).toMatchObject({
      tone: 'calm',
      trials: 800,
      successes: 110,
      best: 'calm1',
    });
    const built = buildChallengerJob({
      runId: 'opt-1',
      campaign: campaignOf(),
      segmentId: 's1',
      leader: arms[0]!,
      arms,
      activeArms: 4,
    });
    if (!('job' in built)) throw new Error(built.skipped);
    expect(built.job.generate.tone).toBe('calm');
    expect(built.job.parents).toEqual(['lead', 'calm1']);
  });

  it('skips a leader with too little evidence', () => {
    const built = buildChallengerJob({
      runId: 'opt-1',
      campaign: campaignOf(),
      segmentId: 's1',
      leader: arm(leader, 99, 20),
      arms: [arm(leader, 99, 20)],
      activeArms: 2,
    });
    expect(built).toEqual({ skipped: expect.stringMatching(/99 trials; 100 needed/) });
  });

  it('skips a segment that already has the most active arms', () => {
    const built = buildChallengerJob({
      runId: 'opt-1',
      campaign: campaignOf(),
      segmentId: 's1',
      leader: arm(leader, 500, 60),
      arms: [arm(leader, 500, 60)],
      activeArms: 6,
    });
    expect(built).toEqual({ skipped: expect.stringMatching(/6 active arms/) });
  });

  it('asks a category campaign for its stand-in product, and `all` for no segment', () => {
    const built = buildChallengerJob({
      runId: 'opt-1',
      campaign: campaignOf({ productIds: undefined, category: 'bags' }),
      segmentId: 'all',
      leader: arm(variant('lead', { segmentId: 'all' }), 500, 60),
      arms: [],
      activeArms: 2,
    });
    if (!('job' in built)) throw new Error(built.skipped);
    const body = generateBodySchema.parse(built.job.generate);
    expect(body.segmentId).toBeUndefined();
    expect(body.productIds).toBeUndefined();
    expect(body.products).toEqual([expect.objectContaining({ productId: 'category:bags', price: 0 })]);
  });
});
