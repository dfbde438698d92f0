import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyStandardization,
  assign,
  chooseK,
  kmeans,
  silhouetteScore,
  standardize,
} from '../../../functions/profile/kernels/kmeans';

// Both fixtures are written by bench/reference/kmeans.py (scikit-learn).
interface Blobs {
  n: number;
  d: number;
  k: number;
  nInit: number;
  data: number[];
  sklearnInertia: number;
  sklearnLabels: number[];
  sklearnSilhouette: number;
}
interface Separated {
  n: number;
  d: number;
  k: number;
  data: number[];
  labels: number[];
}

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(join(__dirname, '../../fixtures/kmeans', name), 'utf8')) as T;
const blobs = fixture<Blobs>('blobs.json');
const separated = fixture<Separated>('separated.json');
const blobsData = Float64Array.from(blobs.data);
const separatedData = Float64Array.from(separated.data);

/** Whether two labellings make the same partition, whatever numbers name the clusters. */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const forward = new Map<number, number>();
  const backward = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if ((forward.get(x) ?? y) !== y || (backward.get(y) ?? x) !== x) return false;
    forward.set(x, y);
    backward.set(y, x);
  }
  return true;
}

describe('kmeans', () => {
  it('recovers well-separated clusters exactly', () => {
    const result = kmeans(separatedData, separated.n, separated.d, { k: separated.k, seed: 1 });
    expect(samePartition(result.labels, separated.labels)).toBe(true);
    expect(result.centroids).toHaveLength(separated.k * separated.d);
  });

  it('recovers them from an odd number of rows too (seeding scores rows in pairs)', () => {
    const n = separated.n - 1;
    const result = kmeans(separatedData.subarray(0, n * separated.d), n, separated.d, {
      k: separated.k,
      seed: 2,
    });
    expect(samePartition(result.labels, separated.labels.slice(0, n))).toBe(true);
  });

  it('gives an identical result for the same seed', () => {
    const options = { k: blobs.k, seed: 42, nInit: 2 };
    const first = kmeans(blobsData, blobs.n, blobs.d, options);
    const second = kmeans(blobsData, blobs.n, blobs.d, options);
    expect(second.labels).toEqual(first.labels);
    expect(second.centroids).toEqual(first.centroids);
    expect(second.inertia).toBe(first.inertia);
  });

  it("reaches an inertia within 1% of scikit-learn's on overlapping blobs with a skewed column", () => {
    const result = kmeans(blobsData, blobs.n, blobs.d, { k: blobs.k, nInit: blobs.nInit, seed: 0 });
    expect(result.nInit).toBe(blobs.nInit);
    expect(result.inertia).toBeLessThanOrEqual(blobs.sklearnInertia * 1.01);
  });

  it('reports as inertia the squared distances of rows to their own centroid', () => {
    // k = 9: four seeding candidates per step, and a centroid outside the blocks of four.
    const { labels, centroids, inertia } = kmeans(blobsData, blobs.n, blobs.d, { k: 9, seed: 3 });
    let total = 0;
    for (let i = 0; i < blobs.n; i++) {
      for (let t = 0; t < blobs.d; t++) {
        total += (blobsData[i * blobs.d + t]! - centroids[labels[i]! * blobs.d + t]!) ** 2;
      }
    }
    expect(inertia).toBeCloseTo(total, 6);
  });

  it('accepts Float32 data', () => {
    const result = kmeans(Float32Array.from(separated.data), separated.n, separated.d, {
      k: separated.k,
      seed: 1,
    });
    expect(samePartition(result.labels, separated.labels)).toBe(true);
  });

  it('weights rows: a heavy row pulls its centroid onto itself', () => {
    // Two groups on a line; the row at 1 weighs 98 times the one at 0.
    const data = Float64Array.from([0, 1, 10, 11]);
    const result = kmeans(data, 4, 1, { k: 2, seed: 1, sampleWeight: [1, 98, 1, 1] });
    const low = result.labels[0]!;
    expect(result.centroids[low]).toBeCloseTo(98 / 99, 12);
    expect(result.inertia).toBeCloseTo((98 / 99) ** 2 + 98 * (1 / 99) ** 2 + 0.5, 9);
  });

  it('leaves no cluster without a centroid when k exceeds the distinct rows', () => {
    // Three distinct rows, each four times; five clusters.
    const distinct = [
      [0, 0],
      [5, 5],
      [9, 0],
    ];
    const data = Float64Array.from(distinct.flatMap((row) => [row, row, row, row]).flat());
    const result = kmeans(data, 12, 2, { k: 5, seed: 3, nInit: 1 });
    expect(result.centroids.every(Number.isFinite)).toBe(true);
    expect(result.inertia).toBe(0);
    for (let i = 0; i < 12; i++) {
      const label = result.labels[i]!;
      expect(label).toBeGreaterThanOrEqual(0);
      expect(label).toBeLessThan(5);
      expect([result.centroids[label * 2], result.centroids[label * 2 + 1]]).toEqual([
        data[i * 2],
        data[i * 2 + 1],
      ]);
    }
  });

  it('throws a RangeError when k is larger than the number of rows', () => {
    expect(() => kmeans(Float64Array.from([1, 2]), 2, 1, { k: 3, seed: 1 })).toThrow(RangeError);
  });

  it('throws a RangeError when a value is not finite', () => {
    expect(() => kmeans(Float64Array.from([1, Number.NaN]), 2, 1, { k: 1, seed: 1 })).toThrow(/row 1/);
  });
});

