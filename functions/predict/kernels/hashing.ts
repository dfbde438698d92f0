/**
 * Feature hashing for the predictor: every feature (a categorical value, a numeric field, a
 * cross of two features, a word or character n-gram of the copy) is hashed into a fixed space
 * of 2^bits coordinates, so new values need no schema change and a model is a flat array.
 *
 * The hash is MurmurHash3 x86_32 over the UTF-8 bytes of the feature's name with a fixed
 * seed, written out here so that an index is the same in every run, process and platform
 * (and equals `sklearn.utils.murmurhash3_32(name, seed, positive=True)`). Names are encoded
 * to UTF-8 into one reused buffer and hashed there: crosses and n-grams are hashed from their
 * parts, without building the joined string.
 */

/** Default size of the hashed space: 2^20 coordinates. */
export const DEFAULT_BITS = 20;

/**
 * Most bits a space may have: a model stores indices in a Float32Array (see ftrl.ts), which
 * holds every integer up to 2^24 exactly.
 */
export const MAX_BITS = 24;

/** Seed of {@link hashFeature}: "TAIL" in ASCII. Changing it invalidates every model. */
export const FEATURE_SEED = 0x5441494c;

/** Names the hashing scheme; models record it and refuse to load under another. */
export const FEATURE_HASH = `murmur3_x86_32/utf8/seed=0x${FEATURE_SEED.toString(16)}`;

/** Separator between the two names of a {@link cross}. */
export const CROSS_SEPARATOR = ' × ';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
// Module constants rather than globals in the hot paths (global lookups are slow under Jest).
const imul = Math.imul;
const { isFinite: finite, isInteger } = Number;

// The key being hashed: its UTF-8 bytes are gathered in a buffer reused from key to key,
// then hashed in one loop over local variables. Nothing is allocated per key. Every public
// function starts and finishes a key without yielding.
let key = new Uint8Array(256);
let keyLength = 0;
let keySeed = 0;

function start(seed: number): void {
  keySeed = seed;
  keyLength = 0;
}

function reserve(bytes: number): Uint8Array {
  if (keyLength + bytes > key.length) {
    const grown = new Uint8Array(Math.max(2 * key.length, keyLength + bytes));
    grown.set(key.subarray(0, keyLength));
    key = grown;
  }
  return key;
}

function feedByte(byte: number): void {
  reserve(1)[keyLength++] = byte;
}

/** Feeds the UTF-8 encoding of `text` (a lone surrogate as U+FFFD, as TextEncoder does). */
function feed(text: string): void {
  feedRange(text, 0, text.length);
}

/** Feeds the UTF-8 encoding of `text` from code unit `from` up to (not including) `to`. */
function feedRange(text: string, from: number, to: number): void {
  const buffer = reserve(3 * (to - from));
  let n = keyLength;
  for (let i = from; i < to; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      buffer[n++] = c;
    } else if (c < 0x800) {
      buffer[n++] = 0xc0 | (c >> 6);
      buffer[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < to ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        buffer[n++] = 0xf0 | (c >> 18);
        buffer[n++] = 0x80 | ((c >> 12) & 0x3f);
        buffer[n++] = 0x80 | ((c >> 6) & 0x3f);
        buffer[n++] = 0x80 | (c & 0x3f);
      } else {
        buffer[n++] = 0xef;
        buffer[n++] = 0xbf;
        buffer[n++] = 0xbd;
      }
    } else {
      buffer[n++] = 0xe0 | (c >> 12);
      buffer[n++] = 0x80 | ((c >> 6) & 0x3f);
      buffer[n++] = 0x80 | (c & 0x3f);
    }
  }
  keyLength = n;
}

/** MurmurHash3 x86_32 of the key's bytes. */
function finish(): number {
  const bytes = key;
  const length = keyLength;
  const blocks = length & ~3;
  let h = keySeed | 0;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= imul(k, C2);
    h = (h << 13) | (h >>> 19);
    h = (imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2]! << 16;
    if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    k = imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= imul(k, C2);
  }
  h ^= length;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * MurmurHash3 x86_32 of the UTF-8 bytes of `text`, as an unsigned 32-bit integer.
 * Equal to the reference implementation (and to scikit-learn's `murmurhash3_32` with
 * `positive=True`) for the same seed.
 */
