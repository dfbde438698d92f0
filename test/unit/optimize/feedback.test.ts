import { mulberry32, Rng } from '../../../core/random';
import { acceptFeedback, type FeedbackPorts } from '../../../functions/optimize/feedback/accept';
import {
  type Campaign,
  CONTROL,
  type Counter,
  emptyCounter,
  type Variant,
} from '../../../functions/optimize/records';
import { campaignBodySchema, feedbackTypes } from '../../../functions/optimize/schema';
import { CampaignStore } from '../../../functions/optimize/store';
import { MemoryTable } from '../../support/memory';

const NOW = new Date('2025-03-10T12:00:00Z');

const variant = (segmentId: string, variantId: string): Variant => ({
  campaignId: 'c1',
  segmentId,
  variantId,
  kind: variantId === CONTROL ? 'control' : 'generated',
  status: 'active',
  headline: '',
  body: '',
  callToAction: '',
  tone: 'friendly',
  factsUsed: [],
  products: [],
  prior: { alpha: 1, beta: 19 },
  createdAt: '2025-03-01T00:00:00Z',
});

/** Campaign c1: segments s1 (control, v1, v2), s2 (control, v1, v3) and all (control, v1). */
async function fixture(): Promise<{ store: CampaignStore; feedback: MemoryTable; ports: FeedbackPorts }> {
  const feedback = new MemoryTable(['eventId']);
  const store = new CampaignStore(new MemoryTable(), feedback);
  const campaign: Campaign = {
    campaignId: 'c1',
    spec: campaignBodySchema.parse({
      name: 'n',
      goal: 'promotion',
      channel: 'push',
      language: 'en',
      category: 'x',
    }),
    status: 'active',
    createdAt: '2025-03-01T00:00:00Z',
    updatedAt: '2025-03-01T00:00:00Z',
  };
  await store.createCampaign(campaign);
  await store.putVariants([
    ...['control', 'v1', 'v2'].map((id) => variant('s1', id)),
    ...['control', 'v1', 'v3'].map((id) => variant('s2', id)),
    ...['control', 'v1'].map((id) => variant('all', id)),
  ]);
  await store.recordImpression(
    {
      impressionId: 'imp-1',
      campaignId: 'c1',
      segmentId: 's1',
      variantId: 'v2',
      userId: 'u1',
      at: '2025-03-09T20:05:00Z',
    },
    30,
  );
  return { store, feedback, ports: { store, now: () => NOW, ttlDays: 7 } };
}

const counterOf = async (store: CampaignStore, segmentId: string, variantId: string): Promise<Counter> =>
  (await store.getState('c1')).counters.find((c) => c.segmentId === segmentId && c.variantId === variantId)!;

