import { createHash } from 'node:crypto';

/**
 * A set of 64-bit digests of strings in open-addressed typed arrays: 16 bytes per member at
 * most (load ≤ 0.5), so de-duplicating millions of rows costs tens of megabytes rather than
 * the hundreds a Set of strings would. Two different strings collide with probability about
 * n² / 2⁶⁵ (below 3 in a million for ten million members).
 */
export class DigestSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private used = 0;
  /** The first 9 bytes of a digest id, decoded without allocating. */
  private readonly bytes = new Uint8Array(9);

  constructor(capacity = 1 << 16) {
    const size = 1 << Math.ceil(Math.log2(Math.max(16, capacity)));
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
  }

  get size(): number {
    return this.used;
  }

  /**
   * Add the digest of `value`; false when it was already there. Values that are digests
   * already (event ids derived from content, `h-` + base64url) are not hashed again.
   */
  add(value: string): boolean {
    let hi: number;
    let lo: number;
    if (value.startsWith('h-') && value.length >= 14 && decodeDigest(value, this.bytes)) {
      const bytes = this.bytes;
      hi = (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
      lo = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
    } else {
      const digest = createHash('sha1').update(value).digest();
      hi = digest.readUInt32LE(0);
      lo = digest.readUInt32LE(4);
    }
    // Zero marks an empty slot, so a zero digest is nudged (a 2⁻⁶⁴ event).
    if (hi === 0) hi = 1;
    if ((this.used + 1) * 2 > this.hi.length) this.grow();
    return this.insert(hi, lo);
  }

  private insert(hi: number, lo: number): boolean {
    const mask = this.hi.length - 1;
    for (let slot = (hi ^ lo) & mask; ; slot = (slot + 1) & mask) {
      const h = this.hi[slot]!;
      if (h === 0) {
        this.hi[slot] = hi;
        this.lo[slot] = lo;
        this.used++;
        return true;
      }
      if (h === hi && this.lo[slot] === lo) return false;
    }
  }

  private grow(): void {
    const [hi, lo] = [this.hi, this.lo];
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.used = 0;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0) this.insert(hi[i]!, lo[i]!);
  }
}

/** base64url character code → its 6 bits, or 255. */
const sextets = new Uint8Array(128).fill(255);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) {
  sextets[c.charCodeAt(0)] = i;
}

/**
 * Decodes characters 2..13 of `value` (base64url, after `h-`) into 9 bytes, as
 * `Buffer.from(value.slice(2, 14), 'base64url')` does; false when one is not base64url.
 */
function decodeDigest(value: string, out: Uint8Array): boolean {
  for (let group = 0; group < 3; group++) {
    let bits = 0;
    for (let j = 0; j < 4; j++) {
      const code = value.charCodeAt(2 + group * 4 + j);
      const sextet = code < 128 ? sextets[code]! : 255;
      if (sextet === 255) return false;
      bits = (bits << 6) | sextet;
    }
    out[group * 3] = bits >>> 16;
    out[group * 3 + 1] = (bits >>> 8) & 255;
    out[group * 3 + 2] = bits & 255;
  }
  return true;
}
