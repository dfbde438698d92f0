/**
 * K-means for user segmentation: greedy k-means++ seeding, Lloyd iterations accelerated
 * with Hamerly's bounds, automatic k by silhouette, and the column standardization the
 * features need first.
 *
 * Matrices are row-major typed arrays of n rows × d columns. Float32 input is copied to
 * Float64 once per call; everything else works in place on buffers allocated once per call,
 * never per point or per iteration.
 */
import { mulberry32 } from '../../../core/random';

// Hot loops read these module constants rather than the globals: under Jest (a vm context)
// every global lookup is slow enough to make the kernels several times slower.
const { sqrt, min, max } = Math;
const infinity = Number.POSITIVE_INFINITY;
const finite = Number.isFinite;

/** A row-major n × d matrix. */
export type Matrix = Float64Array | Float32Array;

/** Options of {@link kmeans}. */
export interface KMeansOptions {
  /** Number of clusters, 1 ≤ k ≤ n. */
  k: number;
  /** Seed of the random draws: the same seed and data give the same result. */
  seed: number;
  /** Independent k-means++ starts; the one with the lowest inertia wins. Default 3. */
  nInit?: number;
  /** Most Lloyd iterations per start. Default 300. */
  maxIter?: number;
  /**
   * Convergence tolerance, relative to the data: a start stops when the squared centroid
   * movement of an iteration, summed over clusters, is at most `tol` × the mean column
   * variance (scikit-learn's rule). It also stops when no label changes. Default 1e-4.
   */
  tol?: number;
  /** Non-negative weight of each row (default 1): weighted means, seeding and inertia. */
  sampleWeight?: ArrayLike<number>;
}

/** A fitted clustering. */
export interface KMeansResult {
  /** k × d centroids, row-major. */
  centroids: Float64Array;
  /** The cluster of each row, in [0, k). Consistent with `centroids`: each row's nearest. */
  labels: Int32Array;
  /** Weighted sum of squared distances of rows to their centroid. */
  inertia: number;
  /** Lloyd iterations (centroid updates) of the winning start. */
  iterations: number;
  /** Number of starts run. */
  nInit: number;
}

/**
 * Clusters n rows of d features into k groups, minimizing the sum of squared Euclidean
 * distances to the centroids.
 *
 * Each of the `nInit` starts seeds with greedy k-means++ (as scikit-learn: at each step
 * 2 + ⌊ln k⌋ candidates are drawn with probability proportional to the weighted squared
 * distance to the nearest chosen centroid, and the one that lowers the potential most is
 * kept), then runs Lloyd iterations with Hamerly's upper/lower bounds, which skip the
 * distance computations of rows that provably keep their cluster. A cluster left empty is
 * re-seeded with the row farthest from its centroid. The start with the lowest inertia is
 * returned.
 *
 * Besides the data, it holds about (5 + 2 + ⌊ln k⌋) × 8 bytes per row (bounds, seeding
 * buffers, labels), allocated once for all starts.
 *
 * @throws RangeError when the shape, k or the options are invalid, or a value is not finite.
 */
export function kmeans(data: Matrix, n: number, d: number, options: KMeansOptions): KMeansResult {
  const x = toFloat64(data);
  checkMatrix(x, n, d);
  const { k, seed, nInit = 3, maxIter = 300, tol = 1e-4 } = options;
  checkInteger('k', k, 1, n);
  checkInteger('nInit', nInit, 1, Number.MAX_SAFE_INTEGER);
  checkInteger('maxIter', maxIter, 1, Number.MAX_SAFE_INTEGER);
  if (!(tol >= 0)) throw new RangeError(`tol must be ≥ 0, got ${tol}`);
  const weights = checkWeights(options.sampleWeight, n);

  const fit = new Fit(x, n, d, k, weights, tol * meanColumnVariance(x, n, d));
  const random = mulberry32(seed);
  const centroids = new Float64Array(k * d);
  const labels = new Int32Array(n);
  let inertia = infinity;
  let iterations = 0;
  for (let run = 0; run < nInit; run++) {
    fit.seed(random);
    const runIterations = fit.lloyd(maxIter);
    const runInertia = fit.inertia();
    if (runInertia < inertia) {
      inertia = runInertia;
      iterations = runIterations;
      centroids.set(fit.centroids);
      labels.set(fit.labels);
    }
  }
  return { centroids, labels, inertia, iterations, nInit };
}

/** Where rows fall among fitted centroids. */
export interface Assignment {
  /** Index of each row's nearest centroid (the lowest index on ties). */
  labels: Int32Array;
  /** Euclidean (not squared) distance of each row to that centroid. */
  distances: Float64Array;
}

