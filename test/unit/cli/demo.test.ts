import {
  armKey,
  defaultTruthRates,
  type GroundTruth,
  groundTruth,
  regretOf,
  simulateOutcome,
  type TruthArm,
  trueCtr,
} from '../../../cli/commands/demo/truth';
import { mulberry32 } from '../../../core/random';
import type { Decision } from '../../../functions/optimize/decision/decide';

const arms = (segmentIds: string[], perSegment = 3): TruthArm[] =>
  segmentIds.flatMap((segmentId) => [
    { segmentId, variantId: 'control', kind: 'control' as const },
    ...Array.from({ length: perSegment }, (_, i) => ({
      segmentId,
      variantId: `var_${segmentId}_${i}`,
      kind: 'generated' as const,
    })),
  ]);

const sent = (segmentId: string, variantId: string, impressionId = 'imp-1'): Decision => ({
  send: true,
  reason: 'thompson',
  impressionId,
  campaignId: 'cmp-1',
  segmentId,
  variantId,
  channel: 'email',
  headline: 'h',
  body: 'b',
  callToAction: 'Shop now',
});

const control = (segmentId: string): Decision => ({
  send: false,
  reason: 'control',
  campaignId: 'cmp-1',
  segmentId,
  variantId: 'control',
  impressionId: 'imp-control',
});

describe('the ground truth', () => {
  const segments = ['seg-1', 'seg-2', 'seg-3', 'seg-4'];

  it('is the same for the same seed and ids, whatever their order', () => {
    const a = groundTruth(7, arms(segments));
    const b = groundTruth(7, [...arms(segments)].reverse());
    expect([...b.ctr.entries()].sort()).toEqual([...a.ctr.entries()].sort());
    expect([...b.best.entries()].sort()).toEqual([...a.best.entries()].sort());
  });

  it('gives every message arm a rate and the control none', () => {
    const truth = groundTruth(7, arms(segments));
    expect(truth.ctr.size).toBe(segments.length * 3);
    for (const segmentId of segments) {
      expect(truth.ctr.has(armKey(segmentId, 'control'))).toBe(false);
      for (let i = 0; i < 3; i++) {
        const rate = trueCtr(truth, segmentId, `var_${segmentId}_${i}`);
        expect(rate).toBeGreaterThan(0);
        expect(rate).toBeLessThan(1);
      }
    }
  });

  it('makes one generated variant per segment clearly best: at least twice every other', () => {
    for (const seed of [1, 2, 3, 7, 42]) {
      const truth = groundTruth(seed, arms(segments));
      for (const segmentId of segments) {
        const best = truth.best.get(segmentId)!;
        for (let i = 0; i < 3; i++) {
          const variantId = `var_${segmentId}_${i}`;
          if (variantId === best.variantId) continue;
          expect(best.ctr).toBeGreaterThanOrEqual(2 * trueCtr(truth, segmentId, variantId));
        }
      }
    }
  });

  it('picks the best variant from the seed, not always the same position', () => {
    const positions = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      positions.add(groundTruth(seed, arms(['seg-1'])).best.get('seg-1')!.variantId);
    }
    expect(positions.size).toBe(3);
  });

  it('keeps the rates of existing arms when challengers join, and the challengers below the best', () => {
    const before = groundTruth(7, arms(segments));
    const challengers: TruthArm[] = segments.map((segmentId) => ({
      segmentId,
      variantId: `var_${segmentId}_challenger`,
      kind: 'challenger',
    }));
    const after = groundTruth(7, [...arms(segments), ...challengers]);
    for (const [key, rate] of before.ctr) expect(after.ctr.get(key)).toBe(rate);
    expect(after.best).toEqual(before.best);
    for (const c of challengers) {
      expect(trueCtr(after, c.segmentId, c.variantId)).toBeLessThan(after.best.get(c.segmentId)!.ctr);
    }
  });

  it('says so when asked about an arm it does not know', () => {
    const truth = groundTruth(7, arms(['seg-1']));
    expect(() => trueCtr(truth, 'seg-1', 'var_unknown')).toThrow('no arm var_unknown in segment seg-1');
  });
});

