/**
 * Logistic regression over hashed sparse rows, trained online with FTRL-Proximal
 * (McMahan et al., "Ad Click Prediction: a View from the Trenches", KDD 2013, algorithm 1):
 * per-coordinate learning rates alpha / (beta + sqrt(sum of squared gradients)), L1 and L2
 * regularization. The learning state is two Float64Arrays (z and n) of 2^bits + 1 entries,
 * the last one the intercept (16 MiB at the default 2^20); weights are computed from them
 * lazily, only for the coordinates a row touches. Predictions and updates allocate nothing
 * per row.
 *
 * A model is saved as an artifact: a header (format, version, hashing scheme, bits,
 * hyperparameters, checksum) and its non-zero weights as (index, value) pairs in a
 * Float32Array. Weights are rounded to float32 when they are used, not only when they are
 * saved, so a loaded model predicts exactly what the saved one did. A loaded model holds
 * its weights as one dense Float32Array (4 MiB at 2^20) and allocates the learning state
 * only if it is updated.
 */
import { createHash } from 'node:crypto';
import { TailorError } from '../../../core/errors';
import { mulberry32 } from '../../../core/random';
import { DEFAULT_BITS, FEATURE_HASH, MAX_BITS, type SparseRow } from './hashing';

// Module constants rather than globals in the hot loops (see kmeans.ts: global lookups are
// slow under Jest's vm context).
const { sqrt, exp, abs, fround, log, min, max } = Math;
const MAX_MARGIN = 35;
const infinity = Number.POSITIVE_INFINITY;

/** Hyperparameters of FTRL-Proximal. */
export interface FtrlOptions {
  /** The hashed space has 2^bits coordinates, 1 ≤ bits ≤ 24. Default 20. */
  bits?: number;
  /** Learning-rate scale: a coordinate's rate is alpha / (beta + sqrt(n)). Default 0.1. */
  alpha?: number;
  /** Learning-rate smoothing (> 0 keeps the first steps finite). Default 1. */
  beta?: number;
  /** L1 strength: coordinates with |z| ≤ lambda1 have weight 0 (sparsity). Default 1. */
  lambda1?: number;
  /** L2 strength (the penalty is lambda2 / 2 · ‖w‖²). Default 1. */
  lambda2?: number;
}

/** The hyperparameters a model was built with, all set. */
export type FtrlHyperparameters = Required<Omit<FtrlOptions, 'bits'>>;

/** Options of {@link FtrlLogisticRegression.fit}. */
export interface FitOptions {
  /** Passes over the rows. Default 1. */
  epochs?: number;
  /** When given, rows are visited in a new seeded random order each epoch; otherwise in order. */
  seed?: number;
  /** Non-negative importance weight of each row (default 1); see {@link FtrlLogisticRegression.update}. */
  weights?: ArrayLike<number>;
}

/** What {@link FtrlLogisticRegression.fit} reports. */
export interface FitReport {
  epochs: number;
  /**
   * Progressive validation log loss of each epoch: the weighted mean log loss of each row's
   * prediction made just before the model learned from it (McMahan et al., section 5.1).
   */
  progressiveLogLoss: number[];
}

/** One feature's part of a score: `contribution` = weight × value, on the log-odds scale. */
export interface Contribution {
  index: number;
  contribution: number;
}

/** Name of the artifact format. */
export const ARTIFACT_FORMAT = 'tailor.ftrl-logistic';
/** Version of the artifact format this module writes and reads. */
export const ARTIFACT_VERSION = 1;

/** The header of a saved model. */
export interface ModelHeader {
  format: typeof ARTIFACT_FORMAT;
  version: typeof ARTIFACT_VERSION;
  /** The feature hashing scheme ({@link FEATURE_HASH}): rows must be hashed the same way. */
  hash: string;
  bits: number;
  hyperparameters: FtrlHyperparameters;
  /** Number of (index, value) pairs in the weights, the intercept included when non-zero. */
  nonZero: number;
  /** Free-form labels (data window, target), covered by the checksum. */
  meta: Record<string, string | number>;
  /**
   * Hex sha256 of the header's canonical JSON without this field, then a newline, then the
   * weights' bytes (little-endian float32): a change to either is caught on load.
   */
  checksum: string;
}