/**
 * Assigns n new rows to the nearest of k fitted centroids (k × d, row-major), for instance
 * users profiled after the segmentation was fitted. Rows must be transformed as the
 * training data was (see {@link applyStandardization}).
 *
 * @throws RangeError when the shapes do not match or a value is not finite.
 */
export function assign(data: Matrix, n: number, d: number, centroids: Matrix, k: number): Assignment {
  const x = toFloat64(data);
  const c = toFloat64(centroids);
  checkMatrix(x, n, d);
  checkMatrix(c, k, d);
  const labels = new Int32Array(n);
  const distances = new Float64Array(n);
  const nearest = new Float64Array(2);
  for (let i = 0; i < n; i++) {
    labels[i] = nearestTwo(x, i * d, c, k, d, nearest);
    distances[i] = sqrt(nearest[0]!);
  }
  return { labels, distances };
}

/** Options of {@link chooseK}. */
export interface ChooseKOptions {
  /** Smallest k tried, at least 2. Default 2. */
  kMin?: number;
  /** Largest k tried, below n. Default 10. */
  kMax?: number;
  /** Seed of the sample and of every fit. */
  seed: number;
  /** Rows scored by silhouette (all of them when n is smaller). Default 5000. */
  sampleSize?: number;
  /** Starts per k, as {@link KMeansOptions.nInit}. Default 3. */
  nInit?: number;
}

/** The score of one candidate k. */
export interface KScore {
  k: number;
  /** Mean silhouette over the sample, in [−1, 1]; higher is better. */
  silhouette: number;
  /** Inertia of the fit on the full data. */
  inertia: number;
}

/** The chosen k, every candidate's score, and the fit for the chosen k. */
export interface ChooseKResult {
  k: number;
  scores: KScore[];
  result: KMeansResult;
}

/**
 * Picks the number of clusters by the mean silhouette coefficient.
 *
 * Method: draw a uniform random sample of `sampleSize` rows (without replacement; all rows
 * when n is smaller). For each k in [kMin, kMax], fit {@link kmeans} on the full data and
 * read the sample's labels from that fit. Then score every k on the sample with exact
 * Euclidean distances: for a row i in cluster A, a(i) is its mean distance to the other
 * members of A in the sample and b(i) the smallest mean distance to the members of another
 * cluster; s(i) = (b − a) / max(a, b), and 0 when i is alone in A. Each pairwise distance is
 * computed once and credited to every k at the same time, so the scoring costs one
 * O(sample² · d) pass however many k are tried. The k with the highest mean s wins (the
 * smaller k on ties), and its fit is returned with it.
 *
 * @throws RangeError when kMin < 2, kMax < kMin, kMax ≥ n, or the data is invalid.
 */
export function chooseK(data: Matrix, n: number, d: number, options: ChooseKOptions): ChooseKResult {
  const x = toFloat64(data);
  checkMatrix(x, n, d);
  const { kMin = 2, kMax = 10, seed, sampleSize = 5000, nInit = 3 } = options;
  checkInteger('kMin', kMin, 2, Number.MAX_SAFE_INTEGER);
  checkInteger('kMax', kMax, kMin, n - 1);
  checkInteger('sampleSize', sampleSize, 2, Number.MAX_SAFE_INTEGER);

  const random = mulberry32(seed);
  const sample = sampleRows(n, Math.min(sampleSize, n), random);
  const s = sample.length;
  const sampled = new Float64Array(s * d);
  for (let i = 0; i < s; i++) sampled.set(x.subarray(sample[i]! * d, sample[i]! * d + d), i * d);

  const ks: number[] = [];
  for (let k = kMin; k <= kMax; k++) ks.push(k);
  const sampleLabels = new Int32Array(s * ks.length);
  const fits: KMeansResult[] = [];
  for (const [option, k] of ks.entries()) {
    const fit = kmeans(x, n, d, { k, nInit, seed: Math.floor(random() * 4_294_967_296) });
    fits.push(fit);
    for (let i = 0; i < s; i++) sampleLabels[i * ks.length + option] = fit.labels[sample[i]!]!;
  }
  const silhouettes = meanSilhouettes(sampled, s, d, sampleLabels, ks);

  let best = 0;
  const scores = ks.map((k, option) => {
    if (silhouettes[option]! > silhouettes[best]!) best = option;
    return { k, silhouette: silhouettes[option]!, inertia: fits[option]!.inertia };
  });
  return { k: ks[best]!, scores, result: fits[best]! };
}

