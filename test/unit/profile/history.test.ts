import { countMatrix, logBefore, OwnHistory, purchaseLog } from '../../../functions/profile/kernels/history';
import { itemPopularity } from '../../../functions/profile/kernels/popularity';

describe('purchase logs', () => {
  // user 0 buys item 1 on days 0 and 60, item 2 on day 90; user 1 buys item 1 on day 100.
  const log = purchaseLog(3, 4, [0, 1, 0, 0], [1, 1, 2, 1], [0, 100, 90, 60]);

  it('weights a user’s repeat purchases by recency', () => {
    const h = new OwnHistory(4).load(log, 0, 120, 60);
    expect(h.size).toBe(2);
    expect(h.count[1]).toBe(2);
    expect(h.recency[1]).toBeCloseTo(2 ** -2 + 2 ** -1, 12);
    expect(h.recency[2]).toBeCloseTo(2 ** -0.5, 12);
    expect(h.lastDay[1]).toBe(60);
    expect(h.has(3)).toBe(false);
  });

  it('ignores events on or after the day it is asked about and clears the previous user', () => {
    const h = new OwnHistory(4).load(log, 0, 60, 60);
    expect(h.count[1]).toBe(1);
    expect(h.has(2)).toBe(false);
    h.load(log, 1, 200, 60);
    expect(h.has(2)).toBe(false);
    expect(h.count[1]).toBe(1);
    h.load(log, 2, 200, 60);
    expect(h.size).toBe(0);
  });

  it('counts each buyer once in popularity, optionally within a segment', () => {
    expect(Array.from(itemPopularity(log, 200))).toEqual([0, 2, 1, 0]);
    expect(Array.from(itemPopularity(log, 200, Number.POSITIVE_INFINITY, (u) => u === 1))).toEqual([
      0, 1, 0, 0,
    ]);
    const decayed = itemPopularity(log, 100, 10);
    // user 0's last purchase of item 1 is day 60 (40 days before), user 1's is day 100 (not before 100).
    expect(decayed[1]).toBeCloseTo(2 ** -4, 12);
  });

  it('splits by time and counts purchases per (user, item)', () => {
    const before = logBefore(log, 90);
    expect(before.item.length).toBe(2);
    const m = countMatrix(log);
    expect(Array.from(m.indptr)).toEqual([0, 2, 3, 3]);
    expect(Array.from(m.values)).toEqual([2, 1, 1]);
  });

  it('rejects an event outside the log', () => {
    expect(() => purchaseLog(1, 1, [0], [1], [0])).toThrow(RangeError);
  });
});