/** A saved model: its header and non-zero weights. */
export interface ModelArtifact {
  header: ModelHeader;
  /**
   * Interleaved (index, value) pairs, indices increasing; index 2^bits is the intercept.
   * Indices are integers below 2^24, exact in float32.
   */
  weights: Float32Array;
}

/**
 * A model artifact failed its checks on load: wrong format or version, another hashing
 * scheme, invalid hyperparameters or weights, or a checksum that does not match. The caller
 * keeps serving the model it has.
 */
export class ModelArtifactError extends TailorError {
  override readonly code = 'ModelArtifactError';
}

/**
 * Binary logistic regression on hashed sparse rows, trained online with FTRL-Proximal.
 * Labels are probabilities in [0, 1]: 0 or 1 for a single event, or a rate (clicks over
 * impressions) for an aggregated row, which has the same gradient as its positive and
 * negative rows together.
 */
export class FtrlLogisticRegression {
  /** The hashed space has 2^bits coordinates. */
  readonly bits: number;
  /** Size of the hashed space, 2^bits; coordinate `size` is the intercept. */
  readonly size: number;
  readonly hyperparameters: FtrlHyperparameters;
  private readonly alpha: number;
  private readonly beta: number;
  private readonly lambda1: number;
  private readonly lambda2: number;
  // The learning state, allocated on the first update of a loaded model.
  private z: Float64Array | null = null;
  private n: Float64Array | null = null;
  /**
   * The weights of a loaded model, dense, until it learns again: scoring reads them
   * directly (no square root per coordinate) and they are exactly the saved ones.
   */
  private fixed: Float32Array | null = null;
  /** Weights of the row being updated, computed once for its prediction and its update. */
  private scratch = new Float64Array(256);

  /** @throws RangeError when a hyperparameter is out of range. */
  constructor(options: FtrlOptions = {}) {
    const { bits = DEFAULT_BITS, alpha = 0.1, beta = 1, lambda1 = 1, lambda2 = 1 } = options;
    this.hyperparameters = checkHyperparameters({ alpha, beta, lambda1, lambda2 });
    checkBits(bits, RangeError);
    this.bits = bits;
    this.size = 2 ** bits;
    this.alpha = alpha;
    this.beta = beta;
    this.lambda1 = lambda1;
    this.lambda2 = lambda2;
  }

  /**
   * The current weight of coordinate `index` (index `size` is the intercept), as float32:
   * 0 while |z| ≤ lambda1, else −(z − sign(z)·lambda1) / ((beta + √n) / alpha + lambda2).
   * The intercept is not regularized.
   */
  weight(index: number): number {
    const fixed = this.fixed;
    if (fixed !== null) return fixed[index]!;
    const zs = this.z;
    if (zs === null) return 0;
    const z = zs[index]!;
    if (z === 0) return 0;
    const rate = (this.beta + sqrt(this.n![index]!)) / this.alpha;
    if (index === this.size) return fround(-z / rate);
    const l1 = this.lambda1;
    if (z <= l1 && z >= -l1) return 0;
    return fround(-(z > 0 ? z - l1 : z + l1) / (rate + this.lambda2));
  }

  /** The intercept's weight (the log-odds of a row with no features). */
  get intercept(): number {
    return this.weight(this.size);
  }

  /** The log-odds of a row: intercept + Σ weight × value. */
  margin(row: SparseRow): number {
    const { indices, values } = row;
    let s = this.weight(this.size);
    for (let k = 0; k < indices.length; k++) s += this.weight(indices[k]!) * values[k]!;
    return s;
  }

