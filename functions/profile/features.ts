import { dayMs } from '../shared/time';
import { nonProduct } from './categories';
import type { BehaviourEvent } from './schema';

/**
 * Cleaning and per-user features. A shard's events are cleaned and folded into one
 * `UserAggregate` per user (no global knowledge needed); the features that need the whole
 * data set (snapshot date, category reference prices, RFM quintiles) are finished later with
 * `GlobalReference`.
 *
 * Cleaning rules, each counted in the run report:
 * - duplicates: the same event id twice (dropped when the shard is read);
 * - guest events: no identified user (`guest:` ids from exports without a customer): kept for
 *   basket mining, left out of user features;
 * - future events: timestamps after the run started (impossible): dropped;
 * - impossible values: purchases or refunds without a positive quantity, or with a negative
 *   price: dropped;
 * - zero-price lines: kept for frequency and baskets, left out of spend and price features;
 * - outliers: lines above `maxQuantity` units or `maxLineValue` in value (defaults 10,000 and
 *   50,000, configurable): dropped, refunds included, so a huge order and its immediate
 *   cancellation both go;
 * - returns: refund events reduce net spend and count toward the refund rate;
 * - non-product lines (postage, fees, adjustments): left out of spend, baskets and affinities.
 */
export interface CleaningOptions {
  readonly maxQuantity: number;
  readonly maxLineValue: number;
  /** Events after this instant are impossible. */
  readonly now: number;
  /** Inactivity that starts a new session when events carry no session id. */
  readonly sessionGapMs: number;
}

export const defaultCleaning = (now: number): CleaningOptions => ({
  maxQuantity: 10_000,
  maxLineValue: 50_000,
  now,
  sessionGapMs: 30 * 60_000,
});

export type CleaningCounts = {
  eventsIn: number;
  duplicates: number;
  guestEvents: number;
  futureEvents: number;
  impossibleValues: number;
  zeroPriceLines: number;
  outliers: number;
  returns: number;
  nonProductLines: number;
  eventsKept: number;
};

export const emptyCleaning = (): CleaningCounts => ({
  eventsIn: 0,
  duplicates: 0,
  guestEvents: 0,
  futureEvents: 0,
  impossibleValues: 0,
  zeroPriceLines: 0,
  outliers: 0,
  returns: 0,
  nonProductLines: 0,
  eventsKept: 0,
});

export function addCounts<T extends Record<string, number>>(a: T, b: T): T {
  const out = { ...a };
  for (const key of Object.keys(b) as Array<keyof T>)
    out[key] = (((out[key] ?? 0) as number) + (b[key] as number)) as T[keyof T];
  return out;
}

/** Everything a user's features are made from, foldable shard by shard. */
export interface UserAggregate {
  readonly userId: string;
  firstAt: number;
  lastAt: number;
  lastPurchaseAt: number | null;
  orders: number;
  purchaseLines: number;
  units: number;
  spend: number;
  refundValue: number;
  refundLines: number;
  views: number;
  carts: number;
  favorites: number;
  searches: number;
  ratings: number;
  sessions: number;
  activeDays: number;
  products: number;
  /** Spend per category (or event count where there is no spend). */
  categoryWeight: Record<string, number>;
  /** Per category: Σ quantity·ln(price) and Σ quantity, for the price index. */
  categoryLogPrice: Record<string, [number, number]>;
  /** Products bought, most recent first (for cross-sell). */
  recentProducts: string[];
}

/** Per-category price statistics of a shard, merged into the global reference. */
export type CategoryPriceStats = Record<string, [number, number]>;

export interface ShardResult {
  readonly users: UserAggregate[];
  /** Order baskets: distinct product ids per order (guests included, non-products excluded). */
  readonly baskets: string[][];
  readonly cleaning: CleaningCounts;
  readonly categoryPrices: CategoryPriceStats;
  readonly maxTimestamp: number;
  readonly minTimestamp: number;
  /** Kept events by type (guests included): the funnel. */
  readonly eventTypes: Record<string, number>;
}

export const isGuest = (userId: string) => userId.startsWith('guest:');