export function murmur3(text: string, seed = 0): number {
  start(seed);
  feed(text);
  return finish();
}

function checkBits(bits: number): number {
  if (!isInteger(bits) || bits < 1 || bits > MAX_BITS) {
    throw new RangeError(`bits must be an integer in [1, ${MAX_BITS}], got ${bits}`);
  }
  return (2 ** bits - 1) | 0;
}

/**
 * The coordinate of a feature in a space of 2^bits: the hash of `name`, or of `name=value`
 * for a categorical feature (`hashFeature('channel', 'Web')` is `hashFeature('channel=Web')`).
 * Stable across runs and processes.
 *
 * @throws RangeError when `bits` is not an integer in [1, {@link MAX_BITS}].
 */
export function hashFeature(name: string, value?: string, bits = DEFAULT_BITS): number {
  const mask = checkBits(bits);
  start(FEATURE_SEED);
  feed(name);
  if (value !== undefined) {
    feedByte(0x3d); // '='
    feed(value);
  }
  return (finish() & mask) >>> 0;
}

/** The readable name of a categorical feature, as {@link hashFeature} hashes it: `name=value`. */
export function featureName(name: string, value?: string): string {
  return value === undefined ? name : `${name}=${value}`;
}

/**
 * The name of the cross (conjunction) of two features, such as a user attribute and a
 * property of the copy: `cross('segment=3', 'tone=playful')`. Symmetric: the two names are
 * put in code-unit order, so `cross(a, b) === cross(b, a)`.
 */
export function cross(a: string, b: string): string {
  return a <= b ? `${a}${CROSS_SEPARATOR}${b}` : `${b}${CROSS_SEPARATOR}${a}`;
}

/**
 * One example in the hashed space: coordinates in strictly increasing order, each with its
 * value. Built by {@link RowBuilder}, which sorts and de-duplicates; models may rely on
 * both (each coordinate once, memory touched in order).
 */
export interface SparseRow {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** Readable names of hashed coordinates, for explanations: the first name seen per index. */
export type FeatureNames = Map<number, string>;

// Token scanning. Character classes: separator, word character (letters, marks, digits),
// a character that is a token by itself (Han ideographs and kana: Chinese and Japanese copy
// has no spaces, so its characters and their bigrams stand in for words), a mark that is a
// token by itself ('?' and '!', which carry tone), and the apostrophe, which joins two word
// runs ("don't") and separates otherwise.
const SEPARATOR = 0;
const WORD = 1;
const CHARACTER = 2;
const MARK = 3;
const APOSTROPHE = 4;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  ASCII_CLASS[c] =
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
      ? WORD
      : c === 0x3f || c === 0x21
        ? MARK
        : c === 0x27
          ? APOSTROPHE
          : SEPARATOR;
}
const WORD_CHARACTER = /[\p{L}\p{M}\p{N}]/u;
const HAN = /\p{Script=Han}/u;
// Outside tab..'~': non-ASCII (rare ASCII controls take the slow path too, harmlessly).
const NON_ASCII = /[^\t-~]/;
const TYPOGRAPHIC_APOSTROPHES = /[\u2018\u2019\u02bc]/g;

function classOf(code: number): number {
  if (code < 128) return ASCII_CLASS[code]!;
  if (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3040 && code <= 0x30ff) ||
    (code >= 0x31f0 && code <= 0x31ff)
  ) {
    return CHARACTER;
  }
  const char = String.fromCodePoint(code);
  if (HAN.test(char)) return CHARACTER;
  return WORD_CHARACTER.test(char) ? WORD : SEPARATOR;
}

// The last scan: its normalized text and token boundaries, in buffers reused from call to call.
let scanned = '';
let tokenStarts = new Int32Array(64);
let tokenEnds = new Int32Array(64);

function pushToken(start: number, end: number, count: number): number {
  if (count === tokenStarts.length) {
    const starts = new Int32Array(count * 2);
    starts.set(tokenStarts);
    tokenStarts = starts;
    const ends = new Int32Array(count * 2);
    ends.set(tokenEnds);
    tokenEnds = ends;
  }
  tokenStarts[count] = start;
  tokenEnds[count] = end;
  return count + 1;
}

