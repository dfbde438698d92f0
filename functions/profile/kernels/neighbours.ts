/**
 * Item-to-item neighbours for "people who bought X also bought this": cosine similarity of
 * the items' buyer vectors, sim(i, j) = Σ_u r_ui r_uj / (‖r_·i‖ ‖r_·j‖), optionally shrunk
 * toward 0 for pairs with little support (Koren's shrinkage, sim · n_ij / (n_ij + shrink)),
 * keeping the top K per item.
 *
 * Sparse throughout: item i's similarities are accumulated over the users who bought i and
 * the items those users bought, so the cost is Σ_u |items of u|², never items² × users.
 * One dense accumulator of length items is reused for every item.
 */
import type { Csr } from './sparse';
import { transpose } from './sparse';

const { sqrt } = Math;

/** Options of {@link itemNeighbours}. */
export interface NeighbourOptions {
  /** Neighbours kept per item. Default 50. */
  k?: number;
  /** Shrinkage toward 0 by co-buyer count n: sim · n / (n + shrink). Default 0 (plain cosine). */
  shrink?: number;
}

/** Top-K neighbours of every item, best first; rows with fewer than K are padded with −1 / 0. */
export interface Neighbours {
  readonly items: number;
  readonly k: number;
  /** items × k neighbour indices, −1 where an item has fewer neighbours. */
  readonly index: Int32Array;
  /** items × k similarities, matching `index`. */
  readonly similarity: Float64Array;
}

/**
 * The K most similar items of each item (ties broken by the lower index), never itself, only
 * items with a similarity above 0.
 */
export function itemNeighbours(userItems: Csr, options: NeighbourOptions = {}): Neighbours {
  const k = options.k ?? 50;
  const shrink = options.shrink ?? 0;
  if (!(k >= 1)) throw new RangeError('k must be ≥ 1');
  const itemUsers = transpose(userItems);
  const nItems = userItems.cols;
  const norm = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) {
    let s = 0;
    for (let p = itemUsers.indptr[i]!; p < itemUsers.indptr[i + 1]!; p++) s += itemUsers.values[p]! ** 2;
    norm[i] = sqrt(s);
  }
  const dot = new Float64Array(nItems);
  const common = new Int32Array(nItems);
  const touched = new Int32Array(nItems);
  const index = new Int32Array(nItems * k).fill(-1);
  const similarity = new Float64Array(nItems * k);
  const heap = new TopK(k);
  const { indptr: uptr, indices: uidx, values: uval } = userItems;
  for (let i = 0; i < nItems; i++) {
    let nTouched = 0;
    for (let p = itemUsers.indptr[i]!; p < itemUsers.indptr[i + 1]!; p++) {
      const u = itemUsers.indices[p]!;
      const w = itemUsers.values[p]!;
      for (let q = uptr[u]!; q < uptr[u + 1]!; q++) {
        const j = uidx[q]!;
        if (common[j] === 0) touched[nTouched++] = j;
        dot[j]! += w * uval[q]!;
        common[j]!++;
      }
    }
    heap.clear();
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t]!;
      if (j !== i && norm[j]! > 0 && norm[i]! > 0) {
        let s = dot[j]! / (norm[i]! * norm[j]!);
        if (shrink > 0) s *= common[j]! / (common[j]! + shrink);
        if (s > 0) heap.offer(j, s);
      }
      dot[j] = 0;
      common[j] = 0;
    }
    heap.drainInto(index, similarity, i * k);
  }
  return { items: nItems, k, index, similarity };
}

/**
 * A bounded min-heap keeping the `capacity` best (index, score) pairs; on equal scores the
 * lower index counts as better, so results do not depend on visiting order.
 */
export class TopK {
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  private size = 0;

  constructor(readonly capacity: number) {
    this.idx = new Int32Array(capacity);
    this.val = new Float64Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  get length(): number {
    return this.size;
  }

  /** Whether (a, va) ranks below (b, vb). */
  private static worse(va: number, a: number, vb: number, b: number): boolean {
    return va < vb || (va === vb && a > b);
  }

  offer(index: number, value: number): void {
    const { idx, val } = this;
    if (this.size < this.capacity) {
      let c = this.size++;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (!TopK.worse(value, index, val[parent]!, idx[parent]!)) break;
        idx[c] = idx[parent]!;
        val[c] = val[parent]!;
        c = parent;
      }
      idx[c] = index;
      val[c] = value;
      return;
    }
    if (!TopK.worse(val[0]!, idx[0]!, value, index)) return;
    this.siftDown(index, value, this.size);
  }

  private siftDown(index: number, value: number, size: number): void {
    const { idx, val } = this;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= size) break;
      const r = l + 1;
      const m = r < size && TopK.worse(val[r]!, idx[r]!, val[l]!, idx[l]!) ? r : l;
      if (!TopK.worse(val[m]!, idx[m]!, value, index)) break;
      idx[c] = idx[m]!;
      val[c] = val[m]!;
      c = m;
    }
    idx[c] = index;
    val[c] = value;
  }

  /**
   * Writes the kept pairs best first into `index` / `score` from `offset` (at most capacity
   * of them) and empties the heap. Returns how many were written.
   */
  drainInto(index: Int32Array, score: Float64Array, offset: number): number {
    const n = this.size;
    for (let t = n - 1; t >= 0; t--) {
      const topIndex = this.idx[0]!;
      const topValue = this.val[0]!;
      index[offset + t] = topIndex;
      score[offset + t] = topValue;
      const lastIndex = this.idx[t]!;
      const lastValue = this.val[t]!;
      if (t > 0) this.siftDown(lastIndex, lastValue, t);
    }
    this.size = 0;
    return n;
  }
}

/**
 * "People who bought X also bought this" scores of every item for one user: Σ over the
 * user's items i (weight w_i) of w_i · sim(i, j), into `out`; `because[j]` gets the history
 * item that contributed most to j (−1 when none did).
 */
export function neighbourScores(
  n: Neighbours,
  history: ArrayLike<number>,
  weights: ArrayLike<number>,
  out: Float64Array,
  because: Int32Array,
  best: Float64Array,
): void {
  out.fill(0);
  because.fill(-1);
  best.fill(0);
  const { k, index, similarity } = n;
  for (let h = 0; h < history.length; h++) {
    const i = history[h]!;
    const w = weights[h]!;
    const o = i * k;
    for (let t = 0; t < k; t++) {
      const j = index[o + t]!;
      if (j < 0) break;
      const c = w * similarity[o + t]!;
      out[j]! += c;
      if (c > best[j]!) {
        best[j] = c;
        because[j] = i;
      }
    }
  }
}