/**
 * The mean silhouette coefficient of a labelling with Euclidean distances (as
 * scikit-learn's `silhouette_score`): exact, O(n² · d), for samples of a few thousand rows.
 *
 * @throws RangeError when the shapes do not match, or a label is outside [0, k).
 */
export function silhouetteScore(data: Matrix, n: number, d: number, labels: Int32Array, k: number): number {
  const x = toFloat64(data);
  checkMatrix(x, n, d);
  if (labels.length !== n) throw new RangeError(`labels has ${labels.length} entries, expected ${n}`);
  for (const label of labels) checkInteger('label', label, 0, k - 1);
  return meanSilhouettes(x, n, d, labels, [k])[0]!;
}

/** Options of {@link standardize}. */
export interface StandardizeOptions {
  /** Columns replaced by log(1 + x) before scaling (for skewed counts and amounts). */
  log1pColumns?: number[];
}

/** Standardized data and the parameters that reproduce the transform on new rows. */
export interface Standardized {
  /** The transformed n × d matrix (a new array). */
  data: Float64Array;
  /** Mean of each column, after the log1p transform where asked. */
  mean: Float64Array;
  /** Divisor of each column: its population standard deviation, or 1 for a constant column. */
  std: Float64Array;
}

/**
 * Z-scores each column: (x − mean) / std with the population standard deviation, after
 * replacing the values of `log1pColumns` by log(1 + x). A constant column becomes 0; with
 * no rows at all, every mean is 0 and every std 1.
 *
 * @throws RangeError when the shape is invalid, a value is not finite, or a log1p column
 * holds a value ≤ −1.
 */
export function standardize(
  data: Matrix,
  n: number,
  d: number,
  options: StandardizeOptions = {},
): Standardized {
  checkMatrix(data, n, d, 0);
  const log1p = logColumns(options.log1pColumns ?? [], d);
  const out = Float64Array.from(data);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let t = 0; t < d; t++) {
      let value = out[row + t]!;
      if (log1p[t] === 1) {
        if (!(value > -1))
          throw new RangeError(`row ${i}, column ${t}: log1p needs a value > -1, got ${value}`);
        value = Math.log1p(value);
        out[row + t] = value;
      }
      mean[t]! += value;
    }
  }
  if (n > 0) for (let t = 0; t < d; t++) mean[t]! /= n;
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) {
      const deviation = out[i * d + t]! - mean[t]!;
      std[t]! += deviation * deviation;
    }
  }
  for (let t = 0; t < d; t++) {
    const sd = n > 0 ? sqrt(std[t]! / n) : 0;
    std[t] = sd > 0 ? sd : 1;
  }
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) out[i * d + t] = (out[i * d + t]! - mean[t]!) / std[t]!;
  }
  return { data: out, mean, std };
}

/**
 * Applies a fitted {@link standardize} transform to one new row (for {@link assign}).
 * Writes into `out` when given (no allocation), else into a new array, and returns it.
 *
 * @throws RangeError when the lengths do not match, or a log1p column holds a value ≤ −1.
 */
export function applyStandardization(
  row: ArrayLike<number>,
  mean: Float64Array,
  std: Float64Array,
  log1pColumns: number[] = [],
  out: Float64Array = new Float64Array(mean.length),
): Float64Array {
  const d = mean.length;
  if (row.length !== d || std.length !== d || out.length !== d) {
    throw new RangeError(`row, mean, std and out must all have ${d} entries`);
  }
  const log1p = logColumns(log1pColumns, d);
  for (let t = 0; t < d; t++) {
    let value = row[t]!;
    if (log1p[t] === 1) {
      if (!(value > -1)) throw new RangeError(`column ${t}: log1p needs a value > -1, got ${value}`);
      value = Math.log1p(value);
    }
    out[t] = (value - mean[t]!) / std[t]!;
  }
  return out;
}

/**
 * One k-means problem and every buffer its starts need, allocated once. `seed` fills the
 * centroids and labels by k-means++, `lloyd` refines them, `inertia` scores them.
 */
