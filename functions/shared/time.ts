const formatters = new Map<string, Intl.DateTimeFormat>();
const hourOffsets = new Map<string, number>();

/** The offset of the zone at an instant. Offsets change on quarter hours (UTC), so one lookup serves a quarter hour. */
function offsetMs(utcMs: number, timeZone: string): number {
  const hour = Math.floor(utcMs / 900_000);
  const key = `${timeZone}|${hour}`;
  let offset = hourOffsets.get(key);
  if (offset === undefined) {
    offset = lookupOffset(hour * 900_000, timeZone);
    if (hourOffsets.size > 100_000) hourOffsets.clear();
    hourOffsets.set(key, offset);
  }
  return offset;
}

function lookupOffset(utcMs: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(utcMs))) parts[part.type] = Number(part.value);
  const asUtc = Date.UTC(
    parts['year'] ?? 1970,
    (parts['month'] ?? 1) - 1,
    parts['day'] ?? 1,
    parts['hour'] ?? 0,
    parts['minute'] ?? 0,
    parts['second'] ?? 0,
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * A wall-clock time `YYYY-MM-DD HH:MM[:SS]` in an IANA time zone, as epoch milliseconds UTC
 * (NaN when unreadable). In the hour a daylight-saving change skips or repeats, the earlier
 * offset is used.
 */
export function zonedTimeToUtc(local: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  const first = wall - offsetMs(wall, timeZone);
  const second = wall - offsetMs(first, timeZone);
  return Math.min(first, second);
}

export const dayMs = 86_400_000;
