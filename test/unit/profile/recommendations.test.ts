import { mulberry32 } from '../../../core/random';
import {
  countSegmentBuyers,
  fitRecommendationModel,
  type PurchaseHistory,
  purchaseHistories,
  reasonOf,
  recommendShard,
  type SegmentProductCounts,
  segmentPicks,
} from '../../../functions/profile/recommendations';

const DAY = 86_400_000;
const now = Date.UTC(2024, 5, 1);

/** 80 users in two taste groups over 150 days; products P00..P29, categories by tens. */
function histories(seed: number): PurchaseHistory[] {
  const random = mulberry32(seed);
  return Array.from({ length: 80 }, (_, u) => {
    const group = u % 2;
    const purchases: Array<[string, number, string]> = [];
    for (let order = 0; order < 8; order++) {
      const day = now / DAY - 150 + Math.floor(random() * 150);
      const item = group * 10 + Math.floor(random() * 10);
      purchases.push([`P${String(item).padStart(2, '0')}`, day, `c${Math.floor(item / 10)}`]);
      if (random() < 0.4) purchases.push([`P2${Math.floor(random() * 10)}`, day, 'c2']);
    }
    return { userId: `U${u}`, purchases };
  });
}

describe('recommendations in the profiling run', () => {
  const all = histories(1);
  const model = fitRecommendationModel(all, now, { seed: 3, factors: 4, iterations: 4 })!;

  it('extracts purchase histories of products only, without guests or future events', () => {
    const rows = purchaseHistories(
      [
        {
          userId: 'a',
          type: 'purchase',
          productId: 'X',
          timestamp: '2024-05-01T00:00:00Z',
          category: 'mugs',
        },
        {
          userId: 'a',
          type: 'purchase',
          productId: 'POST',
          timestamp: '2024-05-01T00:00:00Z',
          category: 'non-product',
        },
        { userId: 'a', type: 'view', productId: 'Y', timestamp: '2024-05-01T00:00:00Z' },
        { userId: 'a', type: 'purchase', productId: 'Z', timestamp: '2024-07-01T00:00:00Z' },
        { userId: 'a', type: 'purchase', productId: 'Q', timestamp: '2024-05-01T00:00:00Z', quantity: -1 },
        { userId: 'guest', type: 'purchase', productId: 'X', timestamp: '2024-05-01T00:00:00Z' },
      ],
      now,
      (id) => id === 'guest',
    );
    expect(rows).toEqual([
      { userId: 'a', purchases: [['X', Date.parse('2024-05-01T00:00:00Z') / DAY, 'mugs']] },
    ]);
  });

  it('stores a model that survives JSON and lists each user’s products by stable id', () => {
    const stored = JSON.parse(JSON.stringify(model));
    const lists = recommendShard(stored, all.slice(0, 10), 5);
    expect(lists.size).toBe(10);
    const first = lists.get('U0')!;
    expect(first.recommendations).toHaveLength(5);
    for (const r of first.recommendations) expect(model.productIds).toContain(r.productId);
    expect(first.interest.length).toBeGreaterThan(0);
    expect(first.interest.reduce((s, x) => s + x.probability, 0)).toBeLessThanOrEqual(1.001);
    // The same lists again from the same stored model: deterministic.
    expect(recommendShard(stored, all.slice(0, 10), 5)).toEqual(lists);
  });

  it('never lists a purchased product among the discoveries', () => {
    const lists = recommendShard(model, all, 8);
    for (const h of all) {
      const bought = new Set(h.purchases.map((p) => p[0]));
      for (const r of lists.get(h.userId)!.discover) expect(bought.has(r.productId)).toBe(false);
    }
  });

  it('folds in a user the fit never saw', () => {
    const newcomer: PurchaseHistory = { userId: 'new', purchases: [['P01', now / DAY - 3, 'c0']] };
    const list = recommendShard(model, [newcomer], 5).get('new')!;
    const discoveries = list.discover.map((r) => Number(r.productId.slice(1)));
    // Mostly the newcomer's own group (products 0–9) or everyone's (20–29), not group 1's.
    expect(discoveries.filter((p) => p >= 10 && p < 20).length).toBeLessThanOrEqual(1);
  });

  it('merges segment buyer counts into each segment’s picks', () => {
    const a: SegmentProductCounts = {};
    const b: SegmentProductCounts = {};
    countSegmentBuyers(a, 's1', {
      userId: 'x',
      purchases: [
        ['A', 1, 'c'],
        ['A', 2, 'c'],
        ['B', 2, 'c'],
      ],
    });
    countSegmentBuyers(b, 's1', { userId: 'y', purchases: [['B', 1, 'c']] });
    countSegmentBuyers(b, 's2', { userId: 'z', purchases: [['C', 1, 'c']] });
    expect(segmentPicks([a, b], 5)).toEqual({
      s1: [
        { productId: 'B', buyers: 2 },
        { productId: 'A', buyers: 1 },
      ],
      s2: [{ productId: 'C', buyers: 1 }],
    });
  });

  it('words each reason', () => {
    const title = (id: string) => (id === 'A' ? 'Red mug' : '');
    expect(reasonOf({ source: 'history', becauseProductId: 'A' }, title)).toBe('you bought Red mug');
    expect(reasonOf({ source: 'neighbours', becauseProductId: 'B' }, title)).toBe(
      'people who bought B also bought this',
    );
    expect(reasonOf({ source: 'segment' }, title)).toBe('popular in your segment');
  });

  it('has nothing to fit without purchases', () => {
    expect(fitRecommendationModel([], now, { seed: 1 })).toBeNull();
  });
});