class Fit {
  readonly centroids: Float64Array;
  readonly labels: Int32Array;
  /**
   * Hamerly's bounds: `upper` ≥ the distance to the own centroid, `lower` ≤ the distance
   * to any other. While seeding they hold squared distances: to the nearest centroid, and
   * a lower bound on the second nearest.
   */
  private readonly upper: Float64Array;
  private readonly lower: Float64Array;
  /** Prefix sums of the seeding potential; distances to the own centroid when relocating. */
  private readonly scratch: Float64Array;
  /** Weighted sum of member rows, member weight, and member count of each cluster. */
  private readonly sums: Float64Array;
  private readonly mass: Float64Array;
  private readonly members: Int32Array;
  private readonly previous: Float64Array;
  /** How far each centroid moved in the last update. */
  private readonly shift: Float64Array;
  /** Half the distance from each centroid to its nearest other centroid. */
  private readonly half: Float64Array;
  /** Seeding: candidates per step (2 + ⌊ln k⌋), evaluated four at a time. */
  private readonly trials: number;
  private readonly slots: number;
  /** Seeding: each candidate's squared distance (or a lower bound on it) to each row. */
  private readonly toCandidate: Float64Array;
  /** Seeding: distance from each candidate of a block to each chosen centroid. */
  private readonly gap: Float64Array;
  private readonly block: Float64Array;
  private readonly candidates: Int32Array;
  private readonly potentials: Float64Array;
  /** The two smallest squared distances of the row being scanned. */
  private readonly nearest = new Float64Array(2);

  constructor(
    private readonly x: Float64Array,
    private readonly n: number,
    private readonly d: number,
    private readonly k: number,
    private readonly weights: Float64Array,
    private readonly tolerance: number,
  ) {
    this.centroids = new Float64Array(k * d);
    this.labels = new Int32Array(n);
    this.upper = new Float64Array(n);
    this.lower = new Float64Array(n);
    this.scratch = new Float64Array(n);
    this.sums = new Float64Array(k * d);
    this.mass = new Float64Array(k);
    this.members = new Int32Array(k);
    this.previous = new Float64Array(k * d);
    this.shift = new Float64Array(k);
    this.half = new Float64Array(k);
    this.trials = k > 1 ? 2 + Math.floor(Math.log(k)) : 0;
    this.slots = 4 * Math.ceil(this.trials / 4);
    this.toCandidate = new Float64Array(this.trials * n);
    this.gap = new Float64Array(4 * k);
    this.block = new Float64Array(4 * d);
    this.candidates = new Int32Array(this.slots);
    this.potentials = new Float64Array(this.slots);
  }

  /**
   * Greedy k-means++. Leaves the centroids, each row's nearest centroid in `labels`, its
   * squared distance in `upper` and a lower bound on the squared distance to the second
   * nearest in `lower`, so the first Lloyd assignment comes for free.
   */
  seed(random: () => number): void {
    const { x, d, k, centroids, scratch: prefix, candidates, potentials, trials, slots } = this;
    const first = this.draw(prefix, random() * prefixSums(this.weights, prefix));
    centroids.set(x.subarray(first * d, first * d + d), 0);
    let potential = this.startPotential();
    for (let c = 1; c < k; c++) {
      for (let t = 0; t < slots; t++) {
        // Slots past the last trial repeat it, so that every block has four candidates.
        candidates[t] = t < trials ? this.draw(prefix, random() * potential) : candidates[trials - 1]!;
      }
      for (let b = 0; b < slots; b += 4) this.scoreCandidates(b, c);
      let best = 0;
      for (let t = 1; t < trials; t++) if (potentials[t]! < potentials[best]!) best = t;
      centroids.set(x.subarray(candidates[best]! * d, candidates[best]! * d + d), c * d);
      potential = this.acceptCandidate(best, c);
    }
  }

  /** Distances to the first centroid; returns the potential, with its prefix sums in `scratch`. */
  private startPotential(): number {
    const { x, n, d, weights, labels, centroids, scratch: prefix, upper: closest, lower: second } = this;
    let potential = 0;
    for (let i = 0; i < n; i++) {
      const distance = squaredDistance(x, i * d, centroids, 0, d);
      closest[i] = distance;
      second[i] = infinity;
      labels[i] = 0;
      potential += weights[i]! * distance;
      prefix[i] = potential;
    }
    return potential;
  }

