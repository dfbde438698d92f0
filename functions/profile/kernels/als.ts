/**
 * Matrix factorization for implicit feedback: alternating least squares with confidence
 * weighting (Hu, Koren & Volinsky, "Collaborative Filtering for Implicit Feedback Datasets",
 * ICDM 2008), each least-squares solve done by a few conjugate-gradient steps warm-started
 * from the previous factors (Takács, Pilászy & Tikk, "Applications of the conjugate gradient
 * method for implicit feedback collaborative filtering", RecSys 2011).
 *
 * The model: preference p_ui = 1 when user u bought item i, else 0; confidence
 * c_ui = 1 + α·r_ui where r_ui is the stored weight; minimize
 *   Σ_u Σ_i c_ui (p_ui − x_uᵀ y_i)² + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²)
 * over all users × items (the zeros included, through the Gram matrix YᵀY), alternating
 * between user factors X and item factors Y. A user's affinity for an item is x_uᵀ y_i.
 *
 * Cost per half-iteration: O(nnz · k · (cgSteps + 1) + rows · k² · cgSteps), never the dense
 * users × items product. Buffers are allocated once per fit.
 */
import { mulberry32 } from '../../../core/random';
import type { Csr } from './sparse';
import { transpose } from './sparse';

const { sqrt, log, cos, PI } = Math;

/** Options of {@link fitImplicitAls}. */
export interface AlsOptions {
  /** Latent dimension k. Default 32. */
  factors?: number;
  /** L2 regularization λ. Default 0.1. */
  regularization?: number;
  /** Confidence scale α in c = 1 + α·r. Default 10. */
  alpha?: number;
  /** Alternations (users then items). Default 12. */
  iterations?: number;
  /** Conjugate-gradient steps per least-squares solve. Default 3. */
  cgSteps?: number;
  /** Seed of the initial factors: the same seed and data give the same model. */
  seed: number;
  /** When true, the objective after each iteration is recorded in `losses` (one more pass). */
  trackLoss?: boolean;
}

/** A fitted factorization. */
export interface AlsModel {
  readonly factors: number;
  readonly regularization: number;
  readonly alpha: number;
  /** users × k, row-major. */
  readonly userFactors: Float64Array;
  /** items × k, row-major. */
  readonly itemFactors: Float64Array;
  /** The objective after each iteration, when `trackLoss` was set. */
  readonly losses: number[];
}

/**
 * Fits user and item factors to the users × items weights in `userItems`.
 *
 * @throws RangeError on a non-positive factor count, iteration count or negative weight.
 */
export function fitImplicitAls(userItems: Csr, options: AlsOptions): AlsModel {
  const k = options.factors ?? 32;
  const lambda = options.regularization ?? 0.1;
  const alpha = options.alpha ?? 10;
  const iterations = options.iterations ?? 12;
  const cgSteps = options.cgSteps ?? 3;
  if (!(k >= 1 && iterations >= 0 && cgSteps >= 1)) throw new RangeError('factors and cgSteps must be ≥ 1');
  for (const v of userItems.values) if (!(v >= 0)) throw new RangeError('implicit weights must be ≥ 0');
  const itemUsers = transpose(userItems);
  const random = mulberry32(options.seed);
  const init = (n: number) => {
    const out = new Float64Array(n * k);
    // Small Gaussian draws (Box–Muller), scaled so initial scores are near 0.01.
    for (let i = 0; i < out.length; i++) {
      const u = 1 - random();
      out[i] = (sqrt(-2 * log(u)) * cos(2 * PI * random()) * 0.1) / sqrt(k);
    }
    return out;
  };
  const users = init(userItems.rows);
  const items = init(userItems.cols);
  const scratch = new Scratch(k);
  const losses: number[] = [];
  for (let it = 0; it < iterations; it++) {
    solveSide(userItems, items, users, k, lambda, alpha, cgSteps, scratch);
    solveSide(itemUsers, users, items, k, lambda, alpha, cgSteps, scratch);
    if (options.trackLoss) losses.push(implicitLoss(userItems, users, items, k, lambda, alpha));
  }
  return { factors: k, regularization: lambda, alpha, userFactors: users, itemFactors: items, losses };
}

