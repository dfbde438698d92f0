import { ConflictError, NotFoundError } from '../../../core/errors';
import { mulberry32 } from '../../../core/random';
import { hourOf, inControl } from '../../../functions/optimize/assignment';
import { type Decision, type DecisionPorts, decide } from '../../../functions/optimize/decision/decide';
import { messageLinks, verifyLinkToken } from '../../../functions/optimize/links/token';
import {
  type Campaign,
  type CampaignStatus,
  CONTROL,
  type Variant,
  type VariantPrediction,
} from '../../../functions/optimize/records';
import { type CampaignSpec, campaignBodySchema } from '../../../functions/optimize/schema';
import { CampaignStore } from '../../../functions/optimize/store';
import { SuppressionStore } from '../../../functions/optimize/suppression/store';
import type { Profile } from '../../../functions/profile/store';
import { MemoryTable } from '../../support/memory';

const AT = '2025-03-10T09:30:00Z';

interface Fixture {
  store: CampaignStore;
  feedback: MemoryTable;
  ports: DecisionPorts;
}

function fixture(profiles: Record<string, string> = {}, extra: Partial<DecisionPorts> = {}): Fixture {
  const feedback = new MemoryTable(['eventId']);
  const store = new CampaignStore(new MemoryTable(), feedback);
  let id = 0;
  const ports: DecisionPorts = {
    store,
    profiles: {
      getProfile: async (userId) =>
        profiles[userId] === undefined
          ? undefined
          : ({ userId, segmentId: profiles[userId], runId: 'r1' } as Profile),
    },
    random: mulberry32(7),
    newId: () => `imp-${++id}`,
    impressionTtlDays: 30,
    stateCacheMs: 0,
    ...extra,
  };
  return { store, feedback, ports };
}

const specOf = (overrides: Record<string, unknown> = {}): CampaignSpec =>
  campaignBodySchema.parse({
    name: 'spring',
    goal: 'promotion',
    channel: 'email',
    language: 'en',
    category: 'shoes',
    controlShare: 0,
    frequencyCap: { count: 100, periodHours: 24 },
    ...overrides,
  });

const variant = (segmentId: string, variantId: string, extra: Partial<Variant> = {}): Variant => ({
  campaignId: 'c1',
  segmentId,
  variantId,
  kind: variantId === CONTROL ? 'control' : 'generated',
  status: 'active',
  headline: variantId === CONTROL ? '' : `Headline ${variantId}`,
  body: variantId === CONTROL ? '' : `Body ${variantId}`,
  callToAction: variantId === CONTROL ? '' : 'Shop now',
  tone: 'friendly',
  factsUsed: [],
  products: [],
  prior: { alpha: 1, beta: 19 },
  createdAt: '2025-03-01T00:00:00Z',
  ...extra,
});

const prediction = (send: boolean) => ({ send }) as VariantPrediction;

/** A campaign `c1` with the given spec, status and arms (a control arm in every segment). */
async function seed(
  { store }: Fixture,
  options: {
    spec?: Record<string, unknown>;
    status?: CampaignStatus;
    segments?: Record<string, string[]>;
    variants?: Variant[];
  } = {},
): Promise<Campaign> {
  const segments = options.segments ?? { s1: ['v1', 'v2'] };
  const campaign: Campaign = {
    campaignId: 'c1',
    spec: specOf(options.spec),
    status: options.status ?? 'active',
    createdAt: '2025-03-01T00:00:00Z',
    updatedAt: '2025-03-01T00:00:00Z',
    segments: Object.keys(segments).map((segmentId) => ({ segmentId })),
  };
  await store.createCampaign(campaign);
  await store.putVariants(
    options.variants ??
      Object.entries(segments).flatMap(([segmentId, ids]) => [
        variant(segmentId, CONTROL),
        ...ids.map((id) => variant(segmentId, id)),
      ]),
  );
  return campaign;
}

const counterOf = async (store: CampaignStore, segmentId: string, variantId: string) =>
  (await store.getState('c1')).counters.find((c) => c.segmentId === segmentId && c.variantId === variantId)!;