  /**
   * Scores candidates b..b+3 when `c` centroids are chosen: each one's squared distance (or
   * a lower bound) to every row in `toCandidate`, and the potential if it were added in
   * `potentials`.
   *
   * One pass over the rows, two rows at once: eight independent sums share each load, which
   * is what makes scalar code fast here. A pair of rows skips the arithmetic when no
   * candidate can be nearer than either row's nearest centroid a: ‖x − c‖ ≥ ‖c − a‖ − ‖x − a‖
   * ≥ ‖x − a‖ once ‖c − a‖ ≥ 2‖x − a‖; that difference is kept as the lower bound.
   */
  private scoreCandidates(b: number, c: number): void {
    const { x, n, d, k, weights, labels, centroids, trials, toCandidate, gap, block, candidates } = this;
    const { upper: closest } = this;
    for (let q = 0; q < 4; q++) {
      const at = candidates[b + q]! * d;
      block.set(x.subarray(at, at + d), q * d);
      for (let j = 0; j < c; j++) gap[q * k + j] = sqrt(squaredDistance(x, at, centroids, j * d, d));
    }
    const real = min(4, trials - b);
    const g1 = k;
    const g2 = 2 * k;
    const g3 = 3 * k;
    const o0 = b * n;
    let p0 = 0;
    let p1 = 0;
    let p2 = 0;
    let p3 = 0;
    for (let i = 0; i < n; i += 2) {
      const j = i + 1 < n ? i + 1 : i; // with odd n the last row pairs with itself, weight 0
      const nearI = closest[i]!;
      const nearJ = closest[j]!;
      const aI = labels[i]!;
      const aJ = labels[j]!;
      const rootI = sqrt(nearI);
      const rootJ = sqrt(nearJ);
      let s0: number;
      let s1: number;
      let s2: number;
      let s3: number;
      let r0: number;
      let r1: number;
      let r2: number;
      let r3: number;
      if (
        gap[aI]! >= 2 * rootI &&
        gap[g1 + aI]! >= 2 * rootI &&
        gap[g2 + aI]! >= 2 * rootI &&
        gap[g3 + aI]! >= 2 * rootI &&
        gap[aJ]! >= 2 * rootJ &&
        gap[g1 + aJ]! >= 2 * rootJ &&
        gap[g2 + aJ]! >= 2 * rootJ &&
        gap[g3 + aJ]! >= 2 * rootJ
      ) {
        s0 = (gap[aI]! - rootI) ** 2;
        s1 = (gap[g1 + aI]! - rootI) ** 2;
        s2 = (gap[g2 + aI]! - rootI) ** 2;
        s3 = (gap[g3 + aI]! - rootI) ** 2;
        r0 = (gap[aJ]! - rootJ) ** 2;
        r1 = (gap[g1 + aJ]! - rootJ) ** 2;
        r2 = (gap[g2 + aJ]! - rootJ) ** 2;
        r3 = (gap[g3 + aJ]! - rootJ) ** 2;
      } else {
        s0 = 0;
        s1 = 0;
        s2 = 0;
        s3 = 0;
        r0 = 0;
        r1 = 0;
        r2 = 0;
        r3 = 0;
        for (let p = i * d, q = j * d, t = 0; t < d; p++, q++, t++) {
          const u = x[p]!;
          const v = x[q]!;
          const c0 = block[t]!;
          const c1 = block[t + d]!;
          const c2 = block[t + 2 * d]!;
          const c3 = block[t + 3 * d]!;
          let e = u - c0;
          s0 += e * e;
          e = u - c1;
          s1 += e * e;
          e = u - c2;
          s2 += e * e;
          e = u - c3;
          s3 += e * e;
          e = v - c0;
          r0 += e * e;
          e = v - c1;
          r1 += e * e;
          e = v - c2;
          r2 += e * e;
          e = v - c3;
          r3 += e * e;
        }
      }
      const wI = weights[i]!;
      const wJ = j === i ? 0 : weights[j]!;
      toCandidate[o0 + i] = s0;
      toCandidate[o0 + j] = j === i ? s0 : r0;
      p0 += wI * min(s0, nearI) + wJ * min(r0, nearJ);
      if (real > 1) {
        toCandidate[o0 + n + i] = s1;
        toCandidate[o0 + n + j] = j === i ? s1 : r1;
        p1 += wI * min(s1, nearI) + wJ * min(r1, nearJ);
      }
      if (real > 2) {
        toCandidate[o0 + 2 * n + i] = s2;
        toCandidate[o0 + 2 * n + j] = j === i ? s2 : r2;
        p2 += wI * min(s2, nearI) + wJ * min(r2, nearJ);
      }
      if (real > 3) {
        toCandidate[o0 + 3 * n + i] = s3;
        toCandidate[o0 + 3 * n + j] = j === i ? s3 : r3;
        p3 += wI * min(s3, nearI) + wJ * min(r3, nearJ);
      }
    }
    const { potentials } = this;
    potentials[b] = p0;
    potentials[b + 1] = p1;
    potentials[b + 2] = p2;
    potentials[b + 3] = p3;
  }

