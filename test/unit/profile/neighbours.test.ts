import { mulberry32 } from '../../../core/random';
import { itemNeighbours, neighbourScores, TopK } from '../../../functions/profile/kernels/neighbours';
import { csrFromTriples, transpose } from '../../../functions/profile/kernels/sparse';

function randomMatrix(seed: number, users: number, items: number, density: number) {
  const random = mulberry32(seed);
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (random() < density) {
        r.push(u);
        c.push(i);
        v.push(1 + Math.floor(random() * 4));
      }
    }
  }
  return csrFromTriples(users, items, r, c, v);
}

/** Dense cosine similarity of item columns, the brute-force reference. */
function bruteForce(m: ReturnType<typeof randomMatrix>, shrink: number) {
  const dense = Array.from({ length: m.rows }, () => new Float64Array(m.cols));
  for (let u = 0; u < m.rows; u++) {
    for (let p = m.indptr[u]!; p < m.indptr[u + 1]!; p++) dense[u]![m.indices[p]!] = m.values[p]!;
  }
  const sim = Array.from({ length: m.cols }, () => new Float64Array(m.cols));
  for (let i = 0; i < m.cols; i++) {
    for (let j = 0; j < m.cols; j++) {
      let dot = 0;
      let ni = 0;
      let nj = 0;
      let common = 0;
      for (let u = 0; u < m.rows; u++) {
        const a = dense[u]![i]!;
        const b = dense[u]![j]!;
        dot += a * b;
        ni += a * a;
        nj += b * b;
        if (a > 0 && b > 0) common++;
      }
      let s = ni > 0 && nj > 0 ? dot / Math.sqrt(ni * nj) : 0;
      if (shrink > 0) s *= common / (common + shrink);
      sim[i]![j] = i === j ? 0 : s;
    }
  }
  return sim;
}

describe('item neighbours', () => {
  for (const shrink of [0, 5]) {
    it(`equal a brute-force cosine top-K on small data (shrink ${shrink})`, () => {
      const m = randomMatrix(3, 40, 25, 0.2);
      const k = 6;
      const n = itemNeighbours(m, { k, shrink });
      const sim = bruteForce(m, shrink);
      for (let i = 0; i < m.cols; i++) {
        const expected = Array.from(sim[i]!, (s, j) => ({ j, s }))
          .filter((x) => x.s > 0)
          .sort((a, b) => b.s - a.s || a.j - b.j)
          .slice(0, k);
        for (let t = 0; t < k; t++) {
          const e = expected[t];
          expect(n.index[i * k + t]).toBe(e ? e.j : -1);
          expect(n.similarity[i * k + t]).toBeCloseTo(e ? e.s : 0, 12);
        }
      }
    });
  }

  it('scores a user by the summed similarities of their items and names the strongest one', () => {
    const m = randomMatrix(9, 30, 12, 0.3);
    const n = itemNeighbours(m, { k: 11 });
    const sim = bruteForce(m, 0);
    const history = [2, 5, 7];
    const weights = [1, 2, 0.5];
    const out = new Float64Array(12);
    const because = new Int32Array(12);
    const best = new Float64Array(12);
    neighbourScores(n, history, weights, out, because, best);
    for (let j = 0; j < 12; j++) {
      const contributions = history.map((i, h) => weights[h]! * sim[i]![j]!);
      expect(out[j]).toBeCloseTo(
        contributions.reduce((a, b) => a + b, 0),
        12,
      );
      const top = Math.max(...contributions);
      expect(because[j]).toBe(top > 0 ? history[contributions.indexOf(top)] : -1);
    }
  });
});

describe('TopK', () => {
  it('keeps the best values, best first, ties to the lower index', () => {
    const random = mulberry32(4);
    const values = Array.from({ length: 200 }, () => Math.floor(random() * 20));
    const top = new TopK(15);
    values.forEach((v, i) => {
      top.offer(i, v);
    });
    const index = new Int32Array(15);
    const score = new Float64Array(15);
    expect(top.drainInto(index, score, 0)).toBe(15);
    const expected = values
      .map((v, i) => ({ v, i }))
      .sort((a, b) => b.v - a.v || a.i - b.i)
      .slice(0, 15);
    expect(Array.from(index)).toEqual(expected.map((e) => e.i));
    expect(Array.from(score)).toEqual(expected.map((e) => e.v));
  });
});

describe('sparse matrices', () => {
  it('sum duplicate entries and transpose back to the same matrix', () => {
    const m = csrFromTriples(2, 3, [0, 1, 0, 0], [2, 0, 2, 1], [1, 4, 2, 5]);
    expect(Array.from(m.indptr)).toEqual([0, 2, 3]);
    expect(Array.from(m.indices)).toEqual([1, 2, 0]);
    expect(Array.from(m.values)).toEqual([5, 3, 4]);
    const back = transpose(transpose(m));
    expect(Array.from(back.indices)).toEqual(Array.from(m.indices));
    expect(Array.from(back.values)).toEqual(Array.from(m.values));
  });

  it('rejects an entry outside the shape', () => {
    expect(() => csrFromTriples(2, 2, [2], [0], [1])).toThrow(RangeError);
  });
});
