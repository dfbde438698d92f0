import { createHash } from 'node:crypto';
import { operationsKeys } from '../shared/keys';
import type { ObjectStore, Table } from '../shared/ports';
import { redactPersonalData } from '../shared/redact';
import { describeIssue } from '../shared/validation';
import { RawEventWriter } from './raw-store';
import { type BehaviourEvent, behaviourEventSchema, type Rejection } from './schema';

/**
 * An event's identity: the id the sender gave, or a digest of its content, so the same event
 * sent twice (by retry, or in two files) is counted once. Two genuinely separate events with
 * identical fields and timestamp are indistinguishable and count once too.
 */
export function eventIdOf(event: Omit<BehaviourEvent, 'eventId'> & { eventId?: string }): string {
  if (event.eventId) return event.eventId;
  const canonical = [
    event.userId,
    event.type,
    event.timestamp,
    event.productId ?? '',
    event.orderId ?? '',
    event.quantity ?? '',
    event.price ?? '',
    event.category ?? '',
    event.rating ?? '',
    event.text ?? '',
    event.sessionId ?? '',
  ].join('\u001f');
  return `h-${createHash('sha256').update(canonical).digest('base64url').slice(0, 32)}`;
}

/** Validate one raw event; a readable reason when it is not acceptable. */
export function checkEvent(raw: unknown): { event: BehaviourEvent } | { reason: string } {
  const parsed = behaviourEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { reason: issue ? describeIssue(issue) : 'invalid event' };
  }
  const event = parsed.data;
  if ((event.type === 'purchase' || event.type === 'refund' || event.type === 'cart') && !event.productId) {
    return { reason: `productId: required for a ${event.type} event` };
  }
  if (event.type === 'rating' && event.rating === undefined) {
    return { reason: 'rating: required for a rating event' };
  }
  const text = event.text === undefined ? undefined : redactPersonalData(event.text);
  return { event: { ...event, text, eventId: eventIdOf(event) } };
}

export interface EventPorts {
  readonly objects: ObjectStore;
  /** Operations table: one `EVENT#id` marker per accepted event, expiring after the dedup window. */
  readonly operations: Table;
  readonly rawPrefix: string;
  readonly shards: number;
  readonly dedupTtlDays: number;
  readonly now?: () => Date;
}

export interface AcceptResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: Rejection[];
}

const markerConcurrency = 16;

/**
 * Accept a batch of events: validate each, drop the ones already seen, store the rest in the
 * raw-event store. Markers are written first; if the store write fails they are removed so a
 * retry of the same batch is accepted rather than lost.
 */
export async function acceptEvents(
  items: readonly unknown[],
  ports: EventPorts,
  requestId: string,
): Promise<AcceptResult> {
  const rejected: Rejection[] = [];
  const valid: BehaviourEvent[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  items.forEach((raw, index) => {
    const checked = checkEvent(raw);
    if ('reason' in checked) {
      rejected.push({ index, reason: checked.reason });
    } else if (seen.has(checked.event.eventId)) {
      duplicates++;
    } else {
      seen.add(checked.event.eventId);
      valid.push(checked.event);
    }
  });

  const now = (ports.now ?? (() => new Date()))();
  const expiresAt = Math.floor(now.getTime() / 1000) + ports.dedupTtlDays * 86_400;
  const fresh: BehaviourEvent[] = [];
  for (let i = 0; i < valid.length; i += markerConcurrency) {
    const chunk = valid.slice(i, i + markerConcurrency);
    const firsts = await Promise.all(
      chunk.map((event) =>
        ports.operations.putIfAbsent({ ...operationsKeys.acceptedEvent(event.eventId), expiresAt }, 'pk'),
      ),
    );
    chunk.forEach((event, j) => {
      if (firsts[j]) fresh.push(event);
      else duplicates++;
    });
  }

  if (fresh.length > 0) {
    const writer = new RawEventWriter(ports.objects, {
      rawPrefix: ports.rawPrefix,
      shards: ports.shards,
      source: `api-${now.toISOString().slice(0, 10)}-${requestId.replace(/[^\w-]/g, '')}`,
    });
    try {
      for (const event of fresh) await writer.add(event);
      await writer.flush();
    } catch (error) {
      await Promise.allSettled(
        fresh.map((e) => ports.operations.delete(operationsKeys.acceptedEvent(e.eventId))),
      );
      throw error;
    }
  }
  return { accepted: fresh.length, duplicates, rejected };
}