/** Work buffers for the k-dimensional solves, allocated once per fit. */
class Scratch {
  readonly gram: Float64Array;
  readonly r: Float64Array;
  readonly p: Float64Array;
  readonly ap: Float64Array;
  constructor(k: number) {
    this.gram = new Float64Array(k * k);
    this.r = new Float64Array(k);
    this.p = new Float64Array(k);
    this.ap = new Float64Array(k);
  }
}

/** YᵀY + λI of a rows × k matrix into `out` (k × k). */
export function gramPlusRidge(
  y: Float64Array,
  rows: number,
  k: number,
  lambda: number,
  out: Float64Array,
): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      const ya = y[o + a]!;
      if (ya === 0) continue;
      const row = a * k;
      for (let b = a; b < k; b++) out[row + b]! += ya * y[o + b]!;
    }
  }
  for (let a = 0; a < k; a++) {
    out[a * k + a]! += lambda;
    for (let b = 0; b < a; b++) out[a * k + b] = out[b * k + a]!;
  }
}

/**
 * One half-iteration: every row's factors in `solve` updated against the fixed `fixed`
 * factors, by `cgSteps` conjugate-gradient steps on
 *   (YᵀY + λI + Σ_i (c_i − 1) y_i y_iᵀ) x = Σ_i c_i y_i.
 */
function solveSide(
  m: Csr,
  fixed: Float64Array,
  solve: Float64Array,
  k: number,
  lambda: number,
  alpha: number,
  cgSteps: number,
  s: Scratch,
): void {
  const { gram, r, p, ap } = s;
  gramPlusRidge(fixed, m.cols, k, lambda, gram);
  const { indptr, indices, values } = m;
  for (let u = 0; u < m.rows; u++) {
    const xo = u * k;
    const start = indptr[u]!;
    const end = indptr[u + 1]!;
    // r = b − A x
    for (let a = 0; a < k; a++) {
      let sum = 0;
      const row = a * k;
      for (let b = 0; b < k; b++) sum += gram[row + b]! * solve[xo + b]!;
      r[a] = -sum;
    }
    for (let q = start; q < end; q++) {
      const yo = indices[q]! * k;
      const c = 1 + alpha * values[q]!;
      let dot = 0;
      for (let a = 0; a < k; a++) dot += fixed[yo + a]! * solve[xo + a]!;
      const w = c - (c - 1) * dot;
      for (let a = 0; a < k; a++) r[a]! += w * fixed[yo + a]!;
    }
    let rs = 0;
    for (let a = 0; a < k; a++) {
      p[a] = r[a]!;
      rs += r[a]! * r[a]!;
    }
    for (let step = 0; step < cgSteps && rs > 1e-20; step++) {
      for (let a = 0; a < k; a++) {
        let sum = 0;
        const row = a * k;
        for (let b = 0; b < k; b++) sum += gram[row + b]! * p[b]!;
        ap[a] = sum;
      }
      for (let q = start; q < end; q++) {
        const yo = indices[q]! * k;
        let dot = 0;
        for (let a = 0; a < k; a++) dot += fixed[yo + a]! * p[a]!;
        const w = alpha * values[q]! * dot;
        for (let a = 0; a < k; a++) ap[a]! += w * fixed[yo + a]!;
      }
      let pap = 0;
      for (let a = 0; a < k; a++) pap += p[a]! * ap[a]!;
      if (!(pap > 0)) break;
      const step_ = rs / pap;
      let next = 0;
      for (let a = 0; a < k; a++) {
        solve[xo + a]! += step_ * p[a]!;
        r[a]! -= step_ * ap[a]!;
        next += r[a]! * r[a]!;
      }
      const beta = next / rs;
      for (let a = 0; a < k; a++) p[a] = r[a]! + beta * p[a]!;
      rs = next;
    }
  }
}

/**
 * The full objective Σ_ui c_ui (p_ui − x_uᵀy_i)² + λ(‖X‖² + ‖Y‖²), computed without the
 * dense product: Σ_u x_uᵀ(YᵀY)x_u covers every (u, i) as if p = 0 and c = 1, then each
 * stored entry corrects its own term.
 */
