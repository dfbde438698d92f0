import { redactPersonalData } from '../../../functions/shared/redact';

describe('redactPersonalData', () => {
  it.each([
    ['write to jane.doe+shop@example.co.uk today', 'write to [email] today'],
    ['call +44 20 7946 0958 now', 'call [phone] now'],
    ['call (020) 7946-0958', 'call [phone]'],
    ['手机 13812345678 联系', '手机 [phone] 联系'],
    ['us: 415.555.0100', 'us: [phone]'],
  ])('redacts %s', (input, expected) => {
    expect(redactPersonalData(input)).toBe(expected);
  });

  it.each(['size 42, 2 for 19.99', 'order 12345 in 2026', 'SKU 85123A', 'pack of 100'])(
    'leaves %s alone',
    (text) => {
      expect(redactPersonalData(text)).toBe(text);
    },
  );
});
