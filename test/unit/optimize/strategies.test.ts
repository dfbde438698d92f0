import {
  type ArmObservation,
  buildStrategies,
  getStrategy,
  listStrategies,
  putStrategies,
} from '../../../functions/optimize/reoptimize/strategies';
import { MemoryTable } from '../../support/memory';

const arm = (overrides: Partial<ArmObservation>): ArmObservation => ({
  segmentId: 's1',
  campaignId: 'c1',
  objective: 'click',
  channel: 'email',
  tone: 'friendly',
  productIds: ['p1'],
  trials: 1000,
  clicks: 50,
  conversions: 5,
  ...overrides,
});

const options = { minSends: 100, runId: 'opt-1', at: '2025-03-10T00:00:00.000Z' };

describe('segment strategies', () => {
  it('picks the channel, tone and products with the highest posterior mean, with the figures', () => {
    const [strategy] = buildStrategies(
      [
        arm({ channel: 'email', tone: 'Calm', productIds: ['p1'], trials: 2000, clicks: 200 }),
        arm({
          campaignId: 'c2',
          channel: 'push',
          tone: 'playful',
          productIds: ['p2'],
          trials: 2000,
          clicks: 60,
        }),
        arm({
          campaignId: 'c2',
          channel: 'push',
          tone: 'calm',
          productIds: ['p1', 'p3'],
          trials: 1000,
          clicks: 40,
        }),
      ],
      [],
      options,
    );
    expect(strategy?.segmentId).toBe('s1');
    expect(strategy?.campaigns).toBe(2);
    expect(strategy?.sends).toBe(5000);
    expect(strategy?.channel.best).toBe('email');
    expect(strategy?.channel.options[0]).toMatchObject({ value: 'email', sends: 2000, successes: 200 });
    expect(strategy?.channel.options[0]?.mean).toBeCloseTo(201 / 2002, 6);
    const email = strategy!.channel.options[0]!;
    expect(email.low).toBeLessThan(email.mean);
    expect(email.high).toBeGreaterThan(email.mean);
    expect(strategy?.tone.best).toBe('calm');
    expect(strategy?.tone.options.find((o) => o.value === 'calm')?.sends).toBe(3000);
    expect(strategy?.products.best).toEqual(['p1', 'p3', 'p2']);
  });

  it('never chooses an option below the minimum of sends, however good it looks', () => {
    const [strategy] = buildStrategies(
      [arm({ channel: 'sms', trials: 20, clicks: 15 }), arm({ channel: 'email', trials: 500, clicks: 10 })],
      [],
      options,
    );
    expect(strategy?.channel.options[0]?.value).toBe('sms');
    expect(strategy?.channel.best).toBe('email');
  });

  it('answers null when no option has enough evidence', () => {
    const [strategy] = buildStrategies([arm({ trials: 50, clicks: 5 })], [], options);
    expect(strategy?.channel.best).toBeNull();
    expect(strategy?.products.best).toEqual([]);
    expect(strategy?.hour.best).toBeNull();
  });

  it('picks the send hour from the per-hour counters of every campaign', () => {
    const [strategy] = buildStrategies(
      [arm({})],
      [
        { segmentId: 's1', counts: { sends_9: 300, clicks_9: 30, sends_20: 400, clicks_20: 8 } },
        { segmentId: 's1', counts: { sends_9: 100, clicks_9: 12, sends_3: 10, clicks_3: 9 } },
        { segmentId: 's2', counts: { sends_20: 5000, clicks_20: 4000 } },
      ],
      options,
    );
    expect(strategy?.hour.best).toBe('9');
    expect(strategy?.hour.options.find((o) => o.value === '9')).toMatchObject({ sends: 400, successes: 42 });
  });

  it('ranks by conversions when most of the segment’s sends were optimized for them', () => {
    const [strategy] = buildStrategies(
      [
        arm({ channel: 'email', objective: 'conversion', trials: 3000, clicks: 300, conversions: 10 }),
        arm({ channel: 'push', objective: 'click', trials: 1000, clicks: 20, conversions: 30 }),
      ],
      [],
      options,
    );
    expect(strategy?.objective).toBe('conversion');
    expect(strategy?.channel.best).toBe('push');
  });

  it('stores strategies for one get per segment and one listing query', async () => {
    const table = new MemoryTable();
    const strategies = buildStrategies([arm({}), arm({ segmentId: 's2' })], [], options);
    await putStrategies(table, strategies);
    expect(await getStrategy(table, 's2')).toEqual(strategies[1]);
    expect(await getStrategy(table, 'nope')).toBeUndefined();
    expect((await listStrategies(table)).map((s) => s.segmentId)).toEqual(['s1', 's2']);
    expect(table.items.size).toBe(4);
  });
});