describe('acceptFeedback: validation and resolution', () => {
  it('rejects invalid events with their index and a reason naming the field', async () => {
    const { ports } = await fixture();
    const result = await acceptFeedback(
      [
        { type: 'click', impressionId: 'imp-1' },
        { eventId: 'e2', type: 'like', impressionId: 'imp-1' },
        { eventId: 'e3', type: 'click', campaignId: 'c1' },
        { eventId: 'e4', type: 'conversion', impressionId: 'imp-1', value: -3 },
        'not an object',
        { eventId: 'e6', type: 'click', impressionId: 'imp-1' },
      ],
      ports,
    );
    expect(result.accepted).toBe(1);
    expect(result.rejected.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(result.rejected[0]!.reason).toMatch(/^eventId: /);
    expect(result.rejected[1]!.reason).toMatch(/^type: /);
    expect(result.rejected[2]!.reason).toMatch(
      /impressionId: give an impressionId, or a campaignId and a variantId/,
    );
    expect(result.rejected[3]!.reason).toMatch(/^value: /);
  });

  it('reports an unknown impression, campaign, variant or segment in `unknown`, storing nothing of them', async () => {
    const { ports, feedback } = await fixture();
    const before = feedback.items.size;
    const result = await acceptFeedback(
      [
        { eventId: 'e1', type: 'click', impressionId: 'imp-404' },
        { eventId: 'e2', type: 'click', campaignId: 'c404', variantId: 'v1' },
        { eventId: 'e3', type: 'click', campaignId: 'c1', variantId: 'v9' },
        { eventId: 'e4', type: 'click', campaignId: 'c1', variantId: 'v2', segmentId: 's2' },
        { eventId: 'e5', type: 'click', campaignId: 'c1', variantId: 'v2' },
      ],
      ports,
    );
    expect(result).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [],
      unknown: [
        { index: 0, reason: 'no impression imp-404' },
        { index: 1, reason: 'no campaign c404' },
        { index: 2, reason: 'no variant v9 in campaign c1' },
        { index: 3, reason: 'no variant v2 in segment s2 of campaign c1' },
      ],
    });
    expect(feedback.items.size).toBe(before + 1);
  });

  it("counts on the variant's only segment, else on `all`, else asks for the segment", async () => {
    const { ports, store } = await fixture();
    const v3 = await acceptFeedback(
      [{ eventId: 'e1', type: 'click', campaignId: 'c1', variantId: 'v3' }],
      ports,
    );
    const v1 = await acceptFeedback(
      [{ eventId: 'e2', type: 'click', campaignId: 'c1', variantId: 'v1' }],
      ports,
    );
    expect([v3.accepted, v1.accepted]).toEqual([1, 1]);
    expect((await counterOf(store, 's2', 'v3')).clicks).toBe(1);
    expect((await counterOf(store, 'all', 'v1')).clicks).toBe(1);
    expect((await counterOf(store, 's1', 'v1')).clicks).toBe(0);

    await store.putVariants([{ ...variant('s3', 'v5') }, { ...variant('s4', 'v5') }]);
    const ambiguous = await acceptFeedback(
      [{ eventId: 'e3', type: 'click', campaignId: 'c1', variantId: 'v5' }],
      ports,
    );
    expect(ambiguous.unknown).toEqual([
      { index: 0, reason: 'variant v5 of campaign c1 is in segments s3, s4: give the segmentId' },
    ]);
  });

  it('rejects an event whose campaign or variant contradicts its impression', async () => {
    const { ports } = await fixture();
    const result = await acceptFeedback(
      [{ eventId: 'e1', type: 'click', impressionId: 'imp-1', variantId: 'v1' }],
      ports,
    );
    expect(result.accepted).toBe(0);
    expect(result.rejected).toEqual([
      { index: 0, reason: 'variantId: v1 is not the variantId v2 of impression imp-1' },
    ]);
  });

  it('keeps the raw event with its arm and an expiry', async () => {
    const { ports, feedback } = await fixture();
    await acceptFeedback([{ eventId: 'e1', type: 'conversion', impressionId: 'imp-1', value: 20 }], ports);
    expect(feedback.items.get('FEEDBACK#e1')).toMatchObject({
      type: 'conversion',
      impressionId: 'imp-1',
      campaignId: 'c1',
      segmentId: 's1',
      variantId: 'v2',
      value: 20,
      receivedAt: NOW.toISOString(),
      expiresAt: NOW.getTime() / 1000 + 7 * 86_400,
    });
  });
});