describe('simulated outcomes', () => {
  const truth = groundTruth(7, arms(['seg-1']));
  const best = truth.best.get('seg-1')!;

  it('has no events after a no-send other than the control', () => {
    const decision: Decision = {
      send: false,
      reason: 'frequency-cap',
      campaignId: 'cmp-1',
      segmentId: 'seg-1',
    };
    expect(simulateOutcome(decision, truth, () => 0)).toEqual({
      clicked: false,
      converted: false,
      events: [],
    });
  });

  it('reports a control user converting on their own against the control impression, never a click', () => {
    const outcome = simulateOutcome(control('seg-1'), truth, () => 0);
    expect(outcome.clicked).toBe(false);
    expect(outcome.events).toEqual([
      {
        eventId: 'imp-control:conversion',
        type: 'conversion',
        impressionId: 'imp-control',
        value: defaultTruthRates.orderValue.low,
      },
    ]);
    expect(simulateOutcome(control('seg-1'), truth, () => 0.999).events).toEqual([]);
  });

  it('reports a click and a conversion with ids derived from the impression', () => {
    const outcome = simulateOutcome(sent('seg-1', best.variantId, 'imp-9'), truth, () => 0);
    expect(outcome).toMatchObject({ clicked: true, converted: true });
    expect(outcome.events.map((e) => [e.eventId, e.type, e.impressionId])).toEqual([
      ['imp-9:click', 'click', 'imp-9'],
      ['imp-9:conversion', 'conversion', 'imp-9'],
    ]);
  });

  it('draws clicks and conversions at the true rates', () => {
    const random = mulberry32(11);
    const n = 40_000;
    let clicks = 0;
    let conversions = 0;
    let controlConversions = 0;
    for (let i = 0; i < n; i++) {
      const outcome = simulateOutcome(sent('seg-1', best.variantId), truth, random);
      if (outcome.clicked) clicks++;
      if (outcome.converted) conversions++;
      if (simulateOutcome(control('seg-1'), truth, random).converted) controlConversions++;
    }
    const { conversionAfterClick: cvr, baseConversion: base } = defaultTruthRates;
    const expectedConversion = best.ctr * cvr + (1 - best.ctr) * base;
    const within = (observed: number, p: number) =>
      expect(Math.abs(observed / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    within(clicks, best.ctr);
    within(conversions, expectedConversion);
    within(controlConversions, base);
    // Sending beats the no-send control: the uplift the demo shows is real.
    expect(expectedConversion).toBeGreaterThan(base);
  });
});

describe('regret', () => {
  const truth: GroundTruth = {
    seed: 0,
    rates: defaultTruthRates,
    ctr: new Map([
      [armKey('s', 'a'), 0.1],
      [armKey('s', 'b'), 0.04],
      [armKey('s', 'c'), 0.01],
    ]),
    best: new Map([['s', { variantId: 'a', ctr: 0.1 }]]),
  };
  const active = new Map([['s', ['a', 'b', 'c']]]);

  it('is zero for a policy that always sends the true best', () => {
    const figures = regretOf(
      Array.from({ length: 10 }, () => ({ segmentId: 's', variantId: 'a' })),
      truth,
      active,
    );
    expect(figures.tailor.regret).toBeCloseTo(0, 12);
    expect(figures.oracle.regret).toBe(0);
    expect(figures.oracle.expectedClicks).toBeCloseTo(1, 12);
    expect(figures.tailor.expectedClicks).toBeCloseTo(1, 12);
  });

  it('counts the clicks lost by each send, and the uniform split over the active arms', () => {
    const figures = regretOf(
      [
        { segmentId: 's', variantId: 'b' },
        { segmentId: 's', variantId: 'c' },
      ],
      truth,
      active,
    );
    expect(figures.sends).toBe(2);
    expect(figures.tailor.regret).toBeCloseTo(0.06 + 0.09, 12);
    expect(figures.uniform.expectedClicks).toBeCloseTo(2 * 0.05, 12);
    expect(figures.uniform.regret).toBeCloseTo(2 * 0.05, 12);
  });

  it('ranks uniform below the oracle whenever the arms differ', () => {
    const figures = regretOf([{ segmentId: 's', variantId: 'a' }], truth, active);
    expect(figures.uniform.expectedClicks).toBeLessThan(figures.oracle.expectedClicks);
  });
});