  /**
   * Makes trial `best` centroid `c`: updates each row's nearest centroid, its distance and
   * the bound on the second nearest. Returns the new potential, with its prefix sums in
   * `scratch`.
   */
  private acceptCandidate(best: number, c: number): number {
    const { n, weights, labels, toCandidate, scratch: prefix, upper: closest, lower: second } = this;
    let potential = 0;
    for (let i = 0, at = best * n; i < n; i++, at++) {
      let near = closest[i]!;
      const distance = toCandidate[at]!;
      if (distance < near) {
        second[i] = near;
        closest[i] = distance;
        labels[i] = c;
        near = distance;
      } else if (distance < second[i]!) {
        second[i] = distance;
      }
      potential += weights[i]! * near;
      prefix[i] = potential;
    }
    return potential;
  }

  /**
   * Lloyd iterations from the seeded labels, with Hamerly's bounds. Returns the number of
   * centroid updates. On return every row's label is its nearest centroid.
   */
  lloyd(maxIter: number): number {
    this.startLloyd();
    this.shift.fill(0);
    let iterations = 0;
    while (iterations < maxIter) {
      iterations++;
      const moved = this.update();
      if (moved <= this.tolerance) {
        this.assignStep();
        break;
      }
      if (this.assignStep() === 0) break;
    }
    return iterations;
  }

  /** Cluster sums from the seeded labels; Hamerly's bounds from the seeding distances. */
  private startLloyd(): void {
    const { x, n, d, weights, labels, upper, lower, sums, mass, members } = this;
    sums.fill(0);
    mass.fill(0);
    members.fill(0);
    for (let i = 0; i < n; i++) {
      const label = labels[i]!;
      const w = weights[i]!;
      upper[i] = sqrt(upper[i]!);
      lower[i] = sqrt(lower[i]!);
      if (w > 0) members[label]!++;
      mass[label]! += w;
      const row = i * d;
      const sum = label * d;
      for (let t = 0; t < d; t++) sums[sum + t]! += w * x[row + t]!;
    }
  }

  /** Weighted sum of squared distances of rows to their centroid. */
  inertia(): number {
    const { x, n, d, weights, labels, centroids } = this;
    let total = 0;
    for (let i = 0; i < n; i++)
      total += weights[i]! * squaredDistance(x, i * d, centroids, labels[i]! * d, d);
    return total;
  }

  /**
   * Moves each centroid to the weighted mean of its members, after re-seeding the empty
   * clusters. Records each centroid's movement in `shift` and returns the squared
   * movements summed over clusters.
   */
  private update(): number {
    const { d, k, centroids, previous, sums, mass, members, shift } = this;
    for (let j = 0; j < k; j++) {
      if (members[j] === 0) {
        this.relocateEmpty();
        break;
      }
    }
    previous.set(centroids);
    let moved = 0;
    for (let j = 0; j < k; j++) {
      const at = j * d;
      if (members[j]! > 0) {
        const m = mass[j]!;
        for (let t = 0; t < d; t++) centroids[at + t] = sums[at + t]! / m;
      }
      const squared = squaredDistance(previous, at, centroids, at, d);
      shift[j] = sqrt(squared);
      moved += squared;
    }
    return moved;
  }

  /**
   * Gives each empty cluster the row farthest from its current centroid, taken from a
   * cluster that keeps at least one member (scikit-learn's rule, which it follows when
   * there are fewer distinct rows than clusters too).
   */
  private relocateEmpty(): void {
    const { x, n, d, k, weights, labels, centroids, scratch, sums, mass, members, upper, lower } = this;
    for (let i = 0; i < n; i++) scratch[i] = squaredDistance(x, i * d, centroids, labels[i]! * d, d);
    for (let j = 0; j < k; j++) {
      if (members[j] !== 0) continue;
      let far = -1;
      let farthest = -1;
      for (let i = 0; i < n; i++) {
        if (scratch[i]! > farthest && members[labels[i]!]! > 1 && weights[i]! > 0) {
          farthest = scratch[i]!;
          far = i;
        }
      }
      if (far < 0) return; // fewer weighted rows than clusters: the rest stay where they are
      const from = labels[far]!;
      const w = weights[far]!;
      for (let t = 0; t < d; t++) {
        const value = w * x[far * d + t]!;
        sums[from * d + t]! -= value;
        sums[j * d + t] = value;
      }
      mass[from]! -= w;
      mass[j] = w;
      members[from]!--;
      members[j] = 1;
      labels[far] = j;
      scratch[far] = -1;
      // Unknown until recomputed: force a full distance scan for this row.
      upper[far] = infinity;
      lower[far] = 0;
    }
  }

