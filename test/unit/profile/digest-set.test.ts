import { DigestSet } from '../../../functions/profile/digest-set';

describe('DigestSet', () => {
  it('adds each value once and tells a repeat', () => {
    const set = new DigestSet(4);
    expect(set.add('a')).toBe(true);
    expect(set.add('b')).toBe(true);
    expect(set.add('a')).toBe(false);
    expect(set.size).toBe(2);
  });

  it('keeps every member while it grows far past its first capacity', () => {
    const set = new DigestSet(16);
    for (let i = 0; i < 50_000; i++) expect(set.add(`event-${i}`)).toBe(true);
    for (let i = 0; i < 50_000; i += 997) expect(set.add(`event-${i}`)).toBe(false);
    expect(set.size).toBe(50_000);
  });
});
