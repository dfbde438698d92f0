const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a, 32 bit, over UTF-16 code units: stable across processes and languages. */
export function fnv1a(text: string, seed: number = FNV_OFFSET): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** FNV-1a over the parts, each followed by a NUL, for deriving seeds and ids. */
export function hash32(...parts: Array<string | number>): number {
  let hash = FNV_OFFSET;
  for (const part of parts) hash = fnv1a(`${part}\u0000`, hash);
  return hash;
}
