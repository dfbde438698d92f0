import { mulberry32 } from '../../../core/random';
import { parseEventFast } from '../../../functions/profile/event-parse';
import { behaviourEventSchema, normalizeTimestamp } from '../../../functions/profile/schema';

const pick = <T>(random: () => number, values: readonly T[]): T =>
  values[Math.floor(random() * values.length)]!;

const idValues = [
  'u1',
  '  u2 ',
  '',
  '   ',
  'x'.repeat(256),
  'x'.repeat(257),
  42,
  4.5,
  2 ** 60,
  -7,
  null,
  true,
];
const timestamps = [
  '2026-01-01T10:00:00Z',
  '2026-01-01T10:00:00.123Z',
  '2025-02-29T00:00:00Z',
  '2024-02-29T00:00:00Z',
  '2025-01-01T24:00:00Z',
  '1989-12-31T23:59:59Z',
  '2100-01-01T00:00:00.000Z',
  '2026-01-01 10:00:00',
  '2026-01-01T10:00:00+02:00',
  'not-a-date',
  '',
  '1767225600000',
  1767225600000,
  1767225600,
  Number.NaN,
  Number.POSITIVE_INFINITY,
];
const numbers = [undefined, 0, 1, -1, 2.5, 5, 6, Number.NaN, Number.POSITIVE_INFINITY, '3'];

function randomEvent(random: () => number): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  const maybe = (key: string, values: readonly unknown[], share = 0.6) => {
    if (random() < share) event[key] = pick(random, values);
  };
  maybe('sessionId', idValues, 0.2);
  maybe('userId', idValues, 0.95);
  maybe('type', ['view', 'purchase', 'cart', 'rating', 'search', 'click', 3], 0.95);
  maybe('eventId', [...idValues, undefined], 0.3);
  maybe('timestamp', timestamps, 0.95);
  maybe('productId', [...idValues, undefined]);
  maybe('orderId', [...idValues, undefined], 0.3);
  maybe('quantity', numbers);
  maybe('price', numbers);
  maybe('rating', numbers, 0.3);
  maybe('category', ['shoes', '  bags ', '', 'c'.repeat(257), undefined, 4], 0.5);
  maybe('text', ['red shoes', 'x'.repeat(4001), undefined, 7], 0.3);
  maybe('unknown', ['dropped'], 0.2);
  return event;
}

describe('parseEventFast', () => {
  it('gives the schema’s exact output (values and key order) whenever it answers', () => {
    const random = mulberry32(11);
    let answered = 0;
    for (let i = 0; i < 20_000; i++) {
      const raw = randomEvent(random);
      const fast = parseEventFast(raw);
      const parsed = behaviourEventSchema.safeParse(raw);
      if (fast === undefined) continue;
      answered++;
      expect(parsed.success).toBe(true);
      if (!parsed.success) continue;
      expect(Object.keys(fast)).toEqual(Object.keys(parsed.data));
      expect(fast).toEqual(parsed.data);
    }
    expect(answered).toBeGreaterThan(200);
  });

  it('leaves invalid events to the schema', () => {
    expect(parseEventFast({ userId: 'u1', type: 'view', timestamp: 'not-a-date' })).toBeUndefined();
    expect(parseEventFast({ userId: '', type: 'view', timestamp: '2026-01-01T00:00:00Z' })).toBeUndefined();
    expect(
      parseEventFast({ userId: 'u1', type: 'view', timestamp: '2026-01-01T00:00:00Z', price: -1 }),
    ).toBeUndefined();
    expect(parseEventFast(['u1'])).toBeUndefined();
  });
});

describe('normalizeTimestamp', () => {
  it('reads canonical UTC text as Date.parse does, rollovers and leap years included', () => {
    const random = mulberry32(5);
    for (let i = 0; i < 20_000; i++) {
      const pad = (n: number, w = 2) => String(n).padStart(w, '0');
      const text =
        `${pick(random, [1989, 1990, 2000, 2024, 2025, 2099, 2100])}-${pad(Math.floor(random() * 14))}-` +
        `${pad(Math.floor(random() * 33))}T${pad(Math.floor(random() * 26))}:${pad(Math.floor(random() * 62))}:` +
        `${pad(Math.floor(random() * 62))}${random() < 0.5 ? `.${pad(Math.floor(random() * 1000), 3)}` : ''}Z`;
      const ms = Date.parse(text);
      const expected =
        Number.isFinite(ms) && ms >= Date.UTC(1990, 0, 1) && ms <= Date.UTC(2100, 0, 1)
          ? new Date(ms).toISOString()
          : undefined;
      expect([text, normalizeTimestamp(text)]).toEqual([text, expected]);
    }
  });
});
