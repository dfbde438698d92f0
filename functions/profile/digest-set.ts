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
    const digest =
      value.startsWith('h-') && value.length >= 14
        ? Buffer.from(value.slice(2, 14), 'base64url')
        : createHash('sha1').update(value).digest();
    // Zero marks an empty slot, so a zero digest is nudged (a 2⁻⁶⁴ event).
    const hi = digest.readUInt32LE(0) || 1;
    const lo = digest.readUInt32LE(4);
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
