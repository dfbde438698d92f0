/**
 * Recommendations and the interest model inside the profiling run: the bridge between
 * product ids (strings) and the typed-array kernels, and the JSON forms stored between the
 * run's states.
 *
 * - Each shard extracts its users' purchase histories ({@link purchaseHistories}).
 * - The fit (where segments are fitted) builds the item side from a sample of histories:
 *   ALS item factors, item neighbours, popularity, the learned blend and the interest model
 *   ({@link fitRecommendationModel}); it is stored as one JSON object.
 * - Each shard then folds in its own users against the item factors and keeps their top-N
 *   lists and interest probabilities ({@link recommendShard}), so no function ever holds
 *   every user. Shards also count their segments' buyers per product, merged at the end into
 *   each segment's picks: what a user with no purchases is offered.
 * Product ids are kept as given (stable across runs); positions in the arrays are internal.
 */

import { NotFoundError } from '../../core/errors';
import type { Table } from '../shared/ports';
import { nonProduct } from './categories';
import { foldInOf } from './kernels/als';
import { type PurchaseLog, purchaseLog } from './kernels/history';
import { fitInterestModel, type InterestModel, predictInterest, rank } from './kernels/interest';
import type { Neighbours } from './kernels/neighbours';
import {
  type Blend,
  fitRecommender,
  type Recommendation,
  type RecommendationSource,
  type Recommender,
  RecommendScratch,
  recommend,
} from './kernels/recommend';
import type { ProfileStore } from './store';

const DAY = 86_400_000;

/** A user's purchases: [productId, day (epoch ms / 1 day), category]. */
export interface PurchaseHistory {
  readonly userId: string;
  readonly purchases: Array<[string, number, string]>;
}

/** The minimum a purchase event needs here (a validated behaviour event satisfies it). */
interface PurchaseLike {
  userId: string;
  type: string;
  productId?: string | undefined;
  timestamp: string;
  quantity?: number | undefined;
  category?: string | undefined;
}

/**
 * Purchase histories of the users in `events`: purchases of products (not charges) with a
 * positive quantity, at or before `now`, one entry per event.
 */
export function purchaseHistories(
  events: Iterable<PurchaseLike>,
  now: number,
  isGuest: (userId: string) => boolean,
): PurchaseHistory[] {
  const byUser = new Map<string, Array<[string, number, string]>>();
  for (const e of events) {
    if (e.type !== 'purchase' || !e.productId || e.category === nonProduct.id || isGuest(e.userId)) continue;
    if (!((e.quantity ?? 1) > 0)) continue;
    const at = Date.parse(e.timestamp);
    if (!(at <= now)) continue;
    const list = byUser.get(e.userId) ?? [];
    list.push([e.productId, at / DAY, e.category ?? 'other']);
    byUser.set(e.userId, list);
  }
  return [...byUser.entries()].map(([userId, purchases]) => ({ userId, purchases }));
}

/** The fitted item side, as stored in the run's folder. */
export interface RecommendationModel {
  readonly productIds: string[];
  readonly categories: string[];
  /** Category position of each product. */
  readonly itemCategory: number[];
  /** The day (epoch ms / 1 day) the model was fitted as of. */
  readonly now: number;
  readonly halfLifeDays: number;
  readonly factors: number;
  readonly alpha: number;
  readonly regularization: number;
  readonly itemFactors: number[];
  readonly neighbours: { k: number; index: number[]; similarity: number[] };
  readonly basketNeighbours: { k: number; index: number[]; similarity: number[] };
  readonly popularity: number[];
  readonly blend: { [K in keyof Blend]: number[] };
  readonly discoverBlend: { [K in keyof Blend]: number[] };
  readonly interest: Omit<InterestModel, 'weights' | 'intercepts' | 'trend' | 'trendLong'> & {
    weights: number[];
    intercepts: number[];
    trend: number[];
    trendLong: number[];
  };
  readonly figures: { users: number; products: number; validationUsers: number; interestExamples: number };
}

/** Options of {@link fitRecommendationModel}. */
export interface RecommendationFitOptions {
  seed: number;
  factors?: number;
  iterations?: number;
  regularization?: number;
}