  /** The predicted probability of a row. */
  predict(row: SparseRow): number {
    return sigmoid(this.margin(row));
  }

  /** Predicted probabilities of many rows, into `out` when given. */
  predictBatch(rows: ReadonlyArray<SparseRow>, out = new Float64Array(rows.length)): Float64Array {
    for (let i = 0; i < rows.length; i++) out[i] = this.predict(rows[i]!);
    return out;
  }

  /**
   * Learns from one row: one FTRL-Proximal step on the log loss of `label` (in [0, 1]).
   * An importance `weight` w scales the gradient g to w·g and adds w·g² to the squared
   * gradient sum, as w repeats of the row would if the prediction did not move between them.
   * Returns the prediction made before the step.
   *
   * @throws RangeError when the label is outside [0, 1] or the weight is negative or not finite.
   */
  update(row: SparseRow, label: number, weight = 1): number {
    if (!(label >= 0 && label <= 1)) throw new RangeError(`label must be in [0, 1], got ${label}`);
    if (!(weight >= 0 && weight < infinity)) {
      throw new RangeError(`weight must be finite and ≥ 0, got ${weight}`);
    }
    const { indices, values } = row;
    const m = indices.length;
    if (this.scratch.length < m) this.scratch = new Float64Array(2 * m);
    const w = this.scratch;
    const bias = this.size;
    const wBias = this.weight(bias);
    let s = wBias;
    for (let k = 0; k < m; k++) {
      const wk = this.weight(indices[k]!);
      w[k] = wk;
      s += wk * values[k]!;
    }
    const p = sigmoid(s);
    if (weight === 0) return p;
    const g = p - label;
    if (this.z === null || this.fixed !== null) this.thaw();
    const z = this.z!;
    const n = this.n!;
    const alpha = this.alpha;
    for (let k = 0; k < m; k++) {
      const i = indices[k]!;
      const gi = g * values[k]!;
      const ni = n[i]!;
      const next = ni + weight * gi * gi;
      z[i] = z[i]! + weight * gi - ((sqrt(next) - sqrt(ni)) / alpha) * w[k]!;
      n[i] = next;
    }
    const nb = n[bias]!;
    const nextBias = nb + weight * g * g;
    z[bias] = z[bias]! + weight * g - ((sqrt(nextBias) - sqrt(nb)) / alpha) * wBias;
    n[bias] = nextBias;
    return p;
  }

