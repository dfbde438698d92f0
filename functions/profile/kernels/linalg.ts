/** Small dense linear algebra for the kernels' Newton steps. */

const { sqrt } = Math;

/**
 * Solves A x = b for a symmetric positive-definite n × n A, reading only its lower triangle
 * (row-major), by Cholesky factorization. Pivots below 1e-300 are clamped, so a singular A
 * gives a finite (least-damaging) answer rather than NaN.
 */
export function solveSpd(a: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j]!;
    for (let t = 0; t < j; t++) s -= l[j * n + t]! ** 2;
    const ljj = sqrt(Math.max(s, 1e-300));
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let v = a[i * n + j]!;
      for (let t = 0; t < j; t++) v -= l[i * n + t]! * l[j * n + t]!;
      l[i * n + j] = v / ljj;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let t = 0; t < i; t++) s -= l[i * n + t]! * y[t]!;
    y[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let t = i + 1; t < n; t++) s -= l[t * n + i]! * y[t]!;
    y[i] = s / l[i * n + i]!;
  }
  return y;
}