/** Clean one shard's (de-duplicated) events and fold them per user. */
export function aggregateShard(
  events: readonly BehaviourEvent[],
  duplicates: number,
  options: CleaningOptions,
): ShardResult {
  const cleaning = emptyCleaning();
  cleaning.eventsIn = events.length + duplicates;
  cleaning.duplicates = duplicates;
  const byUser = new Map<string, BehaviourEvent[]>();
  const baskets = new Map<string, Set<string>>();
  const categoryPrices: CategoryPriceStats = {};
  const eventTypes: Record<string, number> = {};
  let maxTimestamp = Number.NEGATIVE_INFINITY;
  let minTimestamp = Number.POSITIVE_INFINITY;

  for (const event of events) {
    const at = Date.parse(event.timestamp);
    if (at > options.now) {
      cleaning.futureEvents++;
      continue;
    }
    const isLine = event.type === 'purchase' || event.type === 'refund';
    if (isLine) {
      const quantity = event.quantity ?? 1;
      if (!(quantity > 0) || (event.price !== undefined && event.price < 0)) {
        cleaning.impossibleValues++;
        continue;
      }
      if (quantity > options.maxQuantity || quantity * (event.price ?? 0) > options.maxLineValue) {
        cleaning.outliers++;
        continue;
      }
      if (event.category === nonProduct.id) cleaning.nonProductLines++;
      else if (event.price === 0) cleaning.zeroPriceLines++;
      if (event.type === 'refund') cleaning.returns++;
    }
    maxTimestamp = Math.max(maxTimestamp, at);
    minTimestamp = Math.min(minTimestamp, at);
    cleaning.eventsKept++;
    eventTypes[event.type] = (eventTypes[event.type] ?? 0) + 1;
    if (event.type === 'purchase' && event.productId && event.category !== nonProduct.id) {
      const orderKey = event.orderId ?? `${event.userId}|${event.timestamp}`;
      const basket = baskets.get(orderKey) ?? new Set<string>();
      basket.add(event.productId);
      baskets.set(orderKey, basket);
    }
    if (isGuest(event.userId)) {
      cleaning.guestEvents++;
      continue;
    }
    const list = byUser.get(event.userId) ?? [];
    list.push(event);
    byUser.set(event.userId, list);
  }

  const users: UserAggregate[] = [];
  for (const [userId, list] of byUser) users.push(foldUser(userId, list, options, categoryPrices));
  return {
    users,
    baskets: [...baskets.values()].map((b) => [...b]),
    cleaning,
    categoryPrices,
    maxTimestamp,
    minTimestamp,
    eventTypes,
  };
}

function foldUser(
  userId: string,
  events: BehaviourEvent[],
  options: CleaningOptions,
  categoryPrices: CategoryPriceStats,
): UserAggregate {
  const timed = events
    .map((event) => ({ event, at: Date.parse(event.timestamp) }))
    .sort((a, b) => a.at - b.at);
  const agg: UserAggregate = {
    userId,
    firstAt: timed[0]?.at ?? 0,
    lastAt: timed[timed.length - 1]?.at ?? 0,
    lastPurchaseAt: null,
    orders: 0,
    purchaseLines: 0,
    units: 0,
    spend: 0,
    refundValue: 0,
    refundLines: 0,
    views: 0,
    carts: 0,
    favorites: 0,
    searches: 0,
    ratings: 0,
    sessions: 0,
    activeDays: 0,
    products: 0,
    categoryWeight: {},
    categoryLogPrice: {},
    recentProducts: [],
  };
  const orders = new Set<string>();
  const days = new Set<number>();
  const sessionIds = new Set<string>();
  const products = new Set<string>();
  let lastAt = Number.NEGATIVE_INFINITY;
  let inferredSessions = 0;
  for (const { event, at } of timed) {
    days.add(Math.floor(at / dayMs));
    if (event.sessionId) sessionIds.add(event.sessionId);
    else if (at - lastAt > options.sessionGapMs) inferredSessions++;
    lastAt = at;
    const productLine = event.category !== nonProduct.id;
    const quantity = event.quantity ?? 1;
    const value = quantity * (event.price ?? 0);
    switch (event.type) {
      case 'purchase': {
        agg.purchaseLines++;
        agg.units += quantity;
        agg.lastPurchaseAt = at;
        orders.add(event.orderId ?? `${event.timestamp}|${event.productId}`);
        if (!productLine) break;
        if (event.productId) products.add(event.productId);
        agg.spend += value;
        if (event.category) {
          agg.categoryWeight[event.category] = (agg.categoryWeight[event.category] ?? 0) + value;
          if (event.price && event.price > 0) {
            const own = agg.categoryLogPrice[event.category] ?? [0, 0];
            const all = categoryPrices[event.category] ?? [0, 0];
            agg.categoryLogPrice[event.category] = own;
            categoryPrices[event.category] = all;
            const logPrice = Math.log(event.price);
            own[0] += quantity * logPrice;
            own[1] += quantity;
            all[0] += quantity * logPrice;
            all[1] += quantity;
          }
        }
        break;
      }
      case 'refund':
        if (productLine) agg.refundValue += value;
        agg.refundLines++;
        break;
      case 'view':
        agg.views++;
        break;
      case 'cart':
        agg.carts++;
        break;
      case 'favorite':
        agg.favorites++;
        break;
      case 'search':
        agg.searches++;
        break;
      case 'rating':
        agg.ratings++;
        break;
    }
    // Interest without spend still counts toward affinity, lightly.
    if (event.type !== 'purchase' && event.type !== 'refund' && event.category) {
      agg.categoryWeight[event.category] = (agg.categoryWeight[event.category] ?? 0) + 0.01;
    }
  }
  agg.orders = orders.size;
  agg.activeDays = days.size;
  agg.sessions = sessionIds.size + inferredSessions;
  agg.products = products.size;
  const recent: string[] = [];
  for (let i = timed.length - 1; i >= 0 && recent.length < 50; i--) {
    const { event } = timed[i] as { event: BehaviourEvent };
    if (
      event.type === 'purchase' &&
      event.productId &&
      event.category !== nonProduct.id &&
      !recent.includes(event.productId)
    ) {
      recent.push(event.productId);
    }
  }
  agg.recentProducts = recent;
  return agg;
}

