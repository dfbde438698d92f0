import { formatAmount, formatPrice } from '../../../model/money';

describe('formatPrice', () => {
  it('writes Chinese yuan with the yuan sign, or with 元 after the amount', () => {
    expect(formatPrice(399, 'CNY', 'zh')).toBe('¥399');
    expect(formatPrice(399, 'CNY', 'zh', 'word')).toBe('399元');
    expect(formatPrice(1299, 'CNY', 'zh')).toBe('¥1299');
  });

  it('writes pounds and rupees with their signs without grouping thousands', () => {
    expect(formatPrice(2.95, 'GBP', 'en')).toBe('£2.95');
    expect(formatPrice(799, 'INR', 'en')).toBe('₹799');
    expect(formatPrice(1299, 'INR', 'en')).toBe('₹1299');
    expect(formatPrice(12.5, 'USD', 'en')).toBe('$12.50');
  });

  it('never rounds the amount', () => {
    expect(formatAmount(0.555, 'GBP')).toBe('0.555');
    expect(formatAmount(1200.5, 'JPY')).toBe('1200.5');
  });

  it('names a currency without an unambiguous sign by word in Chinese and by code in English', () => {
    expect(formatPrice(1200, 'JPY', 'zh')).toBe('1200日元');
    expect(formatPrice(1200, 'JPY', 'en')).toBe('JPY 1200');
    expect(formatPrice(12.5, 'CHF', 'en')).toBe('CHF 12.50');
    expect(formatPrice(12.5, 'CHF', 'zh')).toBe('12.50 CHF');
  });

  it('refuses a negative or non-finite amount', () => {
    expect(() => formatPrice(-1, 'GBP', 'en')).toThrow(RangeError);
    expect(() => formatPrice(Number.NaN, 'GBP', 'en')).toThrow(RangeError);
  });
});