/** Normalizes `text` into `scanned` and finds its tokens; returns their number. */
function scan(text: string): number {
  // ASCII text is its own NFKC form and has no typographic apostrophes.
  scanned = NON_ASCII.test(text)
    ? text.normalize('NFKC').toLowerCase().replace(TYPOGRAPHIC_APOSTROPHES, "'")
    : text.toLowerCase();
  const t = scanned;
  const length = t.length;
  let count = 0;
  let wordStart = -1;
  for (let i = 0; i < length; ) {
    const code = t.codePointAt(i)!;
    const width = code > 0xffff ? 2 : 1;
    const kind = classOf(code);
    if (kind === WORD) {
      if (wordStart < 0) wordStart = i;
    } else if (
      kind === APOSTROPHE &&
      wordStart >= 0 &&
      i + 1 < length &&
      classOf(t.codePointAt(i + 1)!) === WORD
    ) {
      // Inside a word: keep going.
    } else {
      if (wordStart >= 0) {
        count = pushToken(wordStart, i, count);
        wordStart = -1;
      }
      if (kind === CHARACTER || kind === MARK) count = pushToken(i, i + width, count);
    }
    i += width;
  }
  if (wordStart >= 0) count = pushToken(wordStart, length, count);
  return count;
}

/**
 * The tokens of a piece of copy, in order: the text is NFKC-normalized (full-width forms
 * become ASCII) and lowercased, typographic apostrophes become ASCII; words are runs of
 * letters, marks and digits, joined across inner apostrophes ("don't"); each Han, hiragana
 * or katakana character is a token by itself; `?` and `!` are tokens; everything else
 * separates tokens.
 */
export function tokenize(text: string): string[] {
  const count = scan(text);
  const out: string[] = [];
  for (let k = 0; k < count; k++) out.push(scanned.slice(tokenStarts[k]!, tokenEnds[k]!));
  return out;
}

/**
 * The feature names {@link RowBuilder.text} adds for a piece of copy: `prefix:token` for each
 * token and `prefix:first second` for each pair of adjacent tokens (word bigrams for
 * English, character bigrams for Chinese). Repeats are kept (they add up in a row).
 */
export function textFeatureNames(text: string, prefix = 'w'): string[] {
  const tokens = tokenize(text);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    out.push(`${prefix}:${tokens[i]}`);
    if (i > 0) out.push(`${prefix}:${tokens[i - 1]} ${tokens[i]}`);
  }
  return out;
}

const INSERTION_SORT_MAX = 64;

/**
 * Builds {@link SparseRow}s: features are added by name (hashed) or by index, then
 * {@link RowBuilder.build} sorts them, sums the values of repeated coordinates (a hash
 * collision or a repeated word), drops zeros and resets the builder for the next row.
 * Buffers grow as needed and are reused from row to row.
 */
export class RowBuilder {
  /** Size of the hashed space, 2^bits. */
  readonly size: number;
  private readonly mask: number;
  private indices = new Int32Array(64);
  private values = new Float64Array(64);
  private keys = new Float64Array(0);
  private count = 0;

  /**
   * @param bits the space has 2^bits coordinates (default {@link DEFAULT_BITS}).
   * @param names when given, the first name hashed to each index is recorded in it.
   * @throws RangeError when `bits` is not an integer in [1, {@link MAX_BITS}].
   */
  constructor(
    readonly bits = DEFAULT_BITS,
    readonly names?: FeatureNames,
  ) {
    this.mask = checkBits(bits);
    this.size = 2 ** bits;
  }

  /** Adds `value` at a coordinate already hashed, in [0, 2^bits). */
  add(index: number, value = 1): this {
    if (!(index >= 0 && index < this.size && isInteger(index))) {
      throw new RangeError(`index ${index} is outside [0, ${this.size})`);
    }
    this.push(index, value);
    return this;
  }

  /** Adds a categorical feature, `name=value`, with value 1 (or `x`). */
  categorical(name: string, value: string, x = 1): this {
    start(FEATURE_SEED);
    feed(name);
    feedByte(0x3d);
    feed(value);
    this.pushFinished(x, this.names && featureName(name, value));
    return this;
  }

  /** Adds a numeric feature: the coordinate of `name` with value `x` (scale it to about unit size). */
  numeric(name: string, x: number): this {
    start(FEATURE_SEED);
    feed(name);
    this.pushFinished(x, this.names && name);
    return this;
  }

