/**
 * Which copy variant wins within one test: a pairwise logistic regression (a linear
 * learning-to-rank model) on hashed text features.
 *
 * A headline becomes a sparse vector in 2^bits buckets: word unigrams and bigrams (lower-case,
 * letters/digits/apostrophes), character 3- to 5-grams of the lower-cased text (word
 * boundaries marked), each group TF-IDF weighted (sublinear term frequency, IDF from the
 * training headlines) and scaled to unit length, plus a few hand features (word and
 * character counts, a number, a leading number, a question, "you"/"your", quotes, an
 * exclamation, a colon). The model learns w so that w·(x_a − x_b) predicts which of two
 * variants of the same test had the higher click rate; a variant's rank score is w·x, which
 * is comparable between variants of one test only (it is not a probability).
 *
 * Training is AdaGrad on the logistic loss of both orders of every pair, with an L2 penalty,
 * in a seeded order: the same data and options give the same model.
 */
import { fnv1a } from '../../../core/hash';
import { mulberry32 } from '../../../core/random';

/** Options of {@link PairwiseRanker.train}. */
export interface RankerOptions {
  /** log2 of the number of hashed buckets. Default 20. */
  bits?: number;
  /** Passes over the pairs. Default 16. */
  epochs?: number;
  /** AdaGrad learning rate. Default 0.005 (chosen on validation tests of the Upworthy training split). */
  rate?: number;
  /** L2 penalty per update (on the touched weights). Default 1e-5. */
  l2?: number;
  /** Seed of the pair order. Default 1. */
  seed?: number;
}

/** One variant of a test, as training needs it. */
export interface RankedVariant {
  readonly text: string;
  /** The observed outcome to rank by (click rate). */
  readonly rate: number;
}

/** A sparse vector: bucket indices and their values. */
interface Sparse {
  readonly index: Int32Array;
  readonly value: Float64Array;
}

/** The serialized model: plain JSON, for the model registry. */
export interface RankerArtifact {
  readonly kind: 'pairwise-ranker';
  readonly version: 1;
  readonly bits: number;
  /** Non-zero weights as [bucket, weight] (weights include the IDF factor). */
  readonly weights: Array<[number, number]>;
  readonly idf: Array<[number, number]>;
}

const handFeatures = [
  'words',
  'chars',
  'number',
  'leadingNumber',
  'question',
  'you',
  'quote',
  'exclaim',
  'colon',
];

export class PairwiseRanker {
  private constructor(
    private readonly bits: number,
    private readonly weights: Float64Array,
    /** IDF of each bucket; 0 for buckets never seen in training (left out). */
    private readonly idf: Float64Array,
  ) {}

  /**
   * Learns from tests (each a list of variants). Pairs are the variants of one test whose
   * texts and rates differ.
   */
  static train(
    tests: ReadonlyArray<ReadonlyArray<RankedVariant>>,
    options: RankerOptions = {},
  ): PairwiseRanker {
    const { bits = 20, epochs = 16, rate = 0.005, l2 = 1e-5, seed = 1 } = options;
    const size = 1 << bits;
    // Document frequencies over the distinct training texts.
    const df = new Float64Array(size);
    const seen = new Set<string>();
    for (const test of tests) {
      for (const variant of test) {
        if (seen.has(variant.text)) continue;
        seen.add(variant.text);
        const raw = rawFeatures(variant.text, bits);
        for (const bucket of new Set(raw.index)) df[bucket]!++;
      }
    }
    const idf = new Float64Array(size);
    const documents = seen.size;
    for (let b = 0; b < size; b++) if (df[b]! > 0) idf[b] = Math.log((1 + documents) / (1 + df[b]!)) + 1;
    const ranker = new PairwiseRanker(bits, new Float64Array(size), idf);

    const pairs: Array<[Sparse, number]> = [];
    for (const test of tests) {
      const vectors = test.map((v) => ranker.vector(v.text));
      for (let a = 0; a < test.length; a++) {
        for (let b = a + 1; b < test.length; b++) {
          const va = test[a]!;
          const vb = test[b]!;
          if (va.text === vb.text || va.rate === vb.rate) continue;
          const diff = difference(vectors[a]!, vectors[b]!);
          pairs.push([diff, va.rate > vb.rate ? 1 : 0]);
        }
      }
    }
    const squared = new Float64Array(size);
    const { weights } = ranker;
    const random = mulberry32(seed);
    const order = Int32Array.from(pairs.keys());
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      for (const p of order) {
        const [x, label] = pairs[p]!;
        // Both orders of the pair: (x, label) and (−x, 1 − label) give the same gradient
        // direction, so one symmetric step on x is the sum of the two.
        let margin = 0;
        for (let k = 0; k < x.index.length; k++) margin += weights[x.index[k]!]! * x.value[k]!;
        const probability = 1 / (1 + Math.exp(-margin));
        const gradient = probability - label;
        for (let k = 0; k < x.index.length; k++) {
          const bucket = x.index[k]!;
          const g = gradient * x.value[k]! + l2 * weights[bucket]!;
          squared[bucket]! += g * g;
          weights[bucket]! -= (rate * g) / Math.sqrt(squared[bucket]! + 1e-8);
        }
      }
    }
    return ranker;
  }

  /** Rebuilds a trained ranker from its artifact. */
  static fromArtifact(artifact: RankerArtifact): PairwiseRanker {
    if (artifact.kind !== 'pairwise-ranker' || artifact.version !== 1)
      throw new RangeError('not a pairwise-ranker artifact (version 1)');
    const size = 1 << artifact.bits;
    const weights = new Float64Array(size);
    const idf = new Float64Array(size);
    for (const [b, w] of artifact.weights) weights[b] = w;
    for (const [b, v] of artifact.idf) idf[b] = v;
    return new PairwiseRanker(artifact.bits, weights, idf);
  }

  /** The model as JSON (only non-zero entries). */
  toArtifact(): RankerArtifact {
    const weights: Array<[number, number]> = [];
    const idf: Array<[number, number]> = [];
    for (let b = 0; b < this.weights.length; b++) {
      if (this.weights[b] !== 0) weights.push([b, this.weights[b]!]);
      if (this.idf[b] !== 0) idf.push([b, this.idf[b]!]);
    }
    return { kind: 'pairwise-ranker', version: 1, bits: this.bits, weights, idf };
  }

  /** The rank score of a text: higher is predicted to win within its test. */
  score(text: string): number {
    const x = this.vector(text);
    let s = 0;
    for (let k = 0; k < x.index.length; k++) s += this.weights[x.index[k]!]! * x.value[k]!;
    return s;
  }

  /** The weighted, normalized features of a text (buckets unseen in training dropped). */
  private vector(text: string): Sparse {
    const raw = rawFeatures(text, this.bits);
    const index: number[] = [];
    const value: number[] = [];
    // Groups: 0 words, 1 characters, 2 hand features (not IDF-weighted nor normalized).
    const norms = [0, 0];
    for (let k = 0; k < raw.index.length; k++) {
      const group = raw.group[k]!;
      const bucket = raw.index[k]!;
      if (group === 2) continue;
      const v = (1 + Math.log(raw.value[k]!)) * this.idf[bucket]!;
      norms[group]! += v * v;
    }
    for (let k = 0; k < raw.index.length; k++) {
      const group = raw.group[k]!;
      const bucket = raw.index[k]!;
      let v = raw.value[k]!;
      if (group !== 2) {
        const norm = Math.sqrt(norms[group]!);
        v = norm > 0 ? ((1 + Math.log(v)) * this.idf[bucket]!) / norm : 0;
      }
      if (v === 0) continue;
      index.push(bucket);
      value.push(v);
    }
    return { index: Int32Array.from(index), value: Float64Array.from(value) };
  }
}

