import {
  attributeCoverage,
  corpusBleu,
  distinctN,
  lcsLength,
  quantile,
  rougeL,
  sentenceBleu,
  tokenize,
} from '../../../bench/lib/text-metrics';

const en = (text: string) => tokenize(text, 'en');
const zh = (text: string) => tokenize(text, 'zh');

describe('tokenize', () => {
  it('splits Chinese into characters, keeping punctuation and dropping spaces', () => {
    expect(zh('白色 外套，好看')).toEqual(['白', '色', '外', '套', '，', '好', '看']);
  });

  it('splits English into lower-case words, keeping inner apostrophes and hyphens', () => {
    expect(en("Don't miss the T-shirt!")).toEqual(["don't", 'miss', 'the', 't-shirt']);
  });
});

describe('corpusBleu', () => {
  it('is 1 for a hypothesis equal to its reference', () => {
    const tokens = en('a linen shirt for warm days');
    expect(sentenceBleu(tokens, [tokens])).toBeCloseTo(1, 12);
  });

  it('matches the hand-computed score, smoothing the zero 4-gram precision to 1/(2·3)', () => {
    // p1 = 5/6, p2 = 3/5, p3 = 1/4, p4 = 0/3 -> 1/6; equal lengths, so no brevity penalty.
    const result = corpusBleu([en('the cat sat on the mat')], [[en('the cat is on the mat')]]);
    expect(result.precisions).toEqual([5 / 6, 3 / 5, 1 / 4, 1 / 6]);
    expect(result.brevityPenalty).toBe(1);
    expect(result.bleu).toBeCloseTo(((5 / 6) * (3 / 5) * (1 / 4) * (1 / 6)) ** 0.25, 12);
    expect(result.bleu).toBeCloseTo(0.379918, 5);
  });

  it('applies the brevity penalty exp(1 - r/c) to a short hypothesis', () => {
    // 2 tokens against 6: BP = e^-2; p1 = p2 = 1, p3 = 1/(2·1), p4 = 1/(4·1).
    const result = corpusBleu([en('the cat')], [[en('the cat sat on the mat')]]);
    expect(result.brevityPenalty).toBeCloseTo(Math.exp(-2), 12);
    expect(result.bleu).toBeCloseTo(Math.exp(-2) * (0.5 * 0.25) ** 0.25, 12);
  });

  it('clips each n-gram to its largest count in any one reference', () => {
    const result = corpusBleu([en('the the the the')], [[en('the cat'), en('the the cat')]]);
    expect(result.precisions[0]).toBe(2 / 4);
  });

  it('takes the closest reference length, the shorter on a tie', () => {
    // 5 tokens, references of 4 and 6: r = 4 < c, so no penalty.
    const result = corpusBleu([en('a b c d e')], [[en('a b c d'), en('a b c d e f')]]);
    expect(result.brevityPenalty).toBe(1);
    expect(result.lengthRatio).toBe(5 / 4);
  });

  it('pools counts over the corpus instead of averaging sentence scores', () => {
    const hyps = [en('the cat sat on the mat'), en('a dog ran in the park today')];
    const refs = [[en('the cat sat on the mat')], [en('a bird flew over the lake')]];
    const pooled = corpusBleu(hyps, refs).bleu;
    const averaged = (sentenceBleu(hyps[0]!, refs[0]!) + sentenceBleu(hyps[1]!, refs[1]!)) / 2;
    expect(pooled).not.toBeCloseTo(averaged, 3);
    // p1 = 8/13, p2 = 5/11, p3 = 4/9, p4 = 3/7; c = 13 > r = 12.
    expect(pooled).toBeCloseTo(((8 / 13) * (5 / 11) * (4 / 9) * (3 / 7)) ** 0.25, 12);
  });

  it('is 0 when no unigram matches', () => {
    expect(sentenceBleu(en('x y z w'), [en('a b c d')])).toBe(0);
  });

  it('throws when hypotheses and reference sets differ in number', () => {
    expect(() => corpusBleu([en('a')], [])).toThrow('1 hypotheses but 0 reference sets');
  });
});

describe('rougeL', () => {
  it('finds the longest common subsequence', () => {
    expect(lcsLength(zh('我爱北京天安门'), zh('我爱天安门广场'))).toBe(5);
    expect(lcsLength([], zh('我'))).toBe(0);
  });

  it('scores characters of Chinese text by LCS F1', () => {
    const r = rougeL(zh('我爱北京天安门'), [zh('我爱天安门广场')]);
    expect(r.f).toBeCloseTo(5 / 7, 12);
  });

  it('weighs precision and recall equally', () => {
    // LCS 白色连衣裙 = 5: P = 5/5, R = 5/10, F = 2/3.
    const r = rougeL(zh('白色连衣裙'), [zh('这款白色的连衣裙很美')]);
    expect(r).toEqual({ precision: 1, recall: 0.5, f: 2 / 3 });
  });

  it('takes the best of several references', () => {
    expect(rougeL(zh('白色'), [zh('黑色'), zh('白色')]).f).toBe(1);
  });
});

describe('distinctN', () => {
  it('divides distinct bigrams by all bigrams over the outputs', () => {
    expect(distinctN([en('a b c'), en('a b d')], 2)).toBe(3 / 4);
  });

  it('never forms a bigram across two outputs', () => {
    expect(distinctN([en('a b'), en('a b')], 2)).toBe(1 / 2);
  });

  it('is 0 without bigrams', () => {
    expect(distinctN([en('a')], 2)).toBe(0);
  });
});

describe('attributeCoverage', () => {
  it('is the share of distinct values found in the text', () => {
    expect(attributeCoverage('白色简约外套', ['白色', '简约', '刺绣', '白色'])).toBe(2 / 3);
  });

  it('ignores case', () => {
    expect(attributeCoverage('A black Puma bag', ['Black', 'PUMA', 'Trolley'])).toBe(2 / 3);
  });

  it('is 1 when there is nothing to cover', () => {
    expect(attributeCoverage('anything', [' '])).toBe(1);
  });
});

describe('quantile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 1)).toBe(100);
  });
});
