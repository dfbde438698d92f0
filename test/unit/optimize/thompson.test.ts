import { mulberry32 } from '../../../core/random';
import { type Arm, allocation, choose, priorArm, update } from '../../../functions/optimize/kernels/thompson';

const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);

/** Plays `rounds` Bernoulli rounds with Thompson sampling; returns how often each arm was shown. */
function play(rates: number[], rounds: number, seed: number): number[] {
  const random = mulberry32(seed);
  let arms: Arm[] = rates.map((_, i) => priorArm(`v${i}`, 0.05, 2));
  const shown = rates.map(() => 0);
  for (let t = 0; t < rounds; t++) {
    const i = choose(arms, random);
    shown[i]! += 1;
    const success = random() < rates[i]! ? 1 : 0;
    arms = arms.map((arm, j) => (j === i ? update(arm, success, 1 - success) : arm));
  }
  return shown;
}

describe('priorArm', () => {
  it('sets alpha = p·s and beta = (1 − p)·s', () => {
    const arm = priorArm('a', 0.04, 50);
    expect(arm.alpha).toBeCloseTo(2, 12);
    expect(arm.beta).toBeCloseTo(48, 12);
  });

  it('throws a RangeError when the rate is not in (0, 1) or the strength is not positive', () => {
    expect(() => priorArm('a', 0, 10)).toThrow(RangeError);
    expect(() => priorArm('a', 1, 10)).toThrow(RangeError);
    expect(() => priorArm('a', 0.5, 0)).toThrow(RangeError);
  });
});

describe('update', () => {
  it('adds successes to alpha and failures to beta without changing the arm', () => {
    const arm = priorArm('a', 0.5, 2);
    expect(update(arm, 3, 7)).toEqual({ id: 'a', alpha: 4, beta: 8 });
    expect(arm).toEqual({ id: 'a', alpha: 1, beta: 1 });
  });

  it('throws a RangeError on negative counts', () => {
    expect(() => update(priorArm('a', 0.5, 2), -1, 0)).toThrow(RangeError);
  });
});

describe('choose', () => {
  it('concentrates on the best arm', () => {
    const shown = play([0.02, 0.04, 0.1], 5000, 1);
    const last = play([0.02, 0.04, 0.1], 5000, 1);
    expect(shown).toEqual(last);
    expect(shown[2]! / 5000).toBeGreaterThan(0.8);
  });

  it('throws a RangeError with no arms', () => {
    expect(() => choose([], Math.random)).toThrow(RangeError);
  });
});

describe('allocation', () => {
  const arms = [
    update(priorArm('control', 0.05, 2), 10, 990),
    update(priorArm('b', 0.05, 2), 60, 940),
    update(priorArm('c', 0.05, 2), 58, 942),
  ];

  it('sums to 1', () => {
    expect(sum(allocation(arms, 10_000, mulberry32(1)))).toBeCloseTo(1, 12);
  });

  it('gives a clearly worse control nothing without a floor', () => {
    expect(allocation(arms, 10_000, mulberry32(1))[0]).toBe(0);
  });

  it('keeps the control at its floor and scales the others', () => {
    const free = allocation(arms, 10_000, mulberry32(1));
    const floored = allocation(arms, 10_000, mulberry32(1), { control: { id: 'control', share: 0.1 } });
    expect(sum(floored)).toBeCloseTo(1, 12);
    expect(floored[0]).toBeCloseTo(0.1, 12);
    expect(floored[1]).toBeCloseTo(0.9 * free[1]!, 12);
  });

  it('matches the split choose produces with a control floor', () => {
    const random = mulberry32(5);
    const counts = [0, 0, 0];
    const n = 20_000;
    for (let t = 0; t < n; t++)
      counts[choose(arms, random, { control: { id: 'control', share: 0.2 } })]! += 1;
    const split = allocation(arms, 20_000, mulberry32(6), { control: { id: 'control', share: 0.2 } });
    for (let i = 0; i < 3; i++) expect(Math.abs(counts[i]! / n - split[i]!)).toBeLessThan(0.015);
  });

  it('is the same for the same seed', () => {
    expect(allocation(arms, 1000, mulberry32(7))).toEqual(allocation(arms, 1000, mulberry32(7)));
  });

  it('throws a RangeError on an unknown control, a share of 1, or no draws', () => {
    expect(() => allocation(arms, 100, Math.random, { control: { id: 'x', share: 0.1 } })).toThrow(
      RangeError,
    );
    expect(() => allocation(arms, 100, Math.random, { control: { id: 'control', share: 1 } })).toThrow(
      RangeError,
    );
    expect(() => allocation(arms, 0, Math.random)).toThrow(RangeError);
  });
});