describe('decide: campaign state', () => {
  it('throws NotFoundError for an unknown campaign', async () => {
    const f = fixture();
    await expect(decide({ campaignId: 'nope', userId: 'u1' }, f.ports)).rejects.toThrow(NotFoundError);
  });

  it('throws ConflictError while the campaign is being created', async () => {
    const f = fixture({ u1: 's1' });
    await seed(f, { status: 'creating' });
    await expect(decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).rejects.toThrow(
      /still being created/,
    );
  });

  it('throws ConflictError when the campaign run failed', async () => {
    const f = fixture({ u1: 's1' });
    await seed(f, { status: 'failed' });
    await expect(decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).rejects.toThrow(ConflictError);
  });

  it.each([
    ['paused', 'paused'],
    ['ended', 'ended'],
  ] as const)('does not send while the campaign is %s, and records nothing', async (status, reason) => {
    const f = fixture({ u1: 's1' });
    await seed(f, { status });
    const decision = await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports);
    expect(decision).toEqual({ send: false, reason, campaignId: 'c1' });
    expect(f.feedback.items.size).toBe(0);
  });

  it('does not send before startAt nor from endAt on, and sends in between', async () => {
    const f = fixture({ u1: 's1' });
    await seed(f, { spec: { startAt: '2025-03-10T00:00:00Z', endAt: '2025-03-11T00:00:00Z' } });
    const at = (time: string) => decide({ campaignId: 'c1', userId: 'u1', at: time }, f.ports);
    expect((await at('2025-03-09T23:59:59Z')).reason).toBe('not-started');
    expect((await at('2025-03-11T00:00:00Z')).reason).toBe('ended');
    expect((await at('2025-03-10T12:00:00+02:00')).send).toBe(true);
  });

  it('stops sending once the budget of message sends is spent, control sends not counted', async () => {
    const f = fixture({ u1: 's1' });
    await seed(f, { spec: { budget: { maxSends: 5 } } });
    await f.store.count('c1', 's1', CONTROL, { sends: 50 });
    await f.store.count('c1', 's1', 'v1', { sends: 3 });
    await f.store.count('c1', 's1', 'v2', { sends: 1 });
    expect((await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).send).toBe(true);
    expect(await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).toEqual({
      send: false,
      reason: 'budget-spent',
      campaignId: 'c1',
    });
  });
});

describe('decide: audience and segment', () => {
  it("uses the profile's segment when the campaign targets it", async () => {
    const f = fixture({ u1: 's2' });
    await seed(f, { segments: { s1: ['v1'], s2: ['v9'], all: ['v5'] } });
    const decision = await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports);
    expect(decision).toMatchObject({ send: true, segmentId: 's2', variantId: 'v9' });
  });

  it('falls back to `all` for a user without a targeted segment or without a profile', async () => {
    const f = fixture({ u1: 's7' });
    await seed(f, { segments: { s1: ['v1'], all: ['v5'] } });
    for (const userId of ['u1', 'no-profile']) {
      const decision = await decide({ campaignId: 'c1', userId, at: AT }, f.ports);
      expect(decision).toMatchObject({ send: true, segmentId: 'all', variantId: 'v5' });
    }
  });

  it('does not send to a user whose segment is not targeted when there is no `all` segment', async () => {
    const f = fixture({ u1: 's7' });
    await seed(f, { spec: { audience: { kind: 'segments', segmentIds: ['s1'] } } });
    expect(await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).toEqual({
      send: false,
      reason: 'not-in-audience',
      campaignId: 'c1',
    });
    expect((await decide({ campaignId: 'c1', userId: 'no-profile', at: AT }, f.ports)).reason).toBe(
      'not-in-audience',
    );
  });

  it('does not send to a user missing from a users audience, even with a targeted profile', async () => {
    const f = fixture({ u1: 's1', u2: 's1' });
    await seed(f, { spec: { audience: { kind: 'users', userIds: ['u1'] } } });
    expect((await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).send).toBe(true);
    expect((await decide({ campaignId: 'c1', userId: 'u2', at: AT }, f.ports)).reason).toBe(
      'not-in-audience',
    );
  });

  it('reads a userList audience through the userList port, once per key', async () => {
    let reads = 0;
    const f = fixture(
      {},
      {
        userList: async (key) => {
          reads++;
          expect(key).toBe('lists/decision-test.txt');
          return ['u1', 'u3'];
        },
      },
    );
    await seed(f, {
      spec: { audience: { kind: 'userList', key: 'lists/decision-test.txt' } },
      segments: { all: ['v1'] },
    });
    expect((await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).send).toBe(true);
    expect((await decide({ campaignId: 'c1', userId: 'u2', at: AT }, f.ports)).reason).toBe(
      'not-in-audience',
    );
    expect((await decide({ campaignId: 'c1', userId: 'u3', at: AT }, f.ports)).send).toBe(true);
    expect(reads).toBe(1);
  });

  it('answers no-variants when every message arm of the segment is stopped', async () => {
    const f = fixture({ u1: 's1' });
    await seed(f, { variants: [variant('s1', CONTROL), variant('s1', 'v1', { status: 'stopped' })] });
    expect((await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).reason).toBe('no-variants');
  });
});

