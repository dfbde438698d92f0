import { mulberry32 } from '../../../core/random';
import { OwnHistory, purchaseLog } from '../../../functions/profile/kernels/history';
import { itemPopularity } from '../../../functions/profile/kernels/popularity';
import {
  blendFeatures,
  fitBlend,
  fitRecommender,
  RecommendScratch,
  recommend,
} from '../../../functions/profile/kernels/recommend';

/**
 * A small shop over 200 days: 4 taste groups of 10 items each plus 10 items everyone buys;
 * each user has a few favourites they buy again and again, and now and then tries another
 * item of their group.
 */
function shop(seed: number) {
  const random = mulberry32(seed);
  const users = 120;
  const items = 50;
  const u: number[] = [];
  const i: number[] = [];
  const d: number[] = [];
  for (let user = 0; user < users; user++) {
    const group = user % 4;
    const favourites = [0, 1, 2].map(() => group * 10 + Math.floor(random() * 10));
    for (let order = 0; order < 12; order++) {
      const day = Math.floor(random() * 200);
      for (const f of favourites) {
        if (random() < 0.6) {
          u.push(user);
          i.push(f);
          d.push(day);
        }
      }
      if (random() < 0.5) {
        u.push(user);
        i.push(group * 10 + Math.floor(random() * 10));
        d.push(day);
      }
      if (random() < 0.3) {
        u.push(user);
        i.push(40 + Math.floor(random() * 10));
        d.push(day);
      }
    }
  }
  return purchaseLog(users, items, u, i, d);
}

describe('the served recommender', () => {
  const log = shop(3);
  const options = { seed: 1, factors: 4, iterations: 5, neighbours: 10, validationDays: 50 };
  const model = fitRecommender(log, 200, options);

  it('gives the same lists for the same seed', () => {
    const again = fitRecommender(log, 200, options);
    for (const u of [0, 5, 77]) {
      expect(recommend(again, log, u, { limit: 10 })).toEqual(recommend(model, log, u, { limit: 10 }));
    }
  });

  it('never returns a purchased item when purchases are excluded', () => {
    const history = new OwnHistory(log.items);
    const scratch = new RecommendScratch(model.items, model.foldIn.factors);
    for (let u = 0; u < log.users; u++) {
      const list = recommend(model, log, u, { limit: 20, excludePurchased: true }, scratch);
      history.load(log, u, 200, 60);
      expect(list.length).toBeGreaterThan(0);
      for (const r of list) expect(history.has(r.item)).toBe(false);
    }
  });

  it('lists best first, within the limit, and explains each item by a signal', () => {
    const list = recommend(model, log, 9, { limit: 7 });
    expect(list).toHaveLength(7);
    for (let t = 1; t < list.length; t++) expect(list[t]!.score).toBeLessThanOrEqual(list[t - 1]!.score);
    const history = new OwnHistory(log.items).load(log, 9, 200, 60);
    for (const r of list) {
      if (r.source === 'history') {
        expect(history.has(r.item)).toBe(true);
        expect(r.because).toBe(r.item);
      } else {
        expect(history.has(r.item)).toBe(false);
        if (r.source === 'neighbours') expect(history.has(r.because)).toBe(true);
      }
    }
  });

  it('puts the items a user buys again and again first', () => {
    const history = new OwnHistory(log.items).load(log, 4, 200, 60);
    const mostBought = Array.from(history.itemList.subarray(0, history.size)).sort(
      (a, b) => history.count[b]! - history.count[a]!,
    )[0]!;
    const list = recommend(model, log, 4, { limit: 5 });
    expect(list.map((r) => r.item)).toContain(mostBought);
  });

  it('recommends discoveries from the user’s own taste group rather than another', () => {
    let inGroup = 0;
    let otherGroup = 0;
    for (let u = 0; u < log.users; u++) {
      for (const r of recommend(model, log, u, { limit: 3, excludePurchased: true })) {
        if (r.item >= 40) continue;
        if (Math.floor(r.item / 10) === u % 4) inGroup++;
        else otherGroup++;
      }
    }
    expect(inGroup).toBeGreaterThan(3 * otherGroup);
  });

  it('gives a user with no history the most popular items (or the segment popularity given)', () => {
    const empty = purchaseLog(1, log.items, [], [], []);
    const list = recommend(model, empty, 0, { limit: 5 });
    const byPopularity = Array.from(model.popularity, (p, i) => ({ p, i }))
      .sort((a, b) => b.p - a.p || a.i - b.i)
      .slice(0, 5)
      .map((x) => x.i);
    expect(list.map((r) => r.item)).toEqual(byPopularity);
    expect(list.every((r) => r.source === 'popularity')).toBe(true);
    // A segment's popularity: only the users of group 2.
    const segment = itemPopularity(log, 200, 60, (u) => u % 4 === 2).map(Math.log1p);
    const picks = recommend(model, empty, 0, { limit: 3, popularity: segment });
    for (const r of picks) expect(r.item >= 40 || Math.floor(r.item / 10) === 2).toBe(true);
  });
});

describe('the blend', () => {
  it('learns a positive weight for a feature that predicts the label and none for noise', () => {
    const random = mulberry32(2);
    const n = 4000;
    const F = blendFeatures.length;
    const rows = new Float64Array(n * F);
    const labels = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      for (let f = 0; f < F; f++) rows[r * F + f] = random();
      labels[r] = random() < 1 / (1 + Math.exp(-(6 * rows[r * F + 2]! - 3))) ? 1 : 0;
    }
    const blend = fitBlend(rows, labels);
    expect(blend.weights[2]!).toBeGreaterThan(1);
    for (let f = 0; f < F; f++) if (f !== 2) expect(Math.abs(blend.weights[f]!)).toBeLessThan(0.15);
  });
});