describe('acceptFeedback: counting', () => {
  it('sums conversion values and ignores a value on other types', async () => {
    const { ports, store } = await fixture();
    await acceptFeedback(
      [
        { eventId: 'e1', type: 'conversion', impressionId: 'imp-1', value: 12.5 },
        { eventId: 'e2', type: 'conversion', impressionId: 'imp-1', value: 30.25 },
        { eventId: 'e3', type: 'conversion', impressionId: 'imp-1' },
        { eventId: 'e4', type: 'click', impressionId: 'imp-1', value: 99 },
        { eventId: 'e5', type: 'unsubscribe', impressionId: 'imp-1' },
        { eventId: 'e6', type: 'impression', impressionId: 'imp-1' },
      ],
      ports,
    );
    expect(await counterOf(store, 's1', 'v2')).toEqual({
      ...emptyCounter('s1', 'v2'),
      impressions: 1,
      clicks: 1,
      conversions: 3,
      value: 42.75,
      unsubscribes: 1,
    });
  });

  it("counts in the impression's hour, else in the event's", async () => {
    const { ports, store } = await fixture();
    await acceptFeedback(
      [
        { eventId: 'e1', type: 'click', impressionId: 'imp-1', timestamp: '2025-03-10T08:00:00Z' },
        {
          eventId: 'e2',
          type: 'click',
          campaignId: 'c1',
          variantId: 'v3',
          timestamp: '2025-03-10T08:00:00Z',
        },
      ],
      ports,
    );
    const hours = await store.hourCounts('c1');
    expect(hours['s1']).toMatchObject({ clicks_20: 1 });
    expect(hours['s2']).toMatchObject({ clicks_8: 1 });
  });

  it('counts an event id once across requests and within one, reporting the others as duplicates', async () => {
    const { ports, store } = await fixture();
    const click = { eventId: 'e1', type: 'click', impressionId: 'imp-1' };
    expect(await acceptFeedback([click, click], ports)).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(await acceptFeedback([click], ports)).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await counterOf(store, 's1', 'v2')).clicks).toBe(1);
  });

  it('counts once when the same event is posted 20 times concurrently', async () => {
    const { ports, store } = await fixture();
    const conversion = { eventId: 'e1', type: 'conversion', impressionId: 'imp-1', value: 5 };
    const results = await Promise.all(Array.from({ length: 20 }, () => acceptFeedback([conversion], ports)));
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(1);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(19);
    const counter = await counterOf(store, 's1', 'v2');
    expect([counter.conversions, counter.value]).toEqual([1, 5]);
  });

  it('keeps every counter exact over 3,000 random events with resends and concurrent batches', async () => {
    const { ports, store } = await fixture();
    const rng = new Rng(11);
    const random = mulberry32(12);
    const arms = [
      ['s1', 'control'],
      ['s1', 'v1'],
      ['s1', 'v2'],
      ['s2', 'control'],
      ['s2', 'v1'],
      ['s2', 'v3'],
      ['all', 'v1'],
    ] as const;
    // One impression per arm, so events reach arms both ways.
    for (const [i, [segmentId, variantId]] of arms.entries()) {
      await store.recordImpression(
        {
          impressionId: `i${i}`,
          campaignId: 'c1',
          segmentId,
          variantId,
          userId: `u${i}`,
          at: NOW.toISOString(),
        },
        30,
      );
    }
    const sent: Array<Record<string, unknown>> = [];
    const expected = new Map<string, Counter>();
    const fields = {
      impression: 'impressions',
      click: 'clicks',
      conversion: 'conversions',
      unsubscribe: 'unsubscribes',
    } as const;
    const add = (event: Record<string, unknown>, segmentId: string, variantId: string) => {
      const key = `${segmentId}#${variantId}`;
      const c: { -readonly [K in keyof Counter]: Counter[K] } = {
        ...(expected.get(key) ?? emptyCounter(segmentId, variantId)),
      };
      c[fields[event['type'] as keyof typeof fields]] += 1;
      if (event['type'] === 'conversion') c.value += Number(event['value'] ?? 0);
      expected.set(key, c);
    };
    const batches: unknown[][] = [];
    for (let n = 0; n < 3000; ) {
      const batch: unknown[] = [];
      for (let size = 1 + rng.int(20); size > 0 && n < 3000; size--) {
        if (sent.length > 0 && random() < 0.1) {
          batch.push(rng.pick(sent));
          continue;
        }
        const a = rng.int(arms.length);
        const [segmentId, variantId] = arms[a]!;
        const type = rng.pick(feedbackTypes);
        const event: Record<string, unknown> = {
          eventId: `ev-${n++}`,
          type,
          ...(type === 'conversion' && random() < 0.8 ? { value: rng.int(400) / 4 } : {}),
          ...(random() < 0.5
            ? { impressionId: `i${a}` }
            : {
                campaignId: 'c1',
                variantId,
                ...(variantId === 'v1' || variantId === 'control' ? { segmentId } : {}),
              }),
        };
        batch.push(event);
        sent.push(event);
        add(event, segmentId, variantId);
      }
      batches.push(batch);
    }
    let accepted = 0;
    for (let i = 0; i < batches.length; i += 8) {
      const results = await Promise.all(batches.slice(i, i + 8).map((batch) => acceptFeedback(batch, ports)));
      for (const r of results) {
        expect(r.rejected).toEqual([]);
        expect(r.unknown).toEqual([]);
        accepted += r.accepted;
      }
    }
    expect(accepted).toBe(3000);
    const state = await store.getState('c1');
    for (const [segmentId, variantId] of arms) {
      const actual = state.counters.find((c) => c.segmentId === segmentId && c.variantId === variantId)!;
      expect(actual).toEqual(expected.get(`${segmentId}#${variantId}`) ?? emptyCounter(segmentId, variantId));
    }
  });
});