describe('decide: control group', () => {
  it('holds out about controlShare of 5,000 users, the same users every time', async () => {
    const f = fixture();
    await seed(f, { spec: { controlShare: 0.2 }, segments: { all: ['v1', 'v2'] } });
    const users = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
    const held: boolean[] = [];
    for (const userId of users) {
      held.push((await decide({ campaignId: 'c1', userId, at: AT }, f.ports)).reason === 'control');
    }
    const share = held.filter(Boolean).length / users.length;
    // Binomial sd at n = 5,000, p = 0.2 is 0.0057; 0.02 is 3.5 sd.
    expect(Math.abs(share - 0.2)).toBeLessThan(0.02);
    for (const [i, userId] of users.slice(0, 300).entries()) {
      const again = await decide({ campaignId: 'c1', userId, at: AT }, f.ports);
      expect(again.reason === 'control').toBe(held[i]);
      expect(inControl('c1', userId, 0.2)).toBe(held[i]);
    }
  });

  it('records an impression on the control arm, counts a send on it and answers its id', async () => {
    const f = fixture();
    await seed(f, { spec: { controlShare: 0.5 }, segments: { all: ['v1'] } });
    const userId = Array.from({ length: 100 }, (_, i) => `u${i}`).find((u) => inControl('c1', u, 0.5))!;
    const decision = await decide({ campaignId: 'c1', userId, at: AT }, f.ports);
    expect(decision).toEqual({
      send: false,
      reason: 'control',
      campaignId: 'c1',
      segmentId: 'all',
      variantId: CONTROL,
      impressionId: 'imp-1',
    });
    expect(await f.store.getImpression('imp-1')).toMatchObject({
      variantId: CONTROL,
      userId,
      segmentId: 'all',
    });
    expect((await counterOf(f.store, 'all', CONTROL)).sends).toBe(1);
    expect((await counterOf(f.store, 'all', 'v1')).sends).toBe(0);
  });
});

describe('decide: frequency cap', () => {
  it('sends at most cap.count messages to a user per period, then again in the next period', async () => {
    const f = fixture({ u1: 's1', u2: 's1' });
    await seed(f, { spec: { frequencyCap: { count: 2, periodHours: 24 } } });
    const at = (userId: string, time: string) => decide({ campaignId: 'c1', userId, at: time }, f.ports);
    expect((await at('u1', '2025-03-10T01:00:00Z')).send).toBe(true);
    expect((await at('u1', '2025-03-10T02:00:00Z')).send).toBe(true);
    const third = await at('u1', '2025-03-10T03:00:00Z');
    expect(third).toEqual({ send: false, reason: 'frequency-cap', campaignId: 'c1', segmentId: 's1' });
    expect((await at('u2', '2025-03-10T03:00:00Z')).send).toBe(true);
    expect((await at('u1', '2025-03-11T01:00:00Z')).send).toBe(true);
    const s1 = (await f.store.getState('c1')).counters.filter((c) => c.variantId !== CONTROL);
    expect(s1.reduce((sum, c) => sum + c.sends, 0)).toBe(4);
  });
});