/** What the whole data set knows that a shard does not. */
export interface GlobalReference {
  /** RFM recency is measured to this instant: by default the day after the last event. */
  readonly snapshotAt: number;
  /** Mean ln(price) per category, weighted by quantity. */
  readonly categoryLogPrice: Record<string, number>;
}

export function mergeCategoryPrices(a: CategoryPriceStats, b: CategoryPriceStats): CategoryPriceStats {
  const out: CategoryPriceStats = { ...a };
  for (const [category, [s, n]] of Object.entries(b)) {
    const [s0, n0] = out[category] ?? [0, 0];
    out[category] = [s0 + s, n0 + n];
  }
  return out;
}

/** The snapshot date: the start of the day after the last event (UTC). */
export function defaultSnapshot(maxTimestamp: number): number {
  return (Math.floor(maxTimestamp / dayMs) + 1) * dayMs;
}

export interface UserFeatures {
  readonly recencyDays: number;
  readonly frequency: number;
  readonly monetary: number;
  readonly avgOrderValue: number;
  readonly tenureDays: number;
  readonly refundRate: number;
  /** exp(mean log price ratio to the category's typical price): 1 = pays typical prices. */
  readonly priceIndex: number;
  readonly activeDays: number;
  readonly sessions: number;
  readonly events: number;
  readonly views: number;
  readonly carts: number;
  /** Purchases per product view, where views exist. */
  readonly browseToBuy: number | null;
  readonly distinctProducts: number;
  readonly buyer: boolean;
}

export function userFeatures(agg: UserAggregate, ref: GlobalReference): UserFeatures {
  const buyer = agg.purchaseLines > 0;
  const lastRelevant = agg.lastPurchaseAt ?? agg.lastAt;
  let weighted = 0;
  let weight = 0;
  for (const [category, [sum, quantity]] of Object.entries(agg.categoryLogPrice)) {
    const reference = ref.categoryLogPrice[category];
    if (reference === undefined || quantity <= 0) continue;
    weighted += sum - quantity * reference;
    weight += quantity;
  }
  const events =
    agg.purchaseLines + agg.refundLines + agg.views + agg.carts + agg.favorites + agg.searches + agg.ratings;
  return {
    recencyDays: Math.max(0, (ref.snapshotAt - lastRelevant) / dayMs),
    frequency: agg.orders,
    monetary: agg.spend - agg.refundValue,
    avgOrderValue: agg.orders > 0 ? agg.spend / agg.orders : 0,
    tenureDays: Math.max(0, (ref.snapshotAt - agg.firstAt) / dayMs),
    refundRate: agg.purchaseLines > 0 ? Math.min(1, agg.refundLines / agg.purchaseLines) : 0,
    priceIndex: weight > 0 ? Math.exp(weighted / weight) : 1,
    activeDays: agg.activeDays,
    sessions: agg.sessions,
    events,
    views: agg.views,
    carts: agg.carts,
    browseToBuy: agg.views > 0 ? agg.purchaseLines / agg.views : null,
    distinctProducts: agg.products,
    buyer,
  };
}

/** Top categories by weight, as shares that add up to 1 over all categories. */
export function categoryAffinity(agg: UserAggregate, limit = 5): Array<{ category: string; share: number }> {
  const entries = Object.entries(agg.categoryWeight).filter(
    ([category, w]) => w > 0 && category !== nonProduct.id,
  );
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  if (total <= 0) return [];
  return entries
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([category, w]) => ({ category, share: Math.round((w / total) * 1000) / 1000 }));
}

