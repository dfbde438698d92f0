import { mulberry32 } from '../../../core/random';
import { PairwiseRanker, type RankedVariant } from '../../../functions/predict/kernels/pairwise-ranker';

// Tests of three headlines each: the one with "amazing" wins, whatever its other words.
function plantedTests(count: number, seed: number): RankedVariant[][] {
  const random = mulberry32(seed);
  const words = ['dog', 'city', 'mother', 'river', 'school', 'song', 'winter', 'doctor', 'team', 'garden'];
  const word = () => words[Math.floor(random() * words.length)]!;
  const tests: RankedVariant[][] = [];
  for (let t = 0; t < count; t++) {
    const base = 0.01 + random() * 0.02;
    tests.push([
      { text: `This amazing ${word()} and the ${word()}`, rate: base * 1.3 },
      { text: `The ${word()} of a ${word()} ${t}`, rate: base },
      { text: `A ${word()} met a ${word()}`, rate: base * (0.9 + random() * 0.05) },
    ]);
  }
  return tests;
}

describe('PairwiseRanker', () => {
  it('ranks held-out variants by the word that won in training', () => {
    const ranker = PairwiseRanker.train(plantedTests(300, 1), { bits: 16, rate: 0.05 });
    let right = 0;
    const held = plantedTests(100, 2);
    for (const [winner, ...others] of held) {
      if (others.every((o) => ranker.score(winner!.text) > ranker.score(o.text))) right++;
    }
    expect(right / held.length).toBeGreaterThan(0.9);
  });

  it('gives the same model for the same data and seed', () => {
    const tests = plantedTests(50, 3);
    const a = PairwiseRanker.train(tests, { bits: 14, seed: 7 });
    const b = PairwiseRanker.train(tests, { bits: 14, seed: 7 });
    expect(a.toArtifact()).toEqual(b.toArtifact());
  });

  it('scores the same after a round trip through its artifact', () => {
    const ranker = PairwiseRanker.train(plantedTests(50, 4), { bits: 14 });
    const copy = PairwiseRanker.fromArtifact(JSON.parse(JSON.stringify(ranker.toArtifact())));
    expect(copy.score('This amazing dog')).toBe(ranker.score('This amazing dog'));
  });

  it('refuses an artifact of another kind', () => {
    expect(() => PairwiseRanker.fromArtifact({ kind: 'other' } as never)).toThrow(RangeError);
  });
});