export function implicitLoss(
  userItems: Csr,
  users: Float64Array,
  items: Float64Array,
  k: number,
  lambda: number,
  alpha: number,
): number {
  const gram = new Float64Array(k * k);
  gramPlusRidge(items, userItems.cols, k, 0, gram);
  let loss = 0;
  for (let u = 0; u < userItems.rows; u++) {
    const xo = u * k;
    for (let a = 0; a < k; a++) {
      let sum = 0;
      for (let b = 0; b < k; b++) sum += gram[a * k + b]! * users[xo + b]!;
      loss += users[xo + a]! * sum;
    }
    for (let q = userItems.indptr[u]!; q < userItems.indptr[u + 1]!; q++) {
      const yo = userItems.indices[q]! * k;
      let dot = 0;
      for (let a = 0; a < k; a++) dot += users[xo + a]! * items[yo + a]!;
      const c = 1 + alpha * userItems.values[q]!;
      loss += c * (1 - dot) * (1 - dot) - dot * dot;
    }
  }
  let norms = 0;
  for (const v of users) norms += v * v;
  for (const v of items) norms += v * v;
  return loss + lambda * norms;
}

/**
 * Precomputed item side for folding in users one at a time (a shard's users, a new user):
 * the item factors and YᵀY + λI.
 */
export interface FoldIn {
  readonly factors: number;
  readonly alpha: number;
  readonly itemFactors: Float64Array;
  readonly gram: Float64Array;
}

/** The fold-in state of a fitted model's item side. */
export function foldInOf(
  model: Pick<AlsModel, 'factors' | 'alpha' | 'regularization' | 'itemFactors'>,
): FoldIn {
  const k = model.factors;
  const gram = new Float64Array(k * k);
  gramPlusRidge(model.itemFactors, model.itemFactors.length / k, k, model.regularization, gram);
  return { factors: k, alpha: model.alpha, itemFactors: model.itemFactors, gram };
}

/**
 * The exact least-squares user vector for one user's (item, weight) pairs against fixed
 * item factors (a Cholesky solve of the k × k system), written into `out`. This is the
 * step ALS takes for a user, so a user folded in after the fit is scored like one fitted.
 * `work` must hold k × k + k numbers.
 */
export function foldInUser(
  f: FoldIn,
  items: ArrayLike<number>,
  weights: ArrayLike<number>,
  out: Float64Array,
  work: Float64Array = new Float64Array(f.factors * f.factors + f.factors),
): Float64Array {
  const k = f.factors;
  const a = work.subarray(0, k * k);
  const b = out;
  a.set(f.gram);
  b.fill(0);
  const y = f.itemFactors;
  for (let q = 0; q < items.length; q++) {
    const yo = items[q]! * k;
    const c = 1 + f.alpha * weights[q]!;
    for (let i = 0; i < k; i++) {
      const yi = y[yo + i]!;
      b[i]! += c * yi;
      const w = (c - 1) * yi;
      for (let j = 0; j <= i; j++) a[i * k + j]! += w * y[yo + j]!;
    }
  }
  // Cholesky A = L Lᵀ in the lower triangle, then two triangular solves.
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j]!;
    for (let t = 0; t < j; t++) d -= a[j * k + t]! * a[j * k + t]!;
    const ljj = sqrt(Math.max(d, 1e-12));
    a[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = a[i * k + j]!;
      for (let t = 0; t < j; t++) s -= a[i * k + t]! * a[j * k + t]!;
      a[i * k + j] = s / ljj;
    }
  }
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let t = 0; t < i; t++) s -= a[i * k + t]! * b[t]!;
    b[i] = s / a[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let t = i + 1; t < k; t++) s -= a[t * k + i]! * b[t]!;
    b[i] = s / a[i * k + i]!;
  }
  return out;
}

/** x_uᵀ y_i for every item, into `out` (length items). */
export function scoreAllItems(
  itemFactors: Float64Array,
  k: number,
  user: ArrayLike<number>,
  out: Float64Array,
): Float64Array {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let s = 0;
    for (let a = 0; a < k; a++) s += itemFactors[o + a]! * user[a]!;
    out[i] = s;
  }
  return out;
}