  /**
   * Hamerly's assignment step after a centroid update: loosens the bounds by the centroid
   * movements, then computes distances only for rows whose bounds no longer prove their
   * label. Moves relabelled rows between the cluster sums. Returns how many rows changed.
   */
  private assignStep(): number {
    const { x, n, d, k, weights, labels, centroids, upper, lower, sums, mass, members, shift, half } = this;
    for (let a = 0; a < k; a++) {
      let nearest = infinity;
      for (let b = 0; b < k; b++) {
        if (b === a) continue;
        const distance = squaredDistance(centroids, a * d, centroids, b * d, d);
        if (distance < nearest) nearest = distance;
      }
      half[a] = 0.5 * sqrt(nearest);
    }
    let most = -1;
    let largest = 0;
    let second = 0;
    for (let j = 0; j < k; j++) {
      const s = shift[j]!;
      if (s > largest) {
        second = largest;
        largest = s;
        most = j;
      } else if (s > second) {
        second = s;
      }
    }

    const nearest = this.nearest;
    let changes = 0;
    for (let i = 0; i < n; i++) {
      const a = labels[i]!;
      let u = upper[i]! + shift[a]!;
      const l = lower[i]! - (a === most ? second : largest);
      const bound = max(half[a]!, l);
      if (u <= bound) {
        upper[i] = u;
        lower[i] = l;
        continue;
      }
      const row = i * d;
      const own = squaredDistance(x, row, centroids, a * d, d);
      u = sqrt(own);
      if (u <= bound) {
        upper[i] = u;
        lower[i] = l;
        continue;
      }
      const best = nearestTwo(x, row, centroids, k, d, nearest);
      upper[i] = sqrt(nearest[0]!);
      lower[i] = sqrt(nearest[1]!);
      if (best !== a) {
        const w = weights[i]!;
        const from = a * d;
        const to = best * d;
        for (let t = 0; t < d; t++) {
          const value = w * x[row + t]!;
          sums[from + t]! -= value;
          sums[to + t]! += value;
        }
        mass[a]! -= w;
        mass[best]! += w;
        if (w > 0) {
          members[a]!--;
          members[best]!++;
        }
        labels[i] = best;
        changes++;
      }
    }
    return changes;
  }

