import fc from 'fast-check';
import {
  type AssociationRule,
  associationRules,
  type FrequentItemset,
  frequentItemsets,
  rulesFor,
} from '../../../functions/profile/kernels/fpgrowth';

// Han, Kamber & Pei, "Data Mining: Concepts and Techniques" (3rd ed.), Table 6.1, min count 2.
const textbook = [
  ['I1', 'I2', 'I5'],
  ['I2', 'I4'],
  ['I2', 'I3'],
  ['I1', 'I2', 'I4'],
  ['I1', 'I3'],
  ['I2', 'I3'],
  ['I1', 'I3'],
  ['I1', 'I2', 'I3', 'I5'],
  ['I1', 'I2', 'I3'],
];

const keyOf = (items: ReadonlyArray<string>) => [...items].sort().join(',');
const asCounts = (itemsets: ReadonlyArray<FrequentItemset>) =>
  Object.fromEntries(itemsets.map((s) => [keyOf(s.items), s.count]));
const ruleKey = (r: AssociationRule) => `${keyOf(r.antecedent)}=>${keyOf(r.consequent)}`;

/** Transactions containing every item, counting each transaction once. */
const countContaining = (transactions: ReadonlyArray<ReadonlyArray<string>>, items: ReadonlyArray<string>) =>
  transactions.filter((t) => items.every((i) => t.includes(i))).length;

/** Every non-empty subset of the universe, counted directly. */
function bruteForce(transactions: string[][], universe: string[], minCount: number, maxLength: number) {
  const found: Record<string, number> = {};
  for (let mask = 1; mask < 1 << universe.length; mask++) {
    const items = universe.filter((_, i) => mask & (1 << i));
    if (items.length > maxLength) continue;
    const count = countContaining(transactions, items);
    if (count >= minCount) found[keyOf(items)] = count;
  }
  return found;
}

