/**
 * Compressed sparse rows (CSR) for the recommenders: a users × items matrix of implicit
 * feedback (purchase counts or weights), and its transpose for the item side.
 *
 * Row r's entries are `indices[indptr[r] .. indptr[r + 1])` with `values` at the same
 * positions; within a row the column indices are strictly increasing.
 */

/** A rows × cols sparse matrix in CSR form. */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

/**
 * A CSR matrix from (row, col, value) triples. Duplicate (row, col) pairs are summed;
 * columns end up sorted within each row.
 *
 * @throws RangeError when a row or column is outside the shape or a value is not finite.
 */
export function csrFromTriples(
  rows: number,
  cols: number,
  rowAt: ArrayLike<number>,
  colAt: ArrayLike<number>,
  valueAt: ArrayLike<number>,
): Csr {
  const n = rowAt.length;
  if (colAt.length !== n || valueAt.length !== n) throw new RangeError('triples of unequal lengths');
  const counts = new Int32Array(rows + 1);
  for (let t = 0; t < n; t++) {
    const r = rowAt[t]!;
    const c = colAt[t]!;
    if (!(r >= 0 && r < rows && c >= 0 && c < cols))
      throw new RangeError(`entry (${r}, ${c}) outside ${rows} × ${cols}`);
    if (!Number.isFinite(valueAt[t]!)) throw new RangeError(`entry (${r}, ${c}) is not finite`);
    counts[r + 1]!++;
  }
  for (let r = 0; r < rows; r++) counts[r + 1]! += counts[r]!;
  const cursor = counts.slice(0, rows);
  const cols0 = new Int32Array(n);
  const vals0 = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const at = cursor[rowAt[t]!]!++;
    cols0[at] = colAt[t]!;
    vals0[at] = valueAt[t]!;
  }
  // Sort each row by column and merge duplicates, in place, then compact.
  const indptr = new Int32Array(rows + 1);
  let out = 0;
  const order: number[] = [];
  for (let r = 0; r < rows; r++) {
    const start = counts[r]!;
    const end = counts[r + 1]!;
    indptr[r] = out;
    order.length = 0;
    for (let p = start; p < end; p++) order.push(p);
    order.sort((a, b) => cols0[a]! - cols0[b]!);
    let last = -1;
    const merged: Array<[number, number]> = [];
    for (const p of order) {
      if (cols0[p] === last) merged[merged.length - 1]![1] += vals0[p]!;
      else {
        merged.push([cols0[p]!, vals0[p]!]);
        last = cols0[p]!;
      }
    }
    for (const [c, v] of merged) {
      cols0[out] = c;
      vals0[out] = v;
      out++;
    }
  }
  indptr[rows] = out;
  return { rows, cols, indptr, indices: cols0.slice(0, out), values: vals0.slice(0, out) };
}

/** The transpose (cols × rows), with row indices sorted within each of its rows. */
export function transpose(m: Csr): Csr {
  const indptr = new Int32Array(m.cols + 1);
  for (let p = 0; p < m.indices.length; p++) indptr[m.indices[p]! + 1]!++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1]! += indptr[c]!;
  const cursor = indptr.slice(0, m.cols);
  const indices = new Int32Array(m.indices.length);
  const values = new Float64Array(m.indices.length);
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]!; p < m.indptr[r + 1]!; p++) {
      const at = cursor[m.indices[p]!]!++;
      indices[at] = r;
      values[at] = m.values[p]!;
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, values };
}

/** A copy with every stored value replaced by `f(value)` (same pattern). */
export function mapValues(m: Csr, f: (value: number) => number): Csr {
  return { ...m, values: m.values.map(f) };
}