/** The purchase log of `histories` over the products in `index` (others are skipped). */
function logOf(histories: PurchaseHistory[], index: Map<string, number>): PurchaseLog {
  const u: number[] = [];
  const i: number[] = [];
  const d: number[] = [];
  histories.forEach((h, user) => {
    for (const [productId, day] of h.purchases) {
      const item = index.get(productId);
      if (item === undefined) continue;
      u.push(user);
      i.push(item);
      d.push(day);
    }
  });
  return purchaseLog(histories.length, index.size, u, i, d);
}

const rounded = (values: ArrayLike<number>, digits = 6) => {
  const f = 10 ** digits;
  return Array.from(values, (v) => Math.round(v * f) / f);
};

/**
 * Fits the item side and the interest model on `histories` (a sample of users is enough:
 * item factors need many users per item, not every user) as of `now` (epoch ms).
 * Returns null when there are no purchases to learn from.
 */
export function fitRecommendationModel(
  histories: PurchaseHistory[],
  now: number,
  options: RecommendationFitOptions,
): RecommendationModel | null {
  const productIds = [...new Set(histories.flatMap((h) => h.purchases.map((p) => p[0])))].sort();
  if (productIds.length === 0) return null;
  const index = new Map(productIds.map((id, i) => [id, i]));
  const categoryOf = new Map<string, string>();
  for (const h of histories) for (const [id, , category] of h.purchases) categoryOf.set(id, category);
  const categories = [...new Set(categoryOf.values())].sort();
  const categoryIndex = new Map(categories.map((c, i) => [c, i]));
  const itemCategory = Int32Array.from(productIds, (id) => categoryIndex.get(categoryOf.get(id)!)!);
  const log = logOf(histories, index);
  const today = now / DAY;
  const regularization = options.regularization ?? 1;
  const model = fitRecommender(log, today + 1e-9, {
    seed: options.seed,
    regularization,
    factors: Math.min(options.factors ?? 32, Math.max(1, productIds.length)),
    iterations: options.iterations ?? 10,
  });
  const interest = fitInterestModel(log, itemCategory, categories.length, today + 1e-9);
  return {
    productIds,
    categories,
    itemCategory: Array.from(itemCategory),
    now: model.now,
    halfLifeDays: model.halfLifeDays,
    factors: model.foldIn.factors,
    alpha: model.foldIn.alpha,
    regularization,
    itemFactors: rounded(model.foldIn.itemFactors),
    neighbours: storedNeighbours(model.neighbours),
    basketNeighbours: storedNeighbours(model.basketNeighbours),
    popularity: rounded(model.popularity),
    blend: {
      mean: Array.from(model.blend.mean),
      scale: Array.from(model.blend.scale),
      weights: Array.from(model.blend.weights),
    },
    discoverBlend: {
      mean: Array.from(model.discoverBlend.mean),
      scale: Array.from(model.discoverBlend.scale),
      weights: Array.from(model.discoverBlend.weights),
    },
    interest: {
      categories: interest.categories,
      halfLifeDays: interest.halfLifeDays,
      examples: interest.examples,
      weights: Array.from(interest.weights),
      intercepts: Array.from(interest.intercepts),
      trend: Array.from(interest.trend),
      trendLong: Array.from(interest.trendLong),
    },
    figures: {
      users: histories.length,
      products: productIds.length,
      validationUsers: model.validation.users,
      interestExamples: interest.examples,
    },
  };
}

const storedNeighbours = (n: Neighbours) => ({
  k: n.k,
  index: Array.from(n.index),
  similarity: rounded(n.similarity),
});
const revivedNeighbours = (n: RecommendationModel['neighbours'], items: number): Neighbours => ({
  items,
  k: n.k,
  index: Int32Array.from(n.index),
  similarity: Float64Array.from(n.similarity),
});

/** The kernels' objects of a stored model. */
function revive(m: RecommendationModel): { recommender: Recommender; interest: InterestModel } {
  const itemFactors = Float64Array.from(m.itemFactors);
  const foldIn = foldInOf({
    factors: m.factors,
    alpha: m.alpha,
    regularization: m.regularization,
    itemFactors,
  });
  const blendOf = (b: RecommendationModel['blend']): Blend => ({
    mean: Float64Array.from(b.mean),
    scale: Float64Array.from(b.scale),
    weights: Float64Array.from(b.weights),
  });
  return {
    recommender: {
      items: m.productIds.length,
      now: m.now,
      halfLifeDays: m.halfLifeDays,
      foldIn,
      userFactors: new Float64Array(0),
      neighbours: revivedNeighbours(m.neighbours, m.productIds.length),
      basketNeighbours: revivedNeighbours(m.basketNeighbours, m.productIds.length),
      popularity: Float64Array.from(m.popularity),
      blend: blendOf(m.blend),
      discoverBlend: blendOf(m.discoverBlend),
      validation: { users: m.figures.validationUsers, positives: 0, rows: 0 },
    },
    interest: {
      ...m.interest,
      weights: Float64Array.from(m.interest.weights),
      intercepts: Float64Array.from(m.interest.intercepts),
      trend: Float64Array.from(m.interest.trend),
      trendLong: Float64Array.from(m.interest.trendLong),
    },
  };
}

