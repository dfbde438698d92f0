/**
 * Purchase logs on typed arrays, and the signal that needs no model: the user's own
 * repeat purchases weighted by recency ("buy again"). Popularity is in ./popularity.
 *
 * A log holds one event per (order, item) line: the user, the item, and the day (any
 * monotone day number, fractional allowed). Events are grouped by user (CSR-like
 * `userPtr`), in any order within a user.
 */
import type { Csr } from './sparse';
import { csrFromTriples } from './sparse';

const { pow } = Math;

/** Purchase events grouped by user. */
export interface PurchaseLog {
  readonly users: number;
  readonly items: number;
  /** users + 1 offsets into `item` / `day`. */
  readonly userPtr: Int32Array;
  readonly item: Int32Array;
  readonly day: Float64Array;
}

/**
 * A log from parallel arrays of events in any order (stable within a user).
 *
 * @throws RangeError on an index outside [0, users) / [0, items) or a day that is not finite.
 */
export function purchaseLog(
  users: number,
  items: number,
  userOf: ArrayLike<number>,
  itemOf: ArrayLike<number>,
  dayOf: ArrayLike<number>,
): PurchaseLog {
  const n = userOf.length;
  if (itemOf.length !== n || dayOf.length !== n) throw new RangeError('events of unequal lengths');
  const userPtr = new Int32Array(users + 1);
  for (let e = 0; e < n; e++) {
    const u = userOf[e]!;
    const i = itemOf[e]!;
    if (!(u >= 0 && u < users && i >= 0 && i < items))
      throw new RangeError(`event (${u}, ${i}) outside the log`);
    if (!Number.isFinite(dayOf[e]!)) throw new RangeError(`event (${u}, ${i}) has no day`);
    userPtr[u + 1]!++;
  }
  for (let u = 0; u < users; u++) userPtr[u + 1]! += userPtr[u]!;
  const cursor = userPtr.slice(0, users);
  const item = new Int32Array(n);
  const day = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    const at = cursor[userOf[e]!]!++;
    item[at] = itemOf[e]!;
    day[at] = dayOf[e]!;
  }
  return { users, items, userPtr, item, day };
}

/** The events strictly before `day` (a time split's training side). */
export function logBefore(log: PurchaseLog, day: number): PurchaseLog {
  const u: number[] = [];
  const i: number[] = [];
  const d: number[] = [];
  for (let user = 0; user < log.users; user++) {
    for (let e = log.userPtr[user]!; e < log.userPtr[user + 1]!; e++) {
      if (log.day[e]! < day) {
        u.push(user);
        i.push(log.item[e]!);
        d.push(log.day[e]!);
      }
    }
  }
  return purchaseLog(log.users, log.items, u, i, d);
}

/** users × items purchase counts (events per pair), as ALS and the neighbours take them. */
export function countMatrix(log: PurchaseLog, transform: (count: number) => number = (c) => c): Csr {
  const rows = new Int32Array(log.item.length);
  for (let u = 0; u < log.users; u++) rows.fill(u, log.userPtr[u]!, log.userPtr[u + 1]!);
  const m = csrFromTriples(log.users, log.items, rows, log.item, new Float64Array(log.item.length).fill(1));
  return { ...m, values: m.values.map(transform) };
}

/** One user's own history, per distinct item: reused buffers sized to the catalogue. */
export class OwnHistory {
  /** The user's distinct items, in first-seen order; `size` of them are valid. */
  readonly itemList: Int32Array;
  size = 0;
  /** Per item (dense, zero for items not bought): purchase count. */
  readonly count: Float64Array;
  /** Per item: Σ over purchases of 2^(−age / half-life). */
  readonly recency: Float64Array;
  /** Per item: the last purchase day (−∞ when never bought). */
  readonly lastDay: Float64Array;
  /** The user's number of purchase events. */
  events = 0;

  constructor(items: number) {
    this.itemList = new Int32Array(items);
    this.count = new Float64Array(items);
    this.recency = new Float64Array(items);
    this.lastDay = new Float64Array(items).fill(Number.NEGATIVE_INFINITY);
  }

  /**
   * Loads user `u`'s events before `now` (all of them when `now` is +∞ … the age of an
   * event is then measured from its own last day), clearing the previous user's.
   */
  load(log: PurchaseLog, u: number, now: number, halfLifeDays: number): this {
    for (let t = 0; t < this.size; t++) {
      const i = this.itemList[t]!;
      this.count[i] = 0;
      this.recency[i] = 0;
      this.lastDay[i] = Number.NEGATIVE_INFINITY;
    }
    this.size = 0;
    this.events = 0;
    for (let e = log.userPtr[u]!; e < log.userPtr[u + 1]!; e++) {
      const day = log.day[e]!;
      if (day >= now) continue;
      const i = log.item[e]!;
      if (this.count[i] === 0) this.itemList[this.size++] = i;
      this.count[i]! += 1;
      this.recency[i]! += pow(2, -(now - day) / halfLifeDays);
      if (day > this.lastDay[i]!) this.lastDay[i] = day;
      this.events++;
    }
    return this;
  }

  /** Whether the loaded user ever bought item i. */
  has(i: number): boolean {
    return this.count[i]! > 0;
  }
}

/**
 * orders × items, one row per order: a user's events on the same calendar day (the log keeps
 * days, not order numbers), each item once. For "bought together in one basket" neighbours.
 */
export function basketMatrix(log: PurchaseLog): Csr {
  const rows: number[] = [];
  const cols: number[] = [];
  let order = -1;
  for (let u = 0; u < log.users; u++) {
    const start = log.userPtr[u]!;
    const end = log.userPtr[u + 1]!;
    const days = new Map<number, number>();
    for (let e = start; e < end; e++) {
      const day = Math.floor(log.day[e]!);
      let row = days.get(day);
      if (row === undefined) {
        row = ++order;
        days.set(day, row);
      }
      rows.push(row);
      cols.push(log.item[e]!);
    }
  }
  const m = csrFromTriples(order + 1, log.items, rows, cols, new Float64Array(rows.length).fill(1));
  return { ...m, values: m.values.fill(1) };
}
