import { mulberry32 } from '../../../core/random';
import {
  abVerdict,
  expectedLossExact,
  logGamma,
  probabilityGreater,
} from '../../../functions/optimize/kernels/abtest';
import { beta } from '../../../functions/optimize/kernels/sampling';

describe('logGamma', () => {
  it('matches known values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9);
  });
});

describe('exact pairwise figures', () => {
  const x = { alpha: 51, beta: 951 };
  const y = { alpha: 71, beta: 931 };

  it('agree with Monte Carlo', () => {
    const random = mulberry32(3);
    const n = 200_000;
    let greater = 0;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const a = beta(x.alpha, x.beta, random);
      const b = beta(y.alpha, y.beta, random);
      if (a > b) greater += 1;
      loss += Math.max(b - a, 0);
    }
    expect(Math.abs(probabilityGreater(x, y)! - greater / n)).toBeLessThan(0.002);
    expect(Math.abs(expectedLossExact(x, y)! - loss / n)).toBeLessThan(0.0003);
  });

  it('are complementary and 1/2 for equal posteriors', () => {
    expect(probabilityGreater(x, y)! + probabilityGreater(y, x)!).toBeCloseTo(1, 10);
    expect(probabilityGreater(x, x)).toBeCloseTo(0.5, 10);
  });

  it('are null when neither alpha is an integer', () => {
    expect(probabilityGreater({ alpha: 1.5, beta: 2 }, { alpha: 2.5, beta: 1 })).toBeNull();
  });
});

describe('abVerdict', () => {
  it('detects a clear winner exactly with two arms', () => {
    const verdict = abVerdict(
      [
        { id: 'control', successes: 50, trials: 1000 },
        { id: 'b', successes: 80, trials: 1000 },
      ],
      { control: 'control' },
    );
    expect(verdict.winner).toBe('b');
    expect(verdict.exact).toBe(true);
    expect(verdict.method).toContain('exact');
    const b = verdict.variants[1]!;
    expect(b.status).toBe('winner');
    expect(b.probabilityBest).toBeGreaterThan(0.99);
    expect(b.expectedLoss).toBeLessThan(0.001);
  });

  it('gives no winner and no loser for equal arms', () => {
    const verdict = abVerdict(
      [
        { id: 'control', successes: 100, trials: 2000 },
        { id: 'b', successes: 100, trials: 2000 },
        { id: 'c', successes: 100, trials: 2000 },
      ],
      { control: 'control', draws: 50_000 },
    );
    expect(verdict.winner).toBeNull();
    expect(verdict.losers).toEqual([]);
    expect(verdict.exact).toBe(false);
    expect(verdict.method).toContain('Monte Carlo');
  });

  it('calls a clear loser only after enough trials', () => {
    const counts = (trials: number) => [
      { id: 'control', successes: Math.round(trials * 0.06), trials },
      { id: 'b', successes: Math.round(trials * 0.02), trials },
    ];
    expect(abVerdict(counts(1000), { control: 'control' }).losers).toEqual(['b']);
    expect(abVerdict(counts(1000), { control: 'control', minTrials: 5000 }).losers).toEqual([]);
  });

  it("shrinks the leader's expected loss as data accumulates", () => {
    const losses = [1000, 4000, 16000, 64000].map((trials) => {
      const verdict = abVerdict(
        [
          { id: 'control', successes: Math.round(trials * 0.05), trials },
          { id: 'b', successes: Math.round(trials * 0.055), trials },
        ],
        { control: 'control' },
      );
      return verdict.variants[1]!.expectedLoss;
    });
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
  });

  it('gives the same Monte Carlo verdict for the same seed', () => {
    const variants = [
      { id: 'control', successes: 40, trials: 1000 },
      { id: 'b', successes: 48, trials: 1000 },
      { id: 'c', successes: 52, trials: 1000 },
    ];
    const first = abVerdict(variants, { control: 'control', draws: 20_000, seed: 4 });
    expect(abVerdict(variants, { control: 'control', draws: 20_000, seed: 4 })).toEqual(first);
  });

  it('throws a RangeError on an unknown control or impossible counts', () => {
    const ok = { id: 'control', successes: 1, trials: 10 };
    expect(() => abVerdict([ok, { id: 'b', successes: 1, trials: 10 }], { control: 'x' })).toThrow(
      RangeError,
    );
    expect(() => abVerdict([ok, { id: 'b', successes: 11, trials: 10 }], { control: 'control' })).toThrow(
      RangeError,
    );
    expect(() => abVerdict([ok], { control: 'control' })).toThrow(RangeError);
  });
});
