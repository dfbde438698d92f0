import { acceptEvents, checkEvent, eventIdOf } from '../../../functions/profile/events';
import { shardOf } from '../../../functions/profile/raw-store';
import { MemoryObjectStore, MemoryTable } from '../../support/memory';

const ports = () => ({
  objects: new MemoryObjectStore(),
  operations: new MemoryTable(),
  rawPrefix: 'raw/',
  shards: 4,
  dedupTtlDays: 30,
  now: () => new Date('2026-01-02T03:04:05Z'),
});

const view = { userId: 'u1', type: 'view', productId: 'p1', timestamp: '2026-01-01T10:00:00Z' };

function storedEvents(objects: MemoryObjectStore) {
  return [...objects.objects.entries()]
    .filter(([key]) => key.startsWith('raw/events/'))
    .flatMap(([, body]) => body.toString('utf8').trim().split('\n'))
    .map((line) => JSON.parse(line));
}

describe('acceptEvents', () => {
  it('stores valid events in the shard of their user', async () => {
    const p = ports();
    const result = await acceptEvents([view, { ...view, userId: 'u2' }], p, 'req-1');
    expect(result).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const keys = [...p.objects.objects.keys()];
    expect(keys.some((k) => k.includes(`shard=000${shardOf('u1', 4)}/`))).toBe(true);
    expect(
      storedEvents(p.objects)
        .map((e) => e.userId)
        .sort(),
    ).toEqual(['u1', 'u2']);
  });

  it('reports each rejected event with its index and the field at fault', async () => {
    const p = ports();
    const result = await acceptEvents(
      [view, { ...view, timestamp: 'yesterday' }, { ...view, type: 'teleport' }],
      p,
      'r',
    );
    expect(result.accepted).toBe(1);
    expect(result.rejected).toEqual([
      { index: 1, reason: expect.stringMatching(/^timestamp: /) },
      { index: 2, reason: expect.stringMatching(/^type: /) },
    ]);
  });

  it('counts the same event sent twice once, within a batch and across batches', async () => {
    const p = ports();
    const first = await acceptEvents([view, view], p, 'a');
    const second = await acceptEvents(
      [view, { ...view, eventId: 'given-1' }, { ...view, eventId: 'given-1' }],
      p,
      'b',
    );
    expect(first).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(second).toMatchObject({ accepted: 1, duplicates: 2 });
    expect(storedEvents(p.objects)).toHaveLength(2);
  });

  it('removes its dedup markers when the store write fails, so a retry is not lost', async () => {
    const p = ports();
    const failing = Object.assign(p.objects, {
      put: async () => {
        throw new Error('S3 down');
      },
    });
    await expect(acceptEvents([view], { ...p, objects: failing }, 'x')).rejects.toThrow('S3 down');
    expect(p.operations.items.size).toBe(0);
  });
});

describe('checkEvent', () => {
  it('normalizes epoch milliseconds to ISO 8601', () => {
    const checked = checkEvent({ ...view, timestamp: Date.UTC(2026, 0, 1) });
    expect(checked).toMatchObject({ event: { timestamp: '2026-01-01T00:00:00.000Z' } });
  });

  it('rejects a timestamp in seconds as outside the plausible range', () => {
    expect(checkEvent({ ...view, timestamp: 1_767_225_600 })).toEqual({
      reason: expect.stringMatching(/^timestamp/),
    });
  });

  it('requires a product on a purchase', () => {
    expect(checkEvent({ userId: 'u', type: 'purchase', timestamp: '2026-01-01T00:00:00Z' })).toEqual({
      reason: 'productId: required for a purchase event',
    });
  });

  it('derives the same id for the same content and a different one otherwise', () => {
    const a = checkEvent(view);
    const b = checkEvent({ ...view });
    const c = checkEvent({ ...view, quantity: 2 });
    if (!('event' in a) || !('event' in b) || !('event' in c)) throw new Error('expected valid events');
    expect(a.event.eventId).toBe(b.event.eventId);
    expect(a.event.eventId).not.toBe(c.event.eventId);
    expect(eventIdOf({ ...a.event, eventId: 'mine' })).toBe('mine');
  });
});

describe('personal data', () => {
  it('redacts e-mail addresses and phone numbers in event text before storage', () => {
    const checked = checkEvent({
      ...view,
      type: 'search',
      text: 'mail me at a.b@example.com or 13812345678',
    });
    expect(checked).toMatchObject({ event: { text: 'mail me at [email] or [phone]' } });
  });
});
