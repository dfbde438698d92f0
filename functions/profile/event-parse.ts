import { eventTypes, normalizeTimestamp } from './schema';

/**
 * The common case of `behaviourEventSchema.safeParse`, without zod's per-call machinery, for
 * the ingestion hot loop. It returns exactly what the schema's parse returns (the same
 * values, the same keys in the same order: schema order, optional keys present whenever the
 * input has them, unknown keys dropped) for inputs it is sure about, and `undefined` for
 * anything else: an invalid value, or a kind of value it does not handle (such as an
 * integer id beyond 2⁵³). The caller then asks the schema, which gives the verdict and the
 * reason. So the schema stays the one definition of a valid event; this is a shortcut to
 * its answer, checked against it by test/unit/profile/event-parse.test.ts.
 */
export function parseEventFast(raw: unknown): Record<string, unknown> | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const input = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};

  if ('eventId' in input && !optionalId(input, 'eventId', out)) return undefined;
  const userId = id(input['userId']);
  if (userId === undefined) return undefined;
  out['userId'] = userId;
  const type = input['type'];
  if (typeof type !== 'string' || !eventTypeSet.has(type)) return undefined;
  out['type'] = type;
  if ('productId' in input && !optionalId(input, 'productId', out)) return undefined;
  if ('orderId' in input && !optionalId(input, 'orderId', out)) return undefined;

  const at = input['timestamp'];
  if (!((typeof at === 'string' && at.length > 0) || (typeof at === 'number' && Number.isFinite(at))))
    return undefined;
  const timestamp = normalizeTimestamp(at);
  if (timestamp === undefined) return undefined;
  out['timestamp'] = timestamp;

  if ('quantity' in input) {
    const quantity = input['quantity'];
    if (quantity !== undefined && !(typeof quantity === 'number' && Number.isFinite(quantity)))
      return undefined;
    out['quantity'] = quantity;
  }
  if ('price' in input) {
    const price = input['price'];
    if (price !== undefined && !(typeof price === 'number' && Number.isFinite(price) && price >= 0))
      return undefined;
    out['price'] = price;
  }
  if ('category' in input) {
    const category = input['category'];
    if (category === undefined) out['category'] = undefined;
    else {
      if (typeof category !== 'string') return undefined;
      const trimmed = category.trim();
      if (trimmed.length < 1 || trimmed.length > 256) return undefined;
      out['category'] = trimmed;
    }
  }
  if ('rating' in input) {
    const rating = input['rating'];
    if (rating !== undefined && !(typeof rating === 'number' && rating >= 0 && rating <= 5)) return undefined;
    out['rating'] = rating;
  }
  if ('text' in input) {
    const text = input['text'];
    if (text !== undefined && !(typeof text === 'string' && text.length <= 4000)) return undefined;
    out['text'] = text;
  }
  if ('sessionId' in input && !optionalId(input, 'sessionId', out)) return undefined;
  return out;
}

const eventTypeSet: ReadonlySet<string> = new Set(eventTypes);

/** `idSchema`'s output for the values it surely accepts; undefined otherwise. */
function id(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed.length >= 1 && trimmed.length <= 256 ? trimmed : undefined;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/** Copies an optional id (present in the input) to `out`; false when the fast path cannot. */
function optionalId(input: Record<string, unknown>, key: string, out: Record<string, unknown>): boolean {
  const value = input[key];
  if (value === undefined) {
    out[key] = undefined;
    return true;
  }
  const parsed = id(value);
  if (parsed === undefined) return false;
  out[key] = parsed;
  return true;
}
