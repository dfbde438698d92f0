import { categoryName } from './categories';
import {
  clusteringFeatureNames,
  clusteringVector,
  type PriceBand,
  priceBand,
  priceBandNames,
  type RfmTier,
  rfmTierNames,
  tierOf,
  type UserFeatures,
} from './features';
import { chooseK, kmeans, standardize } from './kernels/kmeans';

/**
 * Segmentation: fitted on a sample of buyers (standardized clustering features, winsorized at
 * the sample's 1st and 99th percentiles so a few wholesalers do not own a cluster; k chosen by
 * silhouette), applied to every user. Users without a purchase form the fixed `browsers`
 * segment. Segment ids persist across runs: a new centroid takes the id of the previous run's
 * nearest centroid when they are close (RMS distance below 0.5 standard deviations per feature).
 */
export interface SegmentationModel {
  readonly featureNames: readonly string[];
  readonly lower: number[];
  readonly upper: number[];
  readonly mean: number[];
  readonly std: number[];
  /** k × d centroids in standardized units. */
  readonly centroids: number[][];
  readonly segmentIds: string[];
  readonly scores: Array<{ k: number; silhouette: number; inertia: number }>;
  readonly sampleSize: number;
}

export const browsersSegment = 'browsers';
const d = clusteringFeatureNames.length;

export interface PreviousSegment {
  readonly segmentId: string;
  /** The centroid in clustering-feature units (not standardized). */
  readonly centroid: number[];
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function fitSegmentation(
  buyers: readonly UserFeatures[],
  options: { seed: number; kMin?: number; kMax?: number; previous?: readonly PreviousSegment[] },
): SegmentationModel {
  const n = buyers.length;
  const raw = new Float64Array(n * d);
  buyers.forEach((f, i) => {
    clusteringVector(f, raw, i * d);
  });
  const lower: number[] = [];
  const upper: number[] = [];
  const column = new Float64Array(n);
  for (let t = 0; t < d; t++) {
    for (let i = 0; i < n; i++) column[i] = raw[i * d + t]!;
    column.sort();
    lower.push(quantile(column, 0.01));
    upper.push(quantile(column, 0.99));
  }
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) raw[i * d + t] = Math.min(upper[t]!, Math.max(lower[t]!, raw[i * d + t]!));
  }
  const { data, mean, std } = standardize(raw, n, d);
  const kMax = Math.min(options.kMax ?? 8, n - 1);
  const kMin = Math.min(options.kMin ?? 2, kMax);
  let centroids: Float64Array;
  let k: number;
  let scores: SegmentationModel['scores'] = [];
  if (n < 3) {
    // Too few buyers to compare clusterings: one segment.
    k = 1;
    centroids = new Float64Array(d);
    if (n > 0) centroids = kmeans(data, n, d, { k: 1, seed: options.seed }).centroids;
  } else {
    const chosen = chooseK(data, n, d, { kMin, kMax, seed: options.seed, sampleSize: 3000, nInit: 3 });
    k = chosen.k;
    scores = chosen.scores;
    centroids = kmeans(data, n, d, { k, seed: options.seed, nInit: 5 }).centroids;
  }
  const rows = Array.from({ length: k }, (_, c) => Array.from(centroids.subarray(c * d, c * d + d)));
  return {
    featureNames: clusteringFeatureNames,
    lower,
    upper,
    mean: Array.from(mean),
    std: Array.from(std),
    centroids: rows,
    segmentIds: stableIds(rows, Array.from(mean), Array.from(std), options.previous ?? []),
    scores,
    sampleSize: n,
  };
}

/** Give each new centroid the id of a close previous one (greedy, closest pairs first), else a new id. */
export function stableIds(
  centroids: number[][],
  mean: number[],
  std: number[],
  previous: readonly PreviousSegment[],
): string[] {
  const pairs: Array<{ c: number; p: number; distance: number }> = [];
  centroids.forEach((centroid, c) => {
    previous.forEach((prev, p) => {
      let sum = 0;
      for (let t = 0; t < d; t++) {
        const standardized = ((prev.centroid[t] ?? 0) - (mean[t] ?? 0)) / (std[t] || 1);
        sum += (standardized - (centroid[t] ?? 0)) ** 2;
      }
      pairs.push({ c, p, distance: Math.sqrt(sum / d) });
    });
  });
  pairs.sort((a, b) => a.distance - b.distance);
  const ids: Array<string | undefined> = centroids.map(() => undefined);
  const taken = new Set<number>();
  for (const { c, p, distance } of pairs) {
    if (distance >= 0.5 || ids[c] !== undefined || taken.has(p)) continue;
    ids[c] = previous[p]?.segmentId;
    taken.add(p);
  }
  let next = Math.max(0, ...previous.map((s) => Number(/^seg-(\d+)$/.exec(s.segmentId)?.[1] ?? 0))) + 1;
  return ids.map((id) => id ?? `seg-${next++}`);
}