/** x_a − x_b over the union of their buckets. */
function difference(a: Sparse, b: Sparse): Sparse {
  const merged = new Map<number, number>();
  for (let k = 0; k < a.index.length; k++)
    merged.set(a.index[k]!, (merged.get(a.index[k]!) ?? 0) + a.value[k]!);
  for (let k = 0; k < b.index.length; k++)
    merged.set(b.index[k]!, (merged.get(b.index[k]!) ?? 0) - b.value[k]!);
  const index = Int32Array.from(merged.keys());
  const value = Float64Array.from(merged.values());
  return { index, value };
}

/** Term counts per bucket, with each bucket's group (0 words, 1 characters, 2 hand). */
function rawFeatures(text: string, bits: number): { index: number[]; value: number[]; group: number[] } {
  const mask = (1 << bits) - 1;
  const counts = new Map<number, number>();
  const groups = new Map<number, number>();
  const add = (key: string, group: number, amount = 1) => {
    const bucket = fnv1a(key) & mask;
    counts.set(bucket, (counts.get(bucket) ?? 0) + amount);
    groups.set(bucket, group);
  };
  const lower = text.toLowerCase().replace(/[\u2018\u2019]/g, "'");
  const words = lower.match(/[\p{L}\p{N}']+/gu) ?? [];
  for (let i = 0; i < words.length; i++) {
    add(`w:${words[i]}`, 0);
    if (i + 1 < words.length) add(`b:${words[i]} ${words[i + 1]}`, 0);
  }
  const padded = ` ${words.join(' ')} `;
  for (let n = 3; n <= 5; n++)
    for (let i = 0; i + n <= padded.length; i++) add(`c:${padded.slice(i, i + n)}`, 1);
  const hand: Record<string, number> = {
    words: Math.min(words.length, 30) / 10,
    chars: Math.min(text.length, 200) / 100,
    number: /\d/.test(text) ? 1 : 0,
    leadingNumber: /^\s*\d/.test(text) ? 1 : 0,
    question: text.includes('?') ? 1 : 0,
    you: words.some((w) => w === 'you' || w === 'your' || w === "you're") ? 1 : 0,
    quote: /["\u201c\u201d]/.test(text) ? 1 : 0,
    exclaim: text.includes('!') ? 1 : 0,
    colon: text.includes(':') ? 1 : 0,
  };
  for (const name of handFeatures) if (hand[name]! !== 0) add(`h:${name}`, 2, hand[name]!);
  const index: number[] = [];
  const value: number[] = [];
  const group: number[] = [];
  for (const [bucket, count] of counts) {
    index.push(bucket);
    value.push(count);
    group.push(groups.get(bucket)!);
  }
  return { index, value, group };
}
