import { mulberry32 } from '../../../core/random';
import { fitImplicitAls, foldInOf, foldInUser, scoreAllItems } from '../../../functions/profile/kernels/als';
import { csrFromTriples } from '../../../functions/profile/kernels/sparse';

/**
 * A planted rank-3 preference structure: user and item factors drawn at random, each user
 * "buys" the items with the highest true affinity; a fifth of each user's purchases is held
 * out to be found again.
 */
function planted(seed: number) {
  const random = mulberry32(seed);
  const users = 150;
  const items = 80;
  const rank = 3;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const U = Array.from({ length: users * rank }, gauss);
  const V = Array.from({ length: items * rank }, gauss);
  const train: Array<[number, number]> = [];
  const held: Array<Set<number>> = [];
  const liked: Array<Set<number>> = [];
  for (let u = 0; u < users; u++) {
    const affinity = Array.from({ length: items }, (_, i) => {
      let s = 0;
      for (let a = 0; a < rank; a++) s += U[u * rank + a]! * V[i * rank + a]!;
      return { i, s };
    }).sort((a, b) => b.s - a.s);
    const top = affinity.slice(0, 12).map((x) => x.i);
    liked.push(new Set(top));
    const out = new Set<number>();
    top.forEach((i, t) => {
      if (t % 5 === 0) out.add(i);
      else train.push([u, i]);
    });
    held.push(out);
  }
  const m = csrFromTriples(
    users,
    items,
    train.map((p) => p[0]),
    train.map((p) => p[1]),
    train.map(() => 1),
  );
  return { m, held, liked, users, items };
}

/** The share of (held-out positive, truly unliked item) pairs that the scores order correctly. */
function auc(scores: Float64Array, positives: Set<number>, liked: Set<number>): number {
  let good = 0;
  let pairs = 0;
  for (const p of positives) {
    for (let j = 0; j < scores.length; j++) {
      if (liked.has(j)) continue;
      pairs++;
      if (scores[p]! > scores[j]!) good++;
      else if (scores[p] === scores[j]) good += 0.5;
    }
  }
  return good / pairs;
}

describe('implicit ALS', () => {
  const data = planted(7);

  it('recovers planted low-rank structure: held-out purchases rank far above items the user does not like', () => {
    const model = fitImplicitAls(data.m, {
      factors: 3,
      iterations: 15,
      regularization: 0.1,
      alpha: 5,
      seed: 1,
    });
    const scores = new Float64Array(data.items);
    let total = 0;
    for (let u = 0; u < data.users; u++) {
      scoreAllItems(model.itemFactors, 3, model.userFactors.subarray(u * 3, u * 3 + 3), scores);
      total += auc(scores, data.held[u]!, data.liked[u]!);
    }
    expect(total / data.users).toBeGreaterThan(0.9);
  });

  it('never increases the objective from one iteration to the next', () => {
    const model = fitImplicitAls(data.m, { factors: 4, iterations: 8, seed: 3, trackLoss: true });
    expect(model.losses).toHaveLength(8);
    for (let t = 1; t < model.losses.length; t++) {
      expect(model.losses[t]!).toBeLessThanOrEqual(model.losses[t - 1]! * (1 + 1e-9));
    }
    expect(model.losses[7]!).toBeLessThan(model.losses[0]!);
  });

  it('gives the same factors for the same seed and different ones for another seed', () => {
    const a = fitImplicitAls(data.m, { factors: 4, iterations: 3, seed: 11 });
    const b = fitImplicitAls(data.m, { factors: 4, iterations: 3, seed: 11 });
    const c = fitImplicitAls(data.m, { factors: 4, iterations: 3, seed: 12 });
    expect(Array.from(a.itemFactors)).toEqual(Array.from(b.itemFactors));
    expect(Array.from(a.itemFactors)).not.toEqual(Array.from(c.itemFactors));
  });

  it('folds a user in by solving their normal equations exactly, close to the fitted vector', () => {
    const k = 4;
    const model = fitImplicitAls(data.m, { factors: k, iterations: 20, cgSteps: 8, seed: 5 });
    const f = foldInOf(model);
    const out = new Float64Array(k);
    const Y = model.itemFactors;
    for (const u of [0, 17, 99]) {
      const start = data.m.indptr[u]!;
      const end = data.m.indptr[u + 1]!;
      const items = data.m.indices.subarray(start, end);
      const weights = data.m.values.subarray(start, end);
      foldInUser(f, items, weights, out);
      // (YᵀC_uY + λI) x = YᵀC_u p_u, written out densely over every item.
      const c = new Float64Array(data.items).fill(1);
      const p = new Float64Array(data.items);
      items.forEach((i, t) => {
        c[i] = 1 + model.alpha * weights[t]!;
        p[i] = 1;
      });
      for (let a = 0; a < k; a++) {
        let lhs = model.regularization * out[a]!;
        let rhs = 0;
        for (let i = 0; i < data.items; i++) {
          let dot = 0;
          for (let b = 0; b < k; b++) dot += Y[i * k + b]! * out[b]!;
          lhs += c[i]! * Y[i * k + a]! * dot;
          rhs += c[i]! * p[i]! * Y[i * k + a]!;
        }
        expect(lhs).toBeCloseTo(rhs, 8);
        expect(out[a]!).toBeCloseTo(model.userFactors[u * k + a]!, 1);
      }
    }
  });

  it('rejects negative weights', () => {
    const m = csrFromTriples(1, 2, [0], [1], [-1]);
    expect(() => fitImplicitAls(m, { seed: 1 })).toThrow(RangeError);
  });
});