/** A fitted centroid back in clustering-feature units: what the next run compares with. */
export function rawCentroid(model: SegmentationModel, c: number): number[] {
  return (model.centroids[c] ?? []).map((v, t) => v * (model.std[t] ?? 1) + (model.mean[t] ?? 0));
}

/** The segment of one user, and the distance (standardized units) to its centroid. */
export function assignSegment(
  features: UserFeatures,
  model: SegmentationModel,
): { segmentId: string; distance: number } {
  if (!features.buyer || model.centroids.length === 0) return { segmentId: browsersSegment, distance: 0 };
  const x = new Float64Array(d);
  clusteringVector(features, x, 0);
  for (let t = 0; t < d; t++) {
    const clipped = Math.min(model.upper[t]!, Math.max(model.lower[t]!, x[t]!));
    x[t] = (clipped - model.mean[t]!) / model.std[t]!;
  }
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  model.centroids.forEach((centroid, c) => {
    let sum = 0;
    for (let t = 0; t < d; t++) sum += (x[t]! - centroid[t]!) ** 2;
    if (sum < bestDistance) [best, bestDistance] = [c, sum];
  });
  return { segmentId: model.segmentIds[best] ?? browsersSegment, distance: Math.sqrt(bestDistance) };
}

/** Per-segment sums, added up shard by shard, from which personas are written. */
export interface SegmentStats {
  users: number;
  monetary: number;
  recencyDays: number;
  frequency: number;
  priceLog: number;
  rScore: number;
  fScore: number;
  mScore: number;
  tiers: Record<string, number>;
  categories: Record<string, number>;
  /** Sum of clustering vectors (unstandardized), for the centroid kept for the next run. */
  vector: number[];
}

export const emptySegmentStats = (): SegmentStats => ({
  users: 0,
  monetary: 0,
  recencyDays: 0,
  frequency: 0,
  priceLog: 0,
  rScore: 0,
  fScore: 0,
  mScore: 0,
  tiers: {},
  categories: {},
  vector: new Array(d).fill(0),
});

const addRecord = (a: Record<string, number>, b: Record<string, number>) => {
  const out = { ...a };
  for (const [key, n] of Object.entries(b)) out[key] = (out[key] ?? 0) + n;
  return out;
};

export function mergeSegmentStats(a: SegmentStats, b: SegmentStats): SegmentStats {
  return {
    users: a.users + b.users,
    monetary: a.monetary + b.monetary,
    recencyDays: a.recencyDays + b.recencyDays,
    frequency: a.frequency + b.frequency,
    priceLog: a.priceLog + b.priceLog,
    rScore: a.rScore + b.rScore,
    fScore: a.fScore + b.fScore,
    mScore: a.mScore + b.mScore,
    tiers: addRecord(a.tiers, b.tiers),
    categories: addRecord(a.categories, b.categories),
    vector: a.vector.map((v, i) => v + (b.vector[i] ?? 0)),
  };
}

export function addUserToStats(
  stats: SegmentStats,
  user: {
    features: UserFeatures;
    rfm: { r: number; f: number; m: number; tier: RfmTier };
    categories: Array<{ category: string; share: number }>;
  },
): void {
  const { features, rfm } = user;
  stats.users++;
  stats.monetary += Math.max(0, features.monetary);
  stats.recencyDays += features.recencyDays;
  stats.frequency += features.frequency;
  stats.priceLog += Math.log(features.priceIndex);
  stats.rScore += rfm.r;
  stats.fScore += rfm.f;
  stats.mScore += rfm.m;
  stats.tiers[rfm.tier] = (stats.tiers[rfm.tier] ?? 0) + 1;
  for (const { category, share } of user.categories) {
    stats.categories[category] = (stats.categories[category] ?? 0) + share;
  }
  const v = new Float64Array(d);
  clusteringVector(features, v, 0);
  for (let t = 0; t < d; t++) stats.vector[t]! += v[t]!;
}

