import fc from 'fast-check';
import {
  cross,
  FEATURE_SEED,
  hashFeature,
  murmur3,
  RowBuilder,
  textFeatureNames,
  tokenize,
} from '../../../functions/predict/kernels/hashing';

// [text, murmur3(text, 0), murmur3(text, FEATURE_SEED), hashFeature(text)], computed with an
// independent implementation: scikit-learn's murmurhash3_32(text, seed, positive=True).
const reference: Array<[string, number, number, number]> = [
  ['', 0, 2537516307, 1010963],
  ['a', 1009084850, 2922515965, 134653],
  ['ab', 2613040991, 78003026, 408402],
  ['abc', 3017643002, 2232982589, 564285],
  ['abcd', 1139631978, 1415479644, 950620],
  ['abcde', 3902511862, 2973022912, 309952],
  ['channel=Web', 943116490, 4004612661, 100917],
  ['héllo wörld', 2549609076, 2878225536, 932992],
  ['广告文案', 2837232889, 364480196, 624324],
  ['😀 emoji', 2448033982, 2419484479, 419647],
  ['segment=Mens E-Mail', 2709302404, 814345261, 650285],
];

describe('murmur3 and hashFeature', () => {
  it.each(reference)('hash %j to the reference values', (text, seed0, seeded, index) => {
    expect(murmur3(text, 0)).toBe(seed0);
    expect(murmur3(text, FEATURE_SEED)).toBe(seeded);
    expect(hashFeature(text)).toBe(index);
  });

  it('hashes name and value as "name=value"', () => {
    expect(hashFeature('channel', 'Web')).toBe(100917);
    expect(hashFeature('segment', 'Mens E-Mail')).toBe(hashFeature('segment=Mens E-Mail'));
  });

  it('keeps the low bits of the hash for smaller spaces', () => {
    expect(hashFeature('channel=Web', undefined, 12)).toBe(4004612661 & 0xfff);
  });

  it('rejects a space of more than 2^24 or a fractional number of bits', () => {
    expect(() => hashFeature('a', undefined, 25)).toThrow(RangeError);
    expect(() => hashFeature('a', undefined, 10.5)).toThrow(RangeError);
  });
});

describe('cross', () => {
  it('names the same feature whatever the order', () => {
    expect(cross('tone=playful', 'segment=3')).toBe(cross('segment=3', 'tone=playful'));
    expect(cross('b', 'a')).toBe('a × b');
  });

  it('hashes in the builder as the cross name does', () => {
    const row = new RowBuilder().cross('tone=playful', 'segment=3').build();
    expect([...row.indices]).toEqual([hashFeature(cross('segment=3', 'tone=playful'))]);
  });
});

describe('tokenize', () => {
  it('lowercases English words and keeps inner apostrophes, question and exclamation marks', () => {
    expect(tokenize('Don’t MISS this: 50% off today?!')).toEqual([
      "don't",
      'miss',
      'this',
      '50',
      'off',
      'today',
      '?',
      '!',
    ]);
  });

  it('splits Chinese into characters and full-width letters into ASCII', () => {
    expect(tokenize('限时优惠，全场五折 ＡＢＣ')).toEqual([
      '限',
      '时',
      '优',
      '惠',
      '全',
      '场',
      '五',
      '折',
      'abc',
    ]);
  });

  it('makes unigrams and bigrams of adjacent tokens', () => {
    expect(textFeatureNames('Big sale', 't')).toEqual(['t:big', 't:sale', 't:big sale']);
    expect(textFeatureNames('五折')).toEqual(['w:五', 'w:折', 'w:五 折']);
  });
});

describe('RowBuilder', () => {
  it('hashes the copy as its feature names do, counting repeats', () => {
    const text = 'the cat and the cat';
    const row = new RowBuilder().text(text).build();
    const counts = new Map<number, number>();
    for (const name of textFeatureNames(text)) {
      const index = hashFeature(name);
      counts.set(index, (counts.get(index) ?? 0) + 1);
    }
    expect([...row.indices]).toEqual([...counts.keys()].sort((a, b) => a - b));
    expect([...row.values]).toEqual([...row.indices].map((i) => counts.get(i)));
  });

  it('records readable names when given a dictionary', () => {
    const names = new Map<number, string>();
    new RowBuilder(20, names)
      .categorical('channel', 'Web')
      .numeric('recency', 0.5)
      .cross('a', 'b')
      .text('hi there');
    expect(names.get(hashFeature('channel=Web'))).toBe('channel=Web');
    expect(names.get(hashFeature('recency'))).toBe('recency');
    expect(names.get(hashFeature('a × b'))).toBe('a × b');
    expect(names.get(hashFeature('w:hi there'))).toBe('w:hi there');
  });

  it('sorts, sums repeated indices and drops zeros, for short and long rows alike', () => {
    const entry = fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: -3, max: 3 }));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 120 }), (entries) => {
        const builder = new RowBuilder(6);
        const expected = new Map<number, number>();
        for (const [index, value] of entries) {
          builder.add(index, value);
          expected.set(index, (expected.get(index) ?? 0) + value);
        }
        const row = builder.build();
        const keys = [...expected.keys()].filter((k) => expected.get(k) !== 0).sort((a, b) => a - b);
        expect([...row.indices]).toEqual(keys);
        expect([...row.values]).toEqual(keys.map((k) => expected.get(k)));
      }),
    );
  });

  it('starts each row empty after a build', () => {
    const builder = new RowBuilder(8);
    builder.add(3).add(5).build();
    expect([...builder.add(7).build().indices]).toEqual([7]);
  });

  it('rejects an index outside the space and a value that is not finite', () => {
    expect(() => new RowBuilder(4).add(16)).toThrow(RangeError);
    expect(() => new RowBuilder(4).numeric('x', Number.NaN)).toThrow(RangeError);
  });
});
