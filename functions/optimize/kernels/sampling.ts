/**
 * Random variates for the bandit and A/B kernels: standard normal (Marsaglia's polar
 * method), Gamma (Marsaglia & Tsang, "A Simple Method for Generating Gamma Variables",
 * ACM TOMS 2000) and Beta (the ratio of two Gammas). Every sampler draws from a caller's
 * uniform source, so a seeded source (`mulberry32` in model/embedded/random.ts) makes
 * results reproducible; nothing is allocated per draw.
 */

// Module constants rather than globals in the hot loops (see profile/kernels/kmeans.ts).
const { sqrt, log, pow } = Math;

/** A source of uniform numbers in [0, 1), such as `mulberry32(seed)` or `Math.random`. */
export type Uniform = () => number;

/** A uniform number in (0, 1]: safe to take the logarithm or a root of. */
const open = (random: Uniform): number => 1 - random();

/** A standard normal variate (mean 0, variance 1) by Marsaglia's polar method; the second variate is dropped. */
export function normal(random: Uniform): number {
  for (;;) {
    const u = 2 * random() - 1;
    const v = 2 * random() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * sqrt((-2 * log(s)) / s);
  }
}

/**
 * A Gamma(shape, 1) variate (mean = variance = shape); multiply by a scale for Gamma(shape,
 * scale). For shape ≥ 1, Marsaglia–Tsang's squeeze-and-reject method (acceptance above 95%);
 * for shape < 1, the boost Gamma(shape) = Gamma(shape + 1) · U^(1/shape).
 *
 * @throws RangeError when shape is not finite and > 0.
 */
export function gamma(shape: number, random: Uniform): number {
  if (!(shape > 0 && shape < Number.POSITIVE_INFINITY))
    throw new RangeError(`gamma shape ${shape} is not finite and > 0`);
  if (shape < 1) return gammaAtLeastOne(shape + 1, random) * pow(open(random), 1 / shape);
  return gammaAtLeastOne(shape, random);
}

function gammaAtLeastOne(shape: number, random: Uniform): number {
  const d = shape - 1 / 3;
  const c = 1 / sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = open(random);
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (log(u) < 0.5 * x2 + d * (1 - v + log(v))) return d * v;
  }
}

/**
 * A Beta(alpha, beta) variate in [0, 1]: X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta).
 * When both shapes are so small that both Gammas underflow to 0, the draw is 1 with
 * probability alpha / (alpha + beta) and 0 otherwise (the limit of the distribution).
 *
 * @throws RangeError when either shape is not finite and > 0.
 */
export function beta(alpha: number, beta: number, random: Uniform): number {
  if (!(alpha > 0 && alpha < Number.POSITIVE_INFINITY) || !(beta > 0 && beta < Number.POSITIVE_INFINITY))
    throw new RangeError(`beta shapes (${alpha}, ${beta}) are not finite and > 0`);
  const x = gamma(alpha, random);
  const y = gamma(beta, random);
  const sum = x + y;
  if (sum === 0) return random() < alpha / (alpha + beta) ? 1 : 0;
  return x / sum;
}