/** One recommended product as stored with the profile and served. */
export interface StoredRecommendation {
  productId: string;
  score: number;
  /** The signal behind it; 'segment' for a segment's picks (users with no purchases). */
  source: RecommendationSource | 'segment';
  /** The product the reason names (the user's own purchase behind it), when there is one. */
  becauseProductId?: string;
}

/** What a shard stores per user. */
export interface UserRecommendations {
  /** The served list (buy again and discover, blended). */
  recommendations: StoredRecommendation[];
  /** Only products the user never bought. */
  discover: StoredRecommendation[];
  /** Next purchase category probabilities, most likely first (the top 5). */
  interest: Array<{ category: string; probability: number }>;
}

/**
 * Lists for each user of a shard: their history folded in against the model's item factors
 * (users of the fit and new users alike), `limit` products each.
 */
export function recommendShard(
  model: RecommendationModel,
  histories: PurchaseHistory[],
  limit: number,
): Map<string, UserRecommendations> {
  const { recommender, interest } = revive(model);
  const index = new Map(model.productIds.map((id, i) => [id, i]));
  const log = logOf(histories, index);
  const itemCategory = Int32Array.from(model.itemCategory);
  const scratch = new RecommendScratch(recommender.items, recommender.foldIn.factors);
  const probabilities = new Float64Array(model.categories.length);
  const out = new Map<string, UserRecommendations>();
  const stored = (r: Recommendation): StoredRecommendation => ({
    productId: model.productIds[r.item]!,
    score: Math.round(r.score * 1000) / 1000,
    source: r.source,
    ...(r.because >= 0 ? { becauseProductId: model.productIds[r.because]! } : {}),
  });
  histories.forEach((h, u) => {
    const all = recommend(recommender, log, u, { limit }, scratch).map(stored);
    const discover = recommend(recommender, log, u, { limit, excludePurchased: true }, scratch).map(stored);
    const p = predictInterest(interest, log, u, recommender.now, itemCategory, probabilities);
    const interestList = p
      ? rank(p)
          .slice(0, 5)
          .map((c) => ({ category: model.categories[c]!, probability: Math.round(p[c]! * 1000) / 1000 }))
      : [];
    out.set(h.userId, { recommendations: all, discover, interest: interestList });
  });
  return out;
}

/** Buyers per product within each segment: a shard's part of the segments' picks. */
export type SegmentProductCounts = Record<string, Record<string, number>>;

/** Adds a user's distinct products to their segment's buyer counts. */
export function countSegmentBuyers(
  into: SegmentProductCounts,
  segmentId: string,
  history: PurchaseHistory,
): void {
  const counts = into[segmentId] ?? {};
  into[segmentId] = counts;
  for (const productId of new Set(history.purchases.map((p) => p[0])))
    counts[productId] = (counts[productId] ?? 0) + 1;
}

/** Merges shards' counts and keeps each segment's `limit` most bought products (ties by id). */
export function segmentPicks(
  parts: SegmentProductCounts[],
  limit: number,
): Record<string, Array<{ productId: string; buyers: number }>> {
  const merged: SegmentProductCounts = {};
  for (const part of parts) {
    for (const [segmentId, counts] of Object.entries(part)) {
      const into = merged[segmentId] ?? {};
      merged[segmentId] = into;
      for (const [productId, n] of Object.entries(counts)) into[productId] = (into[productId] ?? 0) + n;
    }
  }
  return Object.fromEntries(
    Object.entries(merged).map(([segmentId, counts]) => [
      segmentId,
      Object.entries(counts)
        .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
        .slice(0, limit)
        .map(([productId, buyers]) => ({ productId, buyers })),
    ]),
  );
}

