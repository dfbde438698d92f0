/**
 * SMS segment counting as carriers bill it (3GPP TS 23.038 / 23.040). A message that uses only
 * the GSM 03.38 alphabet travels as GSM-7: 160 characters in one segment, 153 per segment once
 * concatenated (the user data header takes 7); characters of the extension table (`€ [ ] { } ~ ^
 * \ |` and form feed) cost two. Any other character switches the whole message to UCS-2: 70
 * UTF-16 code units in one segment, 67 per segment concatenated, with a character outside the
 * Basic Multilingual Plane (most emoji) costing two units. A character is never split between
 * segments.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsCount {
  readonly encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes. */
  readonly units: number;
  readonly segments: number;
}

const gsmBasic = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);
const gsmExtension = new Set(Array.from('^{}\\[~]|€\f'));

export const smsSegmentSize = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const satisfies Record<SmsEncoding, { single: number; multi: number }>;

/** The encoding an SMS of this text needs: GSM-7 when every character is in the GSM alphabet. */
export function smsEncoding(text: string): SmsEncoding {
  for (const ch of text) {
    if (!gsmBasic.has(ch) && !gsmExtension.has(ch)) return 'UCS-2';
  }
  return 'GSM-7';
}

/** Encoding, size and number of segments of an SMS of this text (0 segments for empty text). */
export function countSms(text: string): SmsCount {
  const encoding = smsEncoding(text);
  const costs = Array.from(
    text,
    (ch) => (encoding === 'GSM-7' ? (gsmExtension.has(ch) ? 2 : 1) : ch.length), // UTF-16 units
  );
  const units = costs.reduce((sum, c) => sum + c, 0);
  const size = smsSegmentSize[encoding];
  if (units === 0) return { encoding, units, segments: 0 };
  if (units <= size.single) return { encoding, units, segments: 1 };
  // Fill concatenated segments greedily, moving a character that does not fit whole to the next.
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > size.multi) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { encoding, units, segments };
}
