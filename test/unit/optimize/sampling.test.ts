import { mulberry32 } from '../../../core/random';
import { beta, gamma, normal } from '../../../functions/optimize/kernels/sampling';

/** Sample mean and variance of n draws. */
function moments(n: number, draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}

describe('normal', () => {
  it('has mean 0 and variance 1', () => {
    const random = mulberry32(1);
    const { mean, variance } = moments(200_000, () => normal(random));
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
  });
});

describe('gamma', () => {
  it.each([0.3, 1, 2.5, 50])('has mean and variance equal to the shape %p', (shape) => {
    const random = mulberry32(2);
    const { mean, variance } = moments(200_000, () => gamma(shape, random));
    expect(Math.abs(mean - shape) / shape).toBeLessThan(0.02);
    expect(Math.abs(variance - shape) / shape).toBeLessThan(0.04);
  });

  it('throws a RangeError when the shape is not positive', () => {
    expect(() => gamma(0, Math.random)).toThrow(RangeError);
    expect(() => gamma(Number.NaN, Math.random)).toThrow(RangeError);
  });
});

describe('beta', () => {
  it.each([
    [1, 1],
    [0.5, 0.5],
    [2, 5],
    [51, 951],
  ])('matches the mean and variance of Beta(%p, %p)', (a, b) => {
    const random = mulberry32(3);
    const { mean, variance } = moments(200_000, () => beta(a, b, random));
    const trueMean = a / (a + b);
    const trueVariance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expect(Math.abs(mean - trueMean)).toBeLessThan(0.01 * trueMean + 0.001);
    expect(Math.abs(variance - trueVariance) / trueVariance).toBeLessThan(0.03);
  });

  it('stays in [0, 1] for tiny shapes', () => {
    const random = mulberry32(4);
    for (let i = 0; i < 10_000; i++) {
      const x = beta(0.01, 0.01, random);
      expect(x >= 0 && x <= 1).toBe(true);
    }
  });

  it('gives the same draws for the same seed', () => {
    const a = mulberry32(9);
    const b = mulberry32(9);
    for (let i = 0; i < 100; i++) expect(beta(3, 7, a)).toBe(beta(3, 7, b));
  });

  it('throws a RangeError when a shape is not positive', () => {
    expect(() => beta(-1, 2, Math.random)).toThrow(RangeError);
    expect(() => beta(1, Number.POSITIVE_INFINITY, Math.random)).toThrow(RangeError);
  });
});