  /** The first index whose prefix sum reaches `target` (numpy's searchsorted, left). */
  private draw(prefix: Float64Array, target: number): number {
    let low = 0;
    let high = this.n - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (prefix[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/**
 * Mean silhouette of several labellings of the same rows at once. `labels[i * m + o]` is
 * row i's cluster under option o (m = ks.length), with ks[o] clusters.
 */
function meanSilhouettes(
  x: Float64Array,
  n: number,
  d: number,
  labels: Int32Array,
  ks: number[],
): Float64Array {
  const m = ks.length;
  const offsets = new Int32Array(m);
  let size = 0;
  for (let o = 0; o < m; o++) {
    offsets[o] = size;
    size += ks[o]!;
  }
  // distanceTo[i * size + offsets[o] + c]: summed distance from row i to cluster c of option o.
  const distanceTo = new Float64Array(n * size);
  const count = new Int32Array(size);
  for (let i = 0; i < n; i++) for (let o = 0; o < m; o++) count[offsets[o]! + labels[i * m + o]!]!++;

  for (let i = 0; i < n; i++) {
    const rowI = i * d;
    const toI = i * size;
    for (let j = i + 1; j < n; j++) {
      const distance = sqrt(squaredDistance(x, rowI, x, j * d, d));
      const toJ = j * size;
      for (let o = 0; o < m; o++) {
        const offset = offsets[o]!;
        distanceTo[toI + offset + labels[j * m + o]!]! += distance;
        distanceTo[toJ + offset + labels[i * m + o]!]! += distance;
      }
    }
  }

  const means = new Float64Array(m);
  for (let o = 0; o < m; o++) {
    const offset = offsets[o]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const own = labels[i * m + o]!;
      const ownCount = count[offset + own]!;
      if (ownCount <= 1) continue; // a singleton scores 0
      const a = distanceTo[i * size + offset + own]! / (ownCount - 1);
      let b = infinity;
      for (let c = 0; c < ks[o]!; c++) {
        const members = count[offset + c]!;
        if (c === own || members === 0) continue;
        const mean = distanceTo[i * size + offset + c]! / members;
        if (mean < b) b = mean;
      }
      if (b === infinity) continue; // one cluster only: undefined, scored 0
      const scale = max(a, b);
      if (scale > 0) total += (b - a) / scale;
    }
    means[o] = total / n;
  }
  return means;
}

function squaredDistance(a: Float64Array, aAt: number, b: Float64Array, bAt: number, d: number): number {
  let sum = 0;
  for (let t = 0; t < d; t++) {
    const diff = a[aAt + t]! - b[bAt + t]!;
    sum += diff * diff;
  }
  return sum;
}

/**
 * The index of the centroid nearest to the row at `row` (the lowest on ties); writes the
 * smallest and second-smallest squared distances to `out` (the second is ∞ when k = 1).
 * Centroids are taken four at a time, each coordinate of the row loaded once for four
 * independent sums.
 */
function nearestTwo(
  x: Float64Array,
  row: number,
  c: Float64Array,
  k: number,
  d: number,
  out: Float64Array,
): number {
  let best = 0;
  let first = infinity;
  let next = infinity;
  let j = 0;
  for (; j + 4 <= k; j += 4) {
    const c0 = j * d;
    const c1 = c0 + d;
    const c2 = c1 + d;
    const c3 = c2 + d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let p = row, t = 0; t < d; p++, t++) {
      const value = x[p]!;
      const e0 = value - c[c0 + t]!;
      const e1 = value - c[c1 + t]!;
      const e2 = value - c[c2 + t]!;
      const e3 = value - c[c3 + t]!;
      s0 += e0 * e0;
      s1 += e1 * e1;
      s2 += e2 * e2;
      s3 += e3 * e3;
    }
    // Merge the four in index order, so ties keep the lowest index.
    if (s0 < first) {
      next = first;
      first = s0;
      best = j;
    } else if (s0 < next) next = s0;
    if (s1 < first) {
      next = first;
      first = s1;
      best = j + 1;
    } else if (s1 < next) next = s1;
    if (s2 < first) {
      next = first;
      first = s2;
      best = j + 2;
    } else if (s2 < next) next = s2;
    if (s3 < first) {
      next = first;
      first = s3;
      best = j + 3;
    } else if (s3 < next) next = s3;
  }
  for (; j < k; j++) {
    const distance = squaredDistance(x, row, c, j * d, d);
    if (distance < first) {
      next = first;
      first = distance;
      best = j;
    } else if (distance < next) next = distance;
  }
  out[0] = first;
  out[1] = next;
  return best;
}

function prefixSums(values: Float64Array, out: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    out[i] = sum;
  }
  return sum;
}

/** `size` distinct row indices drawn uniformly (a partial Fisher-Yates shuffle). */
function sampleRows(n: number, size: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    const picked = order[j]!;
    order[j] = order[i]!;
    order[i] = picked;
  }
  return order.slice(0, size);
}

function meanColumnVariance(x: Float64Array, n: number, d: number): number {
  const sum = new Float64Array(d);
  const squares = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) {
      const value = x[i * d + t]!;
      sum[t]! += value;
      squares[t]! += value * value;
    }
  }
  let total = 0;
  for (let t = 0; t < d; t++) {
    const mean = sum[t]! / n;
    total += Math.max(0, squares[t]! / n - mean * mean);
  }
  return total / d;
}

function toFloat64(data: Matrix): Float64Array {
  return data instanceof Float64Array ? data : Float64Array.from(data);
}

function checkMatrix(data: Matrix, n: number, d: number, minRows = 1): void {
  checkInteger('n', n, minRows, Number.MAX_SAFE_INTEGER);
  checkInteger('d', d, 1, Number.MAX_SAFE_INTEGER);
  if (data.length !== n * d)
    throw new RangeError(`data has ${data.length} values, expected n × d = ${n * d}`);
  for (let i = 0; i < data.length; i++) {
    if (!finite(data[i]!)) {
      throw new RangeError(`row ${Math.floor(i / d)}, column ${i % d} is not a finite number`);
    }
  }
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

function checkWeights(sampleWeight: ArrayLike<number> | undefined, n: number): Float64Array {
  if (sampleWeight === undefined) return new Float64Array(n).fill(1);
  if (sampleWeight.length !== n) {
    throw new RangeError(`sampleWeight has ${sampleWeight.length} entries, expected ${n}`);
  }
  const weights = Float64Array.from(sampleWeight);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`sampleWeight[${i}] must be finite and ≥ 0`);
    total += w;
  }
  if (!(total > 0)) throw new RangeError('sampleWeight must have a positive entry');
  return weights;
}

/** A 0/1 flag per column. */
function logColumns(columns: number[], d: number): Uint8Array {
  const flags = new Uint8Array(d);
  for (const column of columns) {
    checkInteger('log1p column', column, 0, d - 1);
    flags[column] = 1;
  }
  return flags;
}