  /**
   * Trains on `rows` for `epochs` passes, shuffling each pass when a seed is given.
   *
   * @throws RangeError when the lengths differ or a label or weight is invalid.
   */
  fit(rows: ReadonlyArray<SparseRow>, labels: ArrayLike<number>, options: FitOptions = {}): FitReport {
    const { epochs = 1, seed, weights } = options;
    if (labels.length !== rows.length) {
      throw new RangeError(`${rows.length} rows but ${labels.length} labels`);
    }
    if (weights && weights.length !== rows.length) {
      throw new RangeError(`${rows.length} rows but ${weights.length} weights`);
    }
    if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`epochs must be an integer ≥ 0`);
    const order = new Int32Array(rows.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const random = seed === undefined ? undefined : mulberry32(seed);
    const progressiveLogLoss: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (random) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          const t = order[i]!;
          order[i] = order[j]!;
          order[j] = t;
        }
      }
      let loss = 0;
      let total = 0;
      for (let t = 0; t < order.length; t++) {
        const i = order[t]!;
        const y = labels[i]!;
        const w = weights ? weights[i]! : 1;
        const p = this.update(rows[i]!, y, w);
        loss += w * rowLogLoss(p, y);
        total += w;
      }
      progressiveLogLoss.push(total > 0 ? loss / total : Number.NaN);
    }
    return { epochs, progressiveLogLoss };
  }

  /**
   * Each feature's part of the row's log-odds (weight × value), non-zero ones only, largest
   * in absolute value first; the intercept is left out (see {@link intercept}).
   */
  contributions(row: SparseRow): Contribution[] {
    const out: Contribution[] = [];
    const { indices, values } = row;
    for (let k = 0; k < indices.length; k++) {
      const index = indices[k]!;
      const contribution = this.weight(index) * values[k]!;
      if (contribution !== 0) out.push({ index, contribution });
    }
    return out.sort((a, b) => abs(b.contribution) - abs(a.contribution) || a.index - b.index);
  }

  /** Number of coordinates with a non-zero weight, the intercept included. */
  nonZero(): number {
    let count = 0;
    for (let i = 0; i <= this.size; i++) if (this.weight(i) !== 0) count++;
    return count;
  }

  /**
   * The model as an artifact: header and non-zero weights. `meta` labels it (data window,
   * target) and is covered by the checksum. The learning state (n, and z of coordinates
   * whose weight is 0) is not saved: a loaded model scores identically, and when it goes on
   * learning its per-coordinate learning rates start afresh.
   */
  serialize(meta: Record<string, string | number> = {}): ModelArtifact {
    const pairs: number[] = [];
    for (let i = 0; i <= this.size; i++) {
      const w = this.weight(i);
      if (w !== 0) pairs.push(i, w);
    }
    const weights = Float32Array.from(pairs);
    const unsigned = {
      format: ARTIFACT_FORMAT,
      version: ARTIFACT_VERSION,
      hash: FEATURE_HASH,
      bits: this.bits,
      hyperparameters: { ...this.hyperparameters },
      nonZero: pairs.length / 2,
      meta: { ...meta },
    } as const;
    return { header: { ...unsigned, checksum: checksumOf(unsigned, weights) }, weights };
  }

  /**
   * The model an artifact holds, after checking it: format, version, hashing scheme, bits,
   * hyperparameters, weight pairs (indices increasing and in range, values finite and
   * non-zero) and checksum. The loaded model predicts exactly what the saved one did.
   *
   * @throws ModelArtifactError naming the first check that failed.
   */
  static deserialize(artifact: ModelArtifact): FtrlLogisticRegression {
    const { header, weights } = checkArtifact(artifact);
    const model = new FtrlLogisticRegression({ ...header.hyperparameters, bits: header.bits });
    const fixed = new Float32Array(model.size + 1);
    for (let k = 0; k < weights.length; k += 2) fixed[weights[k]!] = weights[k + 1]!;
    model.fixed = fixed;
    return model;
  }

  /**
   * Allocates the learning state; for a loaded model, sets z so that the weights stay as
   * they are (with n = 0 the weight formula inverts exactly, up to float64 rounding) and
   * drops the dense weights.
   */
  private thaw(): void {
    const z = new Float64Array(this.size + 1);
    const fixed = this.fixed;
    if (fixed !== null) {
      const { alpha, beta, lambda1, lambda2, size } = this;
      for (let i = 0; i <= size; i++) {
        const w = fixed[i]!;
        if (w === 0) continue;
        z[i] = i === size ? -w * (beta / alpha) : -w * (beta / alpha + lambda2) - Math.sign(w) * lambda1;
      }
    }
    this.z = z;
    this.n = new Float64Array(this.size + 1);
    this.fixed = null;
  }

  /** The artifact as bytes, for storage: see {@link encodeArtifact}. */
  toBytes(meta: Record<string, string | number> = {}): Uint8Array {
    return encodeArtifact(this.serialize(meta));
  }

  /**
   * The model stored as bytes by {@link toBytes}.
   *
   * @throws ModelArtifactError when the bytes are not a valid artifact.
   */
  static fromBytes(bytes: Uint8Array): FtrlLogisticRegression {
    return FtrlLogisticRegression.deserialize(decodeArtifact(bytes));
  }
}