describe('decide: arm choice', () => {
  it('concentrates Thompson sampling on a clearly better arm once counts are in', async () => {
    const f = fixture();
    await seed(f, { segments: { all: ['v1', 'v2', 'v3'] } });
    await f.store.count('c1', 'all', 'v1', { sends: 2000, clicks: 40 });
    await f.store.count('c1', 'all', 'v2', { sends: 2000, clicks: 200 });
    await f.store.count('c1', 'all', 'v3', { sends: 2000, clicks: 60 });
    const shown: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const d = await decide({ campaignId: 'c1', userId: `u${i}`, at: AT }, f.ports);
      if (d.send) shown[d.variantId] = (shown[d.variantId] ?? 0) + 1;
      expect(d.reason).toBe('thompson');
    }
    expect(shown['v2']).toBeGreaterThanOrEqual(390);
  });

  it('explores every arm while there are no counts', async () => {
    const f = fixture();
    await seed(f, { segments: { all: ['v1', 'v2', 'v3'] } });
    const shown = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const d = await decide({ campaignId: 'c1', userId: `u${i}`, at: AT }, f.ports);
      if (d.send) shown.add(d.variantId);
    }
    expect(shown).toEqual(new Set(['v1', 'v2', 'v3']));
  });

  it('splits evenly, regardless of counts, with trafficSplit even', async () => {
    const f = fixture();
    await seed(f, { spec: { trafficSplit: 'even' }, segments: { all: ['v1', 'v2', 'v3'] } });
    await f.store.count('c1', 'all', 'v2', { sends: 2000, clicks: 900 });
    const shown: Record<string, number> = { v1: 0, v2: 0, v3: 0 };
    for (let i = 0; i < 3000; i++) {
      const d = await decide({ campaignId: 'c1', userId: `u${i}`, at: AT }, f.ports);
      expect(d.reason).toBe('even');
      if (d.send) shown[d.variantId]! += 1;
    }
    // Each share ~ 1/3 with sd 0.0086 at n = 3,000.
    for (const n of Object.values(shown)) expect(Math.abs(n / 3000 - 1 / 3)).toBeLessThan(0.035);
  });
});

describe('decide: uplift', () => {
  const arms = (send: boolean) => [
    variant('all', CONTROL),
    variant('all', 'v1', { prediction: prediction(send) }),
    variant('all', 'v2', { prediction: prediction(send) }),
  ];

  it('does not send when every arm is predicted not to help and there is no evidence', async () => {
    const f = fixture();
    await seed(f, { segments: { all: [] }, variants: arms(false) });
    expect(await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).toEqual({
      send: false,
      reason: 'no-uplift',
      campaignId: 'c1',
      segmentId: 'all',
    });
    expect(f.feedback.items.size).toBe(0);
  });

  it('sends when one arm is predicted to help', async () => {
    const f = fixture();
    const variants = arms(false);
    variants[2] = variant('all', 'v2', { prediction: prediction(true) });
    await seed(f, { segments: { all: [] }, variants });
    expect((await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).send).toBe(true);
  });

  it('sends despite the predictions when observed conversions show that sending helps', async () => {
    const f = fixture();
    await seed(f, { segments: { all: [] }, variants: arms(false) });
    await f.store.count('c1', 'all', CONTROL, { sends: 300, conversions: 3 });
    await f.store.count('c1', 'all', 'v1', { sends: 150, conversions: 20 });
    await f.store.count('c1', 'all', 'v2', { sends: 150, conversions: 20 });
    expect((await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).send).toBe(true);
  });

  it('stops sending when observed conversions show that sending hurts', async () => {
    const f = fixture();
    await seed(f, { segments: { all: [] }, variants: arms(true) });
    await f.store.count('c1', 'all', CONTROL, { sends: 300, conversions: 30 });
    await f.store.count('c1', 'all', 'v1', { sends: 150, conversions: 2 });
    await f.store.count('c1', 'all', 'v2', { sends: 150, conversions: 3 });
    expect((await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).reason).toBe('no-uplift');
  });

  it('ignores the evidence below 200 sends on either side', async () => {
    const f = fixture();
    await seed(f, { segments: { all: [] }, variants: arms(true) });
    await f.store.count('c1', 'all', CONTROL, { sends: 199, conversions: 30 });
    await f.store.count('c1', 'all', 'v1', { sends: 300, conversions: 0 });
    expect((await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).send).toBe(true);
  });
});

