import { mulberry32 } from '../../../core/random';
import { ModelRegistry } from '../../../functions/predict/registry';
import { predictBodySchema } from '../../../functions/predict/schema';
import { type TrainingExample, trainAndMaybePromote } from '../../../functions/predict/training';
import { MemoryObjectStore, MemoryTable } from '../../support/memory';

/** Sends where push beats email and discounts help: a pattern a trained model must find. */
function examples(n: number, seed: number): TrainingExample[] {
  const random = mulberry32(seed);
  const [push, email] = predictBodySchema.parse({
    segmentId: 's',
    variants: [
      { headline: 'Flash sale: 20% off bags', goal: 'promotion', channel: 'push', language: 'en' },
      { headline: 'Our new bags are here', goal: 'new_arrival', channel: 'email', language: 'en' },
    ],
  }).variants;
  return Array.from({ length: n }, (_, i) => {
    const variant = random() < 0.5 ? push! : email!;
    const rate = variant.channel === 'push' ? 0.3 : 0.05;
    return {
      exampleId: `e${seed}-${i}`,
      variant,
      audience: { segmentId: 's', tier: 'loyal' },
      context: { treated: 1 as const },
      label: random() < rate ? 1 : 0,
      at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    };
  });
}

const options = { bits: 12, holdoutShare: 0.3, epochs: 2, seed: 1 };

describe('training and promotion', () => {
  it('promotes the first model, with held-out metrics, calibrated', async () => {
    const registry = new ModelRegistry(new MemoryTable(['model', 'version']), new MemoryObjectStore());
    const outcome = await trainAndMaybePromote('ctr', examples(3000, 1), registry, options);
    expect(outcome.promoted).toBe(true);
    expect(outcome.version.metrics['auc']).toBeGreaterThan(0.7);
    expect(outcome.version.metrics['ece']).toBeLessThan(0.05);
    expect(outcome.version.rows).toBeGreaterThan(1800);
    const serving = await registry.serving('ctr');
    expect(serving?.version).toBe(outcome.version.version);
    expect(serving?.calibrator).toBeDefined();
  });

  it('keeps the serving model when a new one is not better on the held-out data', async () => {
    const registry = new ModelRegistry(new MemoryTable(['model', 'version']), new MemoryObjectStore(), {
      refreshMs: 0,
    });
    const first = await trainAndMaybePromote('ctr', examples(3000, 2), registry, options);
    // Labels with no pattern at all: the new model cannot beat the old one.
    const noise = examples(3000, 3).map((e, i) => ({ ...e, label: (i % 7 === 0 ? 1 : 0) as 0 | 1 }));
    const second = await trainAndMaybePromote('ctr', noise, registry, options);
    expect(second.promoted).toBe(false);
    expect(second.decision).toMatch(/held-out AUC/);
    expect((await registry.serving('ctr'))?.version).toBe(first.version.version);
  });
});