describe('assign', () => {
  it('puts every training row in the cluster the fit gave it, at the square root of its share of inertia', () => {
    const fit = kmeans(blobsData, blobs.n, blobs.d, { k: blobs.k, seed: 5 });
    const { labels, distances } = assign(blobsData, blobs.n, blobs.d, fit.centroids, blobs.k);
    expect(labels).toEqual(fit.labels);
    const squared = distances.reduce((sum, distance) => sum + distance * distance, 0);
    expect(squared).toBeCloseTo(fit.inertia, 6);
  });
});

describe('chooseK', () => {
  it('picks the true k on clearly separated blobs', () => {
    const chosen = chooseK(separatedData, separated.n, separated.d, { kMin: 2, kMax: 7, seed: 1 });
    expect(chosen.k).toBe(4);
    expect(chosen.scores.map((score) => score.k)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(chosen.result.centroids).toHaveLength(4 * separated.d);
  });

  it('scores on a sample when the data is larger than sampleSize', () => {
    const chosen = chooseK(separatedData, separated.n, separated.d, { kMax: 5, seed: 2, sampleSize: 150 });
    expect(chosen.k).toBe(4);
    const best = chosen.scores.find((score) => score.k === 4)!;
    expect(best.silhouette).toBeGreaterThan(0.7);
  });

  it('throws a RangeError when kMin is below 2', () => {
    expect(() => chooseK(separatedData, separated.n, separated.d, { kMin: 1, seed: 1 })).toThrow(RangeError);
  });
});

describe('silhouetteScore', () => {
  it("equals scikit-learn's silhouette_score on the same labels", () => {
    const labels = Int32Array.from(blobs.sklearnLabels);
    expect(silhouetteScore(blobsData, blobs.n, blobs.d, labels, blobs.k)).toBeCloseTo(
      blobs.sklearnSilhouette,
      10,
    );
  });
});

describe('standardize', () => {
  const data = Float64Array.from([1, 0, 7, 3, 10, 7, 5, 100, 7]);

  it('gives each column mean 0 and population standard deviation 1, after log1p where asked', () => {
    const { data: out, mean, std } = standardize(data, 3, 3, { log1pColumns: [1] });
    const logs = [0, 10, 100].map(Math.log1p);
    const logMean = (logs[0]! + logs[1]! + logs[2]!) / 3;
    expect(mean[0]).toBeCloseTo(3, 12);
    expect(mean[1]).toBeCloseTo(logMean, 12);
    expect(std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    for (let t = 0; t < 2; t++) {
      const column = [out[t]!, out[3 + t]!, out[6 + t]!];
      expect(column.reduce((a, b) => a + b) / 3).toBeCloseTo(0, 12);
      expect(column.reduce((a, b) => a + b * b, 0) / 3).toBeCloseTo(1, 12);
    }
    expect(out[4]).toBeCloseTo((logs[1]! - logMean) / std[1]!, 12);
  });

  it('maps a constant column to 0 with divisor 1', () => {
    const { data: out, std } = standardize(data, 3, 3);
    expect(std[2]).toBe(1);
    expect([out[2], out[5], out[8]]).toEqual([0, 0, 0]);
  });

  it('accepts no rows, with means 0 and divisors 1', () => {
    const { data: out, mean, std } = standardize(new Float64Array(0), 0, 2);
    expect(out).toHaveLength(0);
    expect(Array.from(mean)).toEqual([0, 0]);
    expect(Array.from(std)).toEqual([1, 1]);
  });

  it('transforms a new row as the fit transformed the training rows', () => {
    const { data: out, mean, std } = standardize(data, 3, 3, { log1pColumns: [1] });
    const row = applyStandardization([3, 10, 7], mean, std, [1]);
    expect(Array.from(row)).toEqual(Array.from(out.subarray(3, 6)));
  });

  it('throws a RangeError when a log1p column holds a value of −1 or less', () => {
    expect(() => standardize(Float64Array.from([0, -1]), 2, 1, { log1pColumns: [0] })).toThrow(RangeError);
  });
});