/** The logistic function, with the margin clamped to ±35 so that it never returns exactly 0 or 1. */
export function sigmoid(margin: number): number {
  const m = min(MAX_MARGIN, max(-MAX_MARGIN, margin));
  return 1 / (1 + exp(-m));
}

function rowLogLoss(p: number, y: number): number {
  return -(y > 0 ? y * log(p) : 0) - (y < 1 ? (1 - y) * log(1 - p) : 0);
}

function checkBits(bits: unknown, ErrorType: new (message: string) => Error): asserts bits is number {
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 1 || bits > MAX_BITS) {
    throw new ErrorType(`bits must be an integer in [1, ${MAX_BITS}], got ${String(bits)}`);
  }
}

function checkHyperparameters(
  h: FtrlHyperparameters,
  ErrorType: new (message: string) => Error = RangeError,
) {
  const finite = (name: string, value: unknown, min: number, strict: boolean) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || (strict ? value <= min : value < min)) {
      throw new ErrorType(
        `${name} must be a finite number ${strict ? '>' : '≥'} ${min}, got ${String(value)}`,
      );
    }
  };
  finite('alpha', h.alpha, 0, true);
  finite('beta', h.beta, 0, true);
  finite('lambda1', h.lambda1, 0, false);
  finite('lambda2', h.lambda2, 0, false);
  return { alpha: h.alpha, beta: h.beta, lambda1: h.lambda1, lambda2: h.lambda2 };
}

/** The header's fields other than the checksum, in a fixed order: what the checksum covers. */
function canonicalJson(header: Omit<ModelHeader, 'checksum'>): string {
  const h = header.hyperparameters;
  const meta: Record<string, string | number> = {};
  for (const key of Object.keys(header.meta).sort()) meta[key] = header.meta[key]!;
  return JSON.stringify({
    format: header.format,
    version: header.version,
    hash: header.hash,
    bits: header.bits,
    hyperparameters: { alpha: h.alpha, beta: h.beta, lambda1: h.lambda1, lambda2: h.lambda2 },
    nonZero: header.nonZero,
    meta,
  });
}

function checksumOf(header: Omit<ModelHeader, 'checksum'>, weights: Float32Array): string {
  return createHash('sha256')
    .update(`${canonicalJson(header)}\n`)
    .update(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength))
    .digest('hex');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every check of {@link FtrlLogisticRegression.deserialize}, on untrusted input. */
function checkArtifact(artifact: unknown): ModelArtifact {
  const fail = (message: string): never => {
    throw new ModelArtifactError(message);
  };
  if (!isRecord(artifact)) return fail('artifact is not an object');
  const { header, weights } = artifact;
  if (!isRecord(header)) return fail('artifact header is not an object');
  if (header['format'] !== ARTIFACT_FORMAT)
    return fail(`format is ${String(header['format'])}, not ${ARTIFACT_FORMAT}`);
  if (header['version'] !== ARTIFACT_VERSION) {
    return fail(`version ${String(header['version'])} is not supported (expected ${ARTIFACT_VERSION})`);
  }
  if (header['hash'] !== FEATURE_HASH) {
    return fail(`features hashed with ${String(header['hash'])}, not ${FEATURE_HASH}`);
  }
  const bits = header['bits'];
  checkBits(bits, ModelArtifactError);
  const h = header['hyperparameters'];
  if (!isRecord(h)) return fail('hyperparameters are missing');
  const hyperparameters = checkHyperparameters(h as unknown as FtrlHyperparameters, ModelArtifactError);
  const meta = header['meta'];
  if (!isRecord(meta) || !Object.values(meta).every((v) => typeof v === 'string' || Number.isFinite(v))) {
    return fail('meta must map names to strings or finite numbers');
  }
  const nonZero = header['nonZero'];
  if (typeof nonZero !== 'number' || !Number.isInteger(nonZero) || nonZero < 0) {
    return fail(`nonZero must be an integer ≥ 0, got ${String(nonZero)}`);
  }
  if (!(weights instanceof Float32Array)) return fail('weights are not a Float32Array');
  if (weights.length !== 2 * nonZero) return fail(`${weights.length} weight values for ${nonZero} pairs`);
  const checksum = header['checksum'];
  if (typeof checksum !== 'string') return fail('checksum is missing');
  const unsigned = {
    format: ARTIFACT_FORMAT,
    version: ARTIFACT_VERSION,
    hash: FEATURE_HASH,
    bits,
    hyperparameters,
    nonZero,
    meta: meta as Record<string, string | number>,
  } as const;
  if (checksumOf(unsigned, weights) !== checksum)
    return fail('checksum does not match the header and weights');
  const size = 2 ** bits;
  let previous = -1;
  for (let k = 0; k < weights.length; k += 2) {
    const index = weights[k]!;
    const value = weights[k + 1]!;
    if (!Number.isInteger(index) || index <= previous || index > size) {
      return fail(`weight index ${index} at pair ${k / 2} is not increasing within [0, ${size}]`);
    }
    if (!Number.isFinite(value) || value === 0)
      return fail(`weight ${value} at index ${index} is not finite and non-zero`);
    previous = index;
  }
  return { header: { ...unsigned, checksum }, weights };
}