  /** Adds the {@link cross} of two feature names with value 1 (or `x`). */
  cross(a: string, b: string, x = 1): this {
    const first = a <= b ? a : b;
    const second = a <= b ? b : a;
    start(FEATURE_SEED);
    feed(first);
    feed(CROSS_SEPARATOR);
    feed(second);
    this.pushFinished(x, this.names && `${first}${CROSS_SEPARATOR}${second}`);
    return this;
  }

  /**
   * Adds the token unigrams and bigrams of a piece of copy (see {@link textFeatureNames}),
   * each with value `x` (default 1), hashing them without building the joined names.
   */
  text(text: string, prefix = 'w', x = 1): this {
    const count = scan(text);
    const t = scanned;
    const starts = tokenStarts;
    const ends = tokenEnds;
    for (let k = 0; k < count; k++) {
      start(FEATURE_SEED);
      feed(prefix);
      feedByte(0x3a); // ':'
      feedRange(t, starts[k]!, ends[k]!);
      this.pushFinished(x, this.names && `${prefix}:${t.slice(starts[k]!, ends[k]!)}`);
      if (k === 0) continue;
      start(FEATURE_SEED);
      feed(prefix);
      feedByte(0x3a);
      feedRange(t, starts[k - 1]!, ends[k - 1]!);
      feedByte(0x20);
      feedRange(t, starts[k]!, ends[k]!);
      this.pushFinished(
        x,
        this.names && `${prefix}:${t.slice(starts[k - 1]!, ends[k - 1]!)} ${t.slice(starts[k]!, ends[k]!)}`,
      );
    }
    return this;
  }

  /** The features added since the last build, as a sorted, de-duplicated row; resets the builder. */
  build(): SparseRow {
    const n = this.count;
    this.count = 0;
    const idx = this.indices;
    const val = this.values;
    if (n <= INSERTION_SORT_MAX) {
      for (let i = 1; i < n; i++) {
        const key = idx[i]!;
        const value = val[i]!;
        let j = i - 1;
        while (j >= 0 && idx[j]! > key) {
          idx[j + 1] = idx[j]!;
          val[j + 1] = val[j]!;
          j--;
        }
        idx[j + 1] = key;
        val[j + 1] = value;
      }
    } else {
      // Sort (index, position) pairs packed in one float64 (index < 2^24, position < 2^28:
      // exact), natively, then gather.
      if (this.keys.length < n) this.keys = new Float64Array(this.indices.length);
      const keys = this.keys.subarray(0, n);
      for (let i = 0; i < n; i++) keys[i] = idx[i]! * 268_435_456 + i;
      keys.sort();
      const sortedValues = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const key = keys[i]!;
        const position = key % 268_435_456;
        sortedValues[i] = val[position]!;
        keys[i] = (key - position) / 268_435_456;
      }
      for (let i = 0; i < n; i++) {
        idx[i] = keys[i]!;
        val[i] = sortedValues[i]!;
      }
    }
    // Merge runs of one index, summing; drop zeros.
    let unique = 0;
    for (let i = 0; i < n; ) {
      const index = idx[i]!;
      let sum = val[i]!;
      let j = i + 1;
      while (j < n && idx[j] === index) sum += val[j++]!;
      if (sum !== 0) {
        idx[unique] = index;
        val[unique] = sum;
        unique++;
      }
      i = j;
    }
    const indices = idx.slice(0, unique);
    const values = new Float32Array(unique);
    for (let i = 0; i < unique; i++) values[i] = val[i]!;
    return { indices, values };
  }

  /** Finishes the hash being fed and adds its coordinate; records `name` when names are kept. */
  private pushFinished(x: number, name: string | undefined): void {
    const index = finish() & this.mask;
    if (name !== undefined && !this.names!.has(index)) this.names!.set(index, name);
    this.push(index, x);
  }

  private push(index: number, value: number): void {
    if (!finite(value)) throw new RangeError(`feature value must be finite, got ${value}`);
    if (this.count === this.indices.length) {
      const indices = new Int32Array(this.count * 2);
      indices.set(this.indices);
      this.indices = indices;
      const values = new Float64Array(this.count * 2);
      values.set(this.values);
      this.values = values;
    }
    this.indices[this.count] = index;
    this.values[this.count] = value;
    this.count++;
  }
}