/** The reason of a recommendation in words, naming the product behind it by its title when known. */
export function reasonOf(
  r: Pick<StoredRecommendation, 'source' | 'becauseProductId'>,
  title: (productId: string) => string,
): string {
  const named = r.becauseProductId ? title(r.becauseProductId) || r.becauseProductId : undefined;
  switch (r.source) {
    case 'history':
      return named ? `you bought ${named}` : 'you bought this before';
    case 'neighbours':
      return named
        ? `people who bought ${named} also bought this`
        : 'people who bought what you bought also bought this';
    case 'factors':
      return 'people with purchases like yours bought this';
    case 'popularity':
      return 'popular with shoppers lately';
    case 'segment':
      return 'popular in your segment';
  }
}

/** Longest list stored per user, and so the largest `limit` served. */
export const maxRecommendations = 20;

/** One served recommendation. */
export interface ServedRecommendation {
  productId: string;
  score: number;
  reason: string;
  source: StoredRecommendation['source'];
}

/** What a profile stores of the recommender (absent before the first run that had purchases). */
export interface ProfileRecommendations {
  recommendations?: StoredRecommendation[];
  discover?: StoredRecommendation[];
}

/**
 * The list served for a profile: its stored list (or, with `excludePurchased`, its
 * discoveries), or when it has none (a user with no purchases) their segment's picks,
 * scored by their share of the segment's top buyers. Best first, at most `limit`.
 */
export function servedRecommendations(
  profile: ProfileRecommendations,
  segmentPicks: ReadonlyArray<{ productId: string; buyers: number }> | undefined,
  options: { limit: number; excludePurchased: boolean },
  title: (productId: string) => string,
): ServedRecommendation[] {
  const own = options.excludePurchased ? profile.discover : profile.recommendations;
  if (own && own.length > 0) {
    return own.slice(0, options.limit).map((r) => ({
      productId: r.productId,
      score: r.score,
      reason: reasonOf(r, title),
      source: r.source,
    }));
  }
  const picks = segmentPicks ?? [];
  const top = picks[0]?.buyers ?? 1;
  return picks.slice(0, options.limit).map((p) => ({
    productId: p.productId,
    score: Math.round((p.buyers / top) * 1000) / 1000,
    reason: reasonOf({ source: 'segment' }, title),
    source: 'segment',
  }));
}

/** The product ids whose titles the reasons of a served list need. */
export function productsNamed(
  profile: ProfileRecommendations,
  excludePurchased: boolean,
  limit: number,
): string[] {
  const own = (excludePurchased ? profile.discover : profile.recommendations) ?? [];
  return [...new Set(own.slice(0, limit).flatMap((r) => (r.becauseProductId ? [r.becauseProductId] : [])))];
}

/** The ports {@link getRecommendations} reads. */
export interface RecommendationPorts {
  readonly profiles: Pick<ProfileStore, 'getProfile' | 'getSegment'>;
  /** The catalog, for the titles the reasons name. */
  readonly catalog: Pick<Table, 'batchGet'>;
}

/**
 * `GET /recommendations`: a user's list, best first, each with its reason in words.
 *
 * @throws NotFoundError naming the user when no profiling run has profiled them.
 */
export async function getRecommendations(
  query: { userId: string; limit: number; excludePurchased: boolean },
  ports: RecommendationPorts,
): Promise<{ userId: string; items: ServedRecommendation[] }> {
  const profile = await ports.profiles.getProfile(query.userId);
  if (!profile) {
    throw new NotFoundError(`no profile for user ${query.userId}; has a profiling run included them?`);
  }
  const stored = profile as ProfileRecommendations;
  const own = query.excludePurchased ? stored.discover : stored.recommendations;
  const segment = own?.length ? undefined : await ports.profiles.getSegment(profile.segmentId);
  const picks = (segment as { picks?: Array<{ productId: string; buyers: number }> } | undefined)?.picks;
  const named = productsNamed(stored, query.excludePurchased, query.limit);
  const titles = new Map<string, string>();
  if (named.length) {
    for (const item of await ports.catalog.batchGet(named.map((productId) => ({ productId })))) {
      titles.set(String(item['productId']), String(item['title'] ?? ''));
    }
  }
  const items = servedRecommendations(
    stored,
    picks,
    { limit: query.limit, excludePurchased: query.excludePurchased },
    (id) => titles.get(id) ?? '',
  );
  return { userId: query.userId, items };
}