describe('frequentItemsets', () => {
  it('finds the textbook example itemsets with their counts', () => {
    expect(asCounts(frequentItemsets(textbook, { minCount: 2 }))).toEqual({
      I1: 6,
      I2: 7,
      I3: 6,
      I4: 2,
      I5: 2,
      'I1,I2': 4,
      'I1,I3': 4,
      'I1,I5': 2,
      'I2,I3': 4,
      'I2,I4': 2,
      'I2,I5': 2,
      'I1,I2,I3': 2,
      'I1,I2,I5': 2,
    });
  });

  it('orders items within an itemset by descending frequency and reports support as a fraction', () => {
    const found = frequentItemsets(textbook, { minCount: 2 });
    expect(found.find((s) => s.items.length === 3 && s.items.includes('I5'))).toEqual({
      items: ['I2', 'I1', 'I5'],
      count: 2,
      support: 2 / 9,
    });
  });

  it('treats minSupport as the smallest fraction of transactions, without floating-point off-by-one', () => {
    // 0.07 * 100 is 7.000000000000001 in floating point: an item in 7 of 100 baskets still qualifies.
    const transactions = Array.from({ length: 100 }, (_, i) => (i < 7 ? ['a'] : ['b']));
    expect(asCounts(frequentItemsets(transactions, { minSupport: 0.07 }))).toEqual({ a: 7, b: 93 });
    expect(asCounts(frequentItemsets(transactions, { minSupport: 0.0701 }))).toEqual({ b: 93 });
  });

  it('counts an item repeated within a transaction once', () => {
    const found = frequentItemsets([['a', 'a', 'b'], ['a'], ['b', 'b']], { minCount: 1 });
    expect(asCounts(found)).toEqual({ a: 2, b: 2, 'a,b': 1 });
  });

  it('stops at maxLength', () => {
    const found = frequentItemsets(textbook, { minCount: 2, maxLength: 2 });
    expect(Math.max(...found.map((s) => s.items.length))).toBe(2);
    expect(found).toHaveLength(11);
  });

  it('reports every combination of a basket that all transactions share', () => {
    const basket = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const found = frequentItemsets([basket, basket, ['p0']], { minCount: 2 });
    expect(found).toHaveLength(2 ** 12 - 1);
    expect(found.filter((s) => s.count !== (s.items.length === 1 && s.items[0] === 'p0' ? 3 : 2))).toEqual(
      [],
    );
  });

  it('equals brute-force counting on a few hundred skewed baskets with thousands of itemsets', () => {
    // A fixed linear congruential generator: item i is in a basket with probability 0.75 - 0.05 i.
    let state = 12345;
    const random = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const universe = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const transactions = Array.from({ length: 300 }, () =>
      universe.filter((_, i) => random() < 0.75 - 0.05 * i),
    );
    const found = frequentItemsets(transactions, { minCount: 5 });
    const expected = bruteForce(transactions, universe, 5, universe.length);
    expect(Object.keys(expected).length).toBeGreaterThan(1000);
    expect(asCounts(found)).toEqual(expected);
  });

  it('returns nothing for no transactions or an unreachable threshold', () => {
    expect(frequentItemsets([], { minSupport: 0.5 })).toEqual([]);
    expect(frequentItemsets(textbook, { minCount: 10 })).toEqual([]);
  });

  it('rejects thresholds out of range', () => {
    expect(() => frequentItemsets(textbook, { minSupport: 1.5 })).toThrow(RangeError);
    expect(() => frequentItemsets(textbook, { minCount: 0 })).toThrow(RangeError);
    expect(() => frequentItemsets(textbook, { minCount: 2, maxLength: 0 })).toThrow(RangeError);
  });

  it('equals brute-force counting over all subsets on random transaction sets', () => {
    const universe = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(...universe), { maxLength: 10 }), { maxLength: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        (transactions, minSupport, maxLength) => {
          const found = frequentItemsets(transactions, { minSupport, maxLength });
          const n = transactions.length;
          let minCount = 1;
          while (minCount <= n && minCount / n < minSupport) minCount++;
          const expected = n === 0 ? {} : bruteForce(transactions, universe, minCount, maxLength ?? 8);
          expect(asCounts(found)).toEqual(expected);
          expect(found).toHaveLength(Object.keys(expected).length);
          const malformed = found.filter(
            (s) => new Set(s.items).size !== s.items.length || s.support !== s.count / n,
          );
          expect(malformed).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('associationRules', () => {
  const itemsets = frequentItemsets(textbook, { minCount: 2 });

  it('derives the textbook rules with confidence and lift', () => {
    const rules = associationRules(itemsets, textbook.length, { minConfidence: 0.7, maxConsequentSize: 2 });
    const byKey = Object.fromEntries(rules.map((r) => [ruleKey(r), r]));
    expect(byKey['I1,I5=>I2']).toEqual({
      antecedent: ['I1', 'I5'],
      consequent: ['I2'],
      support: 2 / 9,
      confidence: 1,
      lift: 9 / 7,
      count: 2,
    });
    expect(byKey['I5=>I1,I2']).toMatchObject({ confidence: 1, lift: 9 / 4 });
    // {I1, I2} ⇒ I5 has confidence 2/4, below the threshold.
    expect(byKey['I1,I2=>I5']).toBeUndefined();
  });

  it('sorts rules by lift, then confidence', () => {
    const rules = associationRules(itemsets, textbook.length, { minConfidence: 0, minLift: 0 });
    for (let i = 1; i < rules.length; i++) {
      const [a, b] = [rules[i - 1]!, rules[i]!];
      expect(a.lift > b.lift || (a.lift === b.lift && a.confidence >= b.confidence)).toBe(true);
    }
  });

  it('drops rules below minLift, which defaults to 1', () => {
    const rules = associationRules(itemsets, textbook.length, { minConfidence: 0 });
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.every((r) => r.lift >= 1)).toBe(true);
    const all = associationRules(itemsets, textbook.length, { minConfidence: 0, minLift: 0 });
    expect(all.some((r) => r.lift < 1)).toBe(true);
  });

  it('rejects thresholds out of range', () => {
    expect(() => associationRules(itemsets, 9, { minConfidence: 2 })).toThrow(RangeError);
    expect(() => associationRules(itemsets, 0, { minConfidence: 0.5 })).toThrow(RangeError);
    expect(() => associationRules(itemsets, 9, { minConfidence: 0.5, maxConsequentSize: 0 })).toThrow(
      RangeError,
    );
  });

  it('gives support, confidence and lift equal to direct computation on random transaction sets', () => {
    const universe = ['a', 'b', 'c', 'd', 'e', 'f'];
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(...universe), { maxLength: 8 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.integer({ min: 1, max: 3 }),
        (transactions, minCount, minConfidence, minLift, maxConsequentSize) => {
          const n = transactions.length;
          const rules = associationRules(frequentItemsets(transactions, { minCount }), n, {
            minConfidence,
            minLift,
            maxConsequentSize,
          });
          const close = (x: number, y: number) => Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y));
          const wrong = rules.filter((r) => {
            const both = countContaining(transactions, [...r.antecedent, ...r.consequent]);
            const a = countContaining(transactions, r.antecedent);
            const c = countContaining(transactions, r.consequent);
            return (
              r.count !== both ||
              !close(r.support, both / n) ||
              !close(r.confidence, both / a) ||
              !close(r.lift, both / a / (c / n))
            );
          });
          expect(wrong).toEqual([]);
          // Every qualifying rule is there: enumerate splits of brute-force itemsets directly.
          const expected: string[] = [];
          const frequent = bruteForce(transactions, universe, minCount, universe.length);
          for (const key of Object.keys(frequent)) {
            const items = key.split(',');
            for (let mask = 1; mask < (1 << items.length) - 1; mask++) {
              const consequent = items.filter((_, i) => mask & (1 << i));
              const antecedent = items.filter((_, i) => !(mask & (1 << i)));
              if (consequent.length > maxConsequentSize) continue;
              const both = frequent[key]!;
              const a = countContaining(transactions, antecedent);
              const c = countContaining(transactions, consequent);
              if (both / a >= minConfidence && (both * n) / (a * c) >= minLift) {
                expected.push(`${keyOf(antecedent)}=>${keyOf(consequent)}`);
              }
            }
          }
          expect(rules.map(ruleKey).sort()).toEqual(expected.sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('rulesFor', () => {
  const rules = associationRules(frequentItemsets(textbook, { minCount: 2 }), textbook.length, {
    minConfidence: 0.3,
    maxConsequentSize: 2,
  });

  it('answers "bought X, also buy Y" for one product, best first', () => {
    const suggestions = rulesFor('I5', rules, 10);
    expect(suggestions.length).toBeGreaterThan(0);
    expect(suggestions.every((r) => keyOf(r.antecedent) === 'I5')).toBe(true);
    expect(suggestions[0]).toMatchObject({ consequent: ['I1', 'I2'], lift: 9 / 4 });
  });

  it('uses rules whose antecedent is inside the basket and skips items already in it', () => {
    const suggestions = rulesFor(['I1', 'I5'], rules, 10);
    // I2 through {I1, I5} ⇒ I2 (lift 9/7), then I3 through I1 ⇒ I3 (lift 1).
    expect(suggestions.map(ruleKey)).toEqual(['I1,I5=>I2', 'I1=>I3']);
  });

  it('keeps one rule per suggestion and honours the limit', () => {
    const suggestions = rulesFor(['I1', 'I2'], rules, 10);
    const consequents = suggestions.map((r) => keyOf(r.consequent));
    expect(new Set(consequents).size).toBe(consequents.length);
    expect(rulesFor(['I1', 'I2'], rules, 1)).toHaveLength(1);
    expect(rulesFor('unknown', rules, 5)).toEqual([]);
  });
});
