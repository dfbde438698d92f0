import { mulberry32 } from '../../../core/random';
import { purchaseLog } from '../../../functions/profile/kernels/history';
import {
  fitConditionalLogit,
  fitInterestModel,
  frequentCategories,
  logitProbabilities,
  nextCategory,
  predictInterest,
} from '../../../functions/profile/kernels/interest';

describe('conditional logit', () => {
  it('recovers the weights that generated the choices', () => {
    const random = mulberry32(1);
    const C = 5;
    const J = 3;
    const n = 4000;
    const beta = [2, -1, 0.5];
    const intercepts = [0.3, 0, -0.2, 0.1, 0];
    const x = new Float64Array(n * C * J);
    const y = new Int32Array(n);
    const p = new Float64Array(C);
    for (let r = 0; r < n; r++) {
      for (let q = 0; q < C * J; q++) x[r * C * J + q] = random() * 2 - 1;
      logitProbabilities(beta, intercepts, x.subarray(r * C * J, (r + 1) * C * J), C, J, p);
      let draw = random();
      let c = 0;
      while (c < C - 1 && draw > p[c]!) {
        draw -= p[c]!;
        c++;
      }
      y[r] = c;
    }
    const fit = fitConditionalLogit(x, y, C, J, { l2: 1 });
    beta.forEach((b, j) => {
      expect(fit.weights[j]!).toBeCloseTo(b, 0);
    });
    expect(fit.weights[0]!).toBeGreaterThan(1.6);
    expect(fit.weights[1]!).toBeLessThan(-0.7);
  });
});

describe('the interest model', () => {
  // Categories of 6 items: 0,1 → 0; 2,3 → 1; 4,5 → 2. Each user has a main category that
  // 80% of their orders are in; the rest are drawn at random.
  const itemCategory = Int32Array.from([0, 0, 1, 1, 2, 2]);
  const random = mulberry32(5);
  const u: number[] = [];
  const i: number[] = [];
  const d: number[] = [];
  const users = 200;
  for (let user = 0; user < users; user++) {
    const main = user % 3;
    for (let day = 0; day < 300; day += 10 + Math.floor(random() * 10)) {
      const c = random() < 0.8 ? main : Math.floor(random() * 3);
      u.push(user);
      i.push(2 * c + Math.floor(random() * 2));
      d.push(day);
    }
  }
  const log = purchaseLog(users, 6, u, i, d);
  const model = fitInterestModel(log, itemCategory, 3, 240);

  it('gives probabilities that sum to 1, and none for a user with no history', () => {
    const p = predictInterest(model, log, 4, 240, itemCategory)!;
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const empty = purchaseLog(1, 6, [], [], []);
    expect(predictInterest(model, empty, 0, 240, itemCategory)).toBeNull();
  });

  it('predicts the next category of held-out orders at least as well as the most frequent category', () => {
    let ours = 0;
    let baseline = 0;
    let n = 0;
    for (let user = 0; user < users; user++) {
      const label = nextCategory(log, user, 240, 400, itemCategory, 3);
      const p = predictInterest(model, log, user, 240, itemCategory);
      if (label < 0 || !p) continue;
      n++;
      ours += p.indexOf(Math.max(...p)) === label ? 1 : 0;
      baseline += frequentCategories(log, user, 240, itemCategory, 3)[0] === label ? 1 : 0;
    }
    expect(n).toBeGreaterThan(150);
    expect(ours / n).toBeGreaterThan(0.7);
    expect(ours).toBeGreaterThanOrEqual(baseline);
  });

  it('labels the next order by its main category', () => {
    const small = purchaseLog(1, 6, [0, 0, 0, 0], [0, 2, 3, 4], [1, 5, 5.5, 9]);
    expect(nextCategory(small, 0, 2, 100, itemCategory, 3)).toBe(1);
    expect(nextCategory(small, 0, 10, 100, itemCategory, 3)).toBe(-1);
    expect(frequentCategories(small, 0, 100, itemCategory, 3)).toEqual([1, 0, 2]);
  });
});