/** Quintile boundaries of R, F and M (buyers only), fitted on a sample. */
export interface RfmBoundaries {
  readonly recency: number[];
  readonly frequency: number[];
  readonly monetary: number[];
}

function quantiles(values: number[], qs: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return qs.map((q) => {
    if (sorted.length === 0) return 0;
    const pos = (sorted.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (pos - lo);
  });
}

export function fitRfmBoundaries(buyers: readonly UserFeatures[]): RfmBoundaries {
  const qs = [0.2, 0.4, 0.6, 0.8];
  return {
    recency: quantiles(
      buyers.map((f) => f.recencyDays),
      qs,
    ),
    frequency: quantiles(
      buyers.map((f) => f.frequency),
      qs,
    ),
    monetary: quantiles(
      buyers.map((f) => f.monetary),
      qs,
    ),
  };
}

/** 1..5: how many boundaries the value is above (recency: below, since recent is better). */
function score(value: number, bounds: number[], lowerIsBetter: boolean): number {
  const above = bounds.filter((b) => value > b).length;
  return lowerIsBetter ? 5 - above : 1 + above;
}

export type RfmTier =
  | 'champions'
  | 'loyal'
  | 'potential-loyalists'
  | 'new'
  | 'at-risk'
  | 'hibernating'
  | 'needs-attention'
  | 'browsers';

export const rfmTierNames: Record<RfmTier, { en: string; zh: string }> = {
  champions: { en: 'Champions', zh: '核心高价值' },
  loyal: { en: 'Loyal customers', zh: '忠实客户' },
  'potential-loyalists': { en: 'Potential loyalists', zh: '潜力客户' },
  new: { en: 'New customers', zh: '新客' },
  'at-risk': { en: 'At risk', zh: '流失风险' },
  hibernating: { en: 'Hibernating', zh: '沉睡客户' },
  'needs-attention': { en: 'Needs attention', zh: '需要关注' },
  browsers: { en: 'Browsers', zh: '浏览未购' },
};

export interface Rfm {
  readonly r: number;
  readonly f: number;
  readonly m: number;
  readonly tier: RfmTier;
}

/**
 * RFM scores by quintile (5 best) and the tier, by the common RFM segment grid on R and the
 * mean of F and M.
 */
export function rfmOf(features: UserFeatures, bounds: RfmBoundaries): Rfm {
  if (!features.buyer) return { r: 0, f: 0, m: 0, tier: 'browsers' };
  const r = score(features.recencyDays, bounds.recency, true);
  const f = score(features.frequency, bounds.frequency, false);
  const m = score(features.monetary, bounds.monetary, false);
  return { r, f, m, tier: tierOf(r, f, m) };
}

/** The RFM tier of (possibly averaged) R, F and M scores. */
export function tierOf(r: number, f: number, m: number): RfmTier {
  const fm = (f + m) / 2;
  if (r >= 4 && fm >= 4) return 'champions';
  if (r >= 3 && fm >= 3.5) return 'loyal';
  if (r >= 4 && fm <= 1.5) return 'new';
  if (r >= 3 && fm >= 2) return 'potential-loyalists';
  if (r <= 2.5 && fm >= 3) return 'at-risk';
  if (r <= 2.5) return 'hibernating';
  return 'needs-attention';
}

/**
 * The segmentation feature vector: skewed counts and amounts through log1p, so that
 * standardization is not ruled by a few wholesalers.
 */
export const clusteringFeatureNames = [
  'recencyDays',
  'log1p(frequency)',
  'log1p(monetary)',
  'log1p(avgOrderValue)',
  'tenureDays',
  'refundRate',
  'ln(priceIndex)',
  'log1p(distinctProducts)',
] as const;

export function clusteringVector(f: UserFeatures, out: Float64Array, offset: number): void {
  out[offset] = f.recencyDays;
  out[offset + 1] = Math.log1p(f.frequency);
  out[offset + 2] = Math.log1p(Math.max(0, f.monetary));
  out[offset + 3] = Math.log1p(f.avgOrderValue);
  out[offset + 4] = f.tenureDays;
  out[offset + 5] = f.refundRate;
  out[offset + 6] = Math.log(f.priceIndex);
  out[offset + 7] = Math.log1p(f.distinctProducts);
}

export type PriceBand = 'budget' | 'mid' | 'premium';

export function priceBand(priceIndex: number): PriceBand {
  if (priceIndex < 0.85) return 'budget';
  if (priceIndex > 1.15) return 'premium';
  return 'mid';
}

export const priceBandNames = {
  budget: { en: 'budget', zh: '价格敏感' },
  mid: { en: 'mid-price', zh: '中等价位' },
  premium: { en: 'premium', zh: '偏好高价' },
} as const;