export interface Segment {
  readonly segmentId: string;
  readonly label: { en: string; zh: string };
  readonly size: number;
  readonly userShare: number;
  readonly valueShare: number;
  readonly tier: RfmTier;
  readonly priceBand: PriceBand;
  readonly topCategories: Array<{ category: string; share: number; en: string; zh: string }>;
  readonly averages: { recencyDays: number; frequency: number; monetary: number; priceIndex: number };
  readonly rfm: { r: number; f: number; m: number };
  readonly tiers: Record<string, number>;
  readonly traits: { en: string[]; zh: string[] };
  /** The fitted centroid, unstandardized: how the next run recognizes this segment. */
  readonly centroid: number[];
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A readable persona for each segment, in English and Chinese, from its statistics. */
export function describeSegments(stats: Record<string, SegmentStats>, model?: SegmentationModel): Segment[] {
  const centroids = new Map(model ? model.segmentIds.map((id, c) => [id, rawCentroid(model, c)]) : []);
  const totalUsers = Object.values(stats).reduce((s, x) => s + x.users, 0) || 1;
  const totalValue = Object.values(stats).reduce((s, x) => s + x.monetary, 0) || 1;
  const overall: Record<string, number> = {};
  for (const x of Object.values(stats)) {
    for (const [category, w] of Object.entries(x.categories))
      overall[category] = (overall[category] ?? 0) + w;
  }
  const overallTotal = Object.values(overall).reduce((a, b) => a + b, 0) || 1;
  return Object.entries(stats)
    .filter(([, s]) => s.users > 0)
    .map(([segmentId, s]) => {
      const n = s.users;
      const rfm = { r: round(s.rScore / n, 1), f: round(s.fScore / n, 1), m: round(s.mScore / n, 1) };
      const tier: RfmTier = segmentId === browsersSegment ? 'browsers' : tierOf(rfm.r, rfm.f, rfm.m);
      const priceIndex = Math.exp(s.priceLog / n);
      const band = priceBand(priceIndex);
      const categoryTotal = Object.values(s.categories).reduce((a, b) => a + b, 0) || 1;
      const topCategories = Object.entries(s.categories)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([category, w]) => ({
          category,
          share: round(w / categoryTotal, 3),
          ...categoryName(category),
        }));
      // The persona names the segment's signature category: the one it over-indexes on most
      // (its share over the share among all users), among those with at least 5% of its weight.
      const signature = Object.entries(s.categories)
        .map(([category, w]) => ({
          category,
          share: w / categoryTotal,
          index: w / categoryTotal / ((overall[category] ?? 0) / overallTotal || 1),
        }))
        .filter((c) => c.share >= 0.05)
        .sort((a, b) => b.index - a.index)[0];
      const top = signature ? { ...categoryName(signature.category), index: signature.index } : undefined;
      const tierName = rfmTierNames[tier];
      const bandName = priceBandNames[band];
      const label = {
        en: [
          tierName.en,
          top ? `${top.en} lovers` : undefined,
          segmentId === browsersSegment ? undefined : bandName.en,
        ]
          .filter(Boolean)
          .join(' · '),
        zh: [
          tierName.zh,
          top ? `偏爱${top.zh}` : undefined,
          segmentId === browsersSegment ? undefined : bandName.zh,
        ]
          .filter(Boolean)
          .join(' · '),
      };
      const averages = {
        recencyDays: round(s.recencyDays / n, 1),
        frequency: round(s.frequency / n, 2),
        monetary: round(s.monetary / n, 2),
        priceIndex: round(priceIndex, 3),
      };
      const userShare = round(n / totalUsers, 4);
      const valueShare = round(s.monetary / totalValue, 4);
      const traits = {
        en: [
          `${n} users (${round(userShare * 100, 1)}% of users, ${round(valueShare * 100, 1)}% of net spend)`,
          `last purchase ${averages.recencyDays} days before the snapshot on average; ${averages.frequency} orders; ${averages.monetary} spent`,
          `pays ${round(priceIndex * 100, 0)}% of the typical price in its categories (${bandName.en})`,
          ...(topCategories.length
            ? [`buys mostly ${topCategories.map((c) => `${c.en} (${round(c.share * 100, 0)}%)`).join(', ')}`]
            : []),
          ...(top ? [`over-indexes on ${top.en}: ${round(top.index, 2)}× its share among all users`] : []),
        ],
        zh: [
          `${n} 位用户（占用户 ${round(userShare * 100, 1)}%，占净消费 ${round(valueShare * 100, 1)}%）`,
          `平均距上次购买 ${averages.recencyDays} 天；平均 ${averages.frequency} 单；平均消费 ${averages.monetary}`,
          `成交价约为同类典型价格的 ${round(priceIndex * 100, 0)}%（${bandName.zh}）`,
          ...(topCategories.length
            ? [`主要购买：${topCategories.map((c) => `${c.zh}（${round(c.share * 100, 0)}%）`).join('、')}`]
            : []),
          ...(top ? [`${top.zh}的占比是全体用户的 ${round(top.index, 2)} 倍`] : []),
        ],
      };
      return {
        segmentId,
        label,
        size: n,
        userShare,
        valueShare,
        tier,
        priceBand: band,
        topCategories,
        averages,
        rfm,
        tiers: s.tiers,
        traits,
        centroid: centroids.get(segmentId) ?? s.vector.map((v) => v / n),
      };
    })
    .sort((a, b) => b.valueShare - a.valueShare);
}