describe('decide: recording', () => {
  it('records the impression, counts a send on the arm and in the hour of the decision', async () => {
    const f = fixture({ u1: 's1' });
    await seed(f, { segments: { s1: ['v1'] } });
    const decision = (await decide(
      { campaignId: 'c1', userId: 'u1', at: '2025-03-10T21:15:00+08:00' },
      f.ports,
    )) as Extract<Decision, { send: true }>;
    expect(decision).toEqual({
      send: true,
      reason: 'thompson',
      impressionId: 'imp-1',
      campaignId: 'c1',
      segmentId: 's1',
      variantId: 'v1',
      channel: 'email',
      headline: 'Headline v1',
      body: 'Body v1',
      callToAction: 'Shop now',
    });
    expect(await f.store.getImpression('imp-1')).toEqual({
      impressionId: 'imp-1',
      campaignId: 'c1',
      segmentId: 's1',
      variantId: 'v1',
      userId: 'u1',
      at: '2025-03-10T21:15:00+08:00',
    });
    expect((await counterOf(f.store, 's1', 'v1')).sends).toBe(1);
    expect((await f.store.hourCounts('c1'))['s1']).toMatchObject({ sends_21: 1 });
  });

  it('reuses the campaign state within the cache time', async () => {
    const f = fixture({ u1: 's1' }, { stateCacheMs: 60_000 });
    await seed(f);
    const getState = jest.spyOn(f.store, 'getState');
    await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports);
    await f.store.updateCampaign('c1', { status: 'paused' });
    expect((await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).send).toBe(true);
    expect(getState).toHaveBeenCalledTimes(1);
  });
});

describe('hourOf', () => {
  it('reads the hour as written in an ISO time, and the UTC hour of epoch milliseconds', () => {
    expect(hourOf('2025-03-10T21:15:00+08:00')).toBe(21);
    expect(hourOf('2025-03-10T07:00:00Z')).toBe(7);
    expect(hourOf(Date.parse('2025-03-10T05:59:59Z'))).toBe(5);
  });
});

describe('decide: suppression and tracked links', () => {
  const key = Buffer.from('k'.repeat(40));

  it('answers unsubscribed (or suppressed) before anything is counted, control included', async () => {
    const list = new SuppressionStore(new MemoryTable(), key);
    await list.suppress('u1', 'unsubscribe', new Date(AT), 'other-campaign');
    await list.suppress('u2', 'bounce', new Date(AT));
    const f = fixture(
      { u1: 's1', u2: 's1', u3: 's1' },
      { suppression: async (userId) => (await list.get(userId))?.reason },
    );
    await seed(f, { spec: { controlShare: 0.5 } });
    expect(await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports)).toEqual({
      send: false,
      reason: 'unsubscribed',
      campaignId: 'c1',
    });
    expect(await decide({ campaignId: 'c1', userId: 'u2', at: AT }, f.ports)).toMatchObject({
      send: false,
      reason: 'suppressed',
    });
    const counters = (await f.store.getState('c1')).counters;
    expect(counters.reduce((sum, c) => sum + c.sends, 0)).toBe(0);
    // Someone not on the list is decided as before.
    const other = await decide({ campaignId: 'c1', userId: 'u3', at: AT }, f.ports);
    expect(['thompson', 'control']).toContain(other.reason);
  });

  it('carries the signed links of the impression on a message, and none for the control', async () => {
    const f = fixture({ u1: 's1' }, { links: (ids) => messageLinks('https://api.example.test/', key, ids) });
    await seed(f);
    const sent = await decide({ campaignId: 'c1', userId: 'u1', at: AT }, f.ports);
    if (!sent.send) throw new Error('expected a send');
    expect(sent.links).toEqual(messageLinks('https://api.example.test', key, sent));
    const token = sent.links!.click.split('/r/')[1]!;
    expect(verifyLinkToken(token, key, 'click')).toEqual({
      kind: 'click',
      campaignId: 'c1',
      impressionId: sent.impressionId,
    });

    const controlled = Array.from({ length: 50 }, (_, i) => `u${i}`).find((id) => inControl('c1', id, 0.5))!;
    const g = fixture(
      { [controlled]: 's1' },
      { links: (ids) => messageLinks('https://api.example.test', key, ids) },
    );
    await seed(g, { spec: { controlShare: 0.5 } });
    const held = await decide({ campaignId: 'c1', userId: controlled, at: AT }, g.ports);
    expect(held).toMatchObject({ send: false, reason: 'control' });
    expect('links' in held).toBe(false);
  });
});
