/**
 * Item popularity: the cold-start floor of the recommender, over everyone or within a
 * segment, optionally decayed so that what sells now outranks what sold a year ago.
 */
import type { PurchaseLog } from './history';

const { pow, log1p } = Math;

/**
 * Popularity of each item: the number of distinct buyers among events before `now`, each
 * buyer weighted 2^(−age / half-life) by their last purchase of it (no decay when the
 * half-life is +∞). Only users for which `include(u)` holds count (a segment's members).
 */
export function itemPopularity(
  log: PurchaseLog,
  now: number,
  halfLifeDays = Number.POSITIVE_INFINITY,
  include: (user: number) => boolean = () => true,
): Float64Array {
  const out = new Float64Array(log.items);
  const last = new Float64Array(log.items).fill(Number.NEGATIVE_INFINITY);
  const touched = new Int32Array(log.items);
  for (let u = 0; u < log.users; u++) {
    if (!include(u)) continue;
    let n = 0;
    for (let e = log.userPtr[u]!; e < log.userPtr[u + 1]!; e++) {
      const day = log.day[e]!;
      if (day >= now) continue;
      const i = log.item[e]!;
      if (last[i] === Number.NEGATIVE_INFINITY) touched[n++] = i;
      if (day > last[i]!) last[i] = day;
    }
    for (let t = 0; t < n; t++) {
      const i = touched[t]!;
      out[i]! += halfLifeDays === Number.POSITIVE_INFINITY ? 1 : pow(2, -(now - last[i]!) / halfLifeDays);
      last[i] = Number.NEGATIVE_INFINITY;
    }
  }
  return out;
}

/** log(1 + x) of each entry, a copy (popularity on a scale the blend can weigh). */
export function log1pAll(values: Float64Array): Float64Array {
  return values.map((v) => log1p(v));
}