const MAGIC = [0x54, 0x46, 0x54, 0x4c]; // "TFTL"

/**
 * An artifact as bytes: "TFTL", the header's length (uint32, little-endian), the header as
 * UTF-8 JSON in canonical form, zero padding to a multiple of 4, then the weights as
 * little-endian float32. The format has no redundancy of its own: the header's checksum is
 * what catches damage.
 */
export function encodeArtifact(artifact: ModelArtifact): Uint8Array {
  const json = new TextEncoder().encode(headerJson(artifact.header));
  const weightsAt = align4(8 + json.length);
  const out = new Uint8Array(weightsAt + artifact.weights.byteLength);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  const w = artifact.weights;
  out.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), weightsAt);
  return out;
}

/**
 * The artifact in bytes written by {@link encodeArtifact}, parsed but not yet checked
 * (deserializing checks it).
 *
 * @throws ModelArtifactError when the bytes are not in the format: magic, lengths, JSON in
 * canonical form, padding.
 */
export function decodeArtifact(bytes: Uint8Array): ModelArtifact {
  const fail = (message: string): never => {
    throw new ModelArtifactError(message);
  };
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b))
    return fail('not a model artifact (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  const weightsAt = align4(8 + headerLength);
  if (weightsAt > bytes.length || (bytes.length - weightsAt) % 4 !== 0) {
    return fail(`header length ${headerLength} does not fit an artifact of ${bytes.length} bytes`);
  }
  for (let i = 8 + headerLength; i < weightsAt; i++) if (bytes[i] !== 0) return fail('padding is not zero');
  let header: unknown;
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    header = JSON.parse(text.decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    return fail('header is not UTF-8 JSON');
  }
  if (!isRecord(header)) return fail('header is not an object');
  // The JSON must be exactly what encodeArtifact writes, so that no edit (another spelling
  // of a number, added whitespace or keys) goes unnoticed by the checksum.
  let canonical: string | undefined;
  try {
    canonical = headerJson(header as unknown as ModelHeader);
  } catch {
    canonical = undefined;
  }
  if (canonical !== text.decode(bytes.subarray(8, 8 + headerLength)))
    return fail('header is not in canonical form');
  // Copy: the weights must start at a multiple of 4 in their own buffer.
  const weights = new Float32Array(bytes.slice(weightsAt).buffer);
  return { header: header as unknown as ModelHeader, weights };
}

function headerJson(header: ModelHeader): string {
  const unsigned = canonicalJson(header);
  return `${unsigned.slice(0, -1)},"checksum":${JSON.stringify(header.checksum)}}`;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
