/**
 * Prices as copy writes them: the one place that turns an amount and its ISO 4217 currency into
 * text for a language (¥399 or 399元, £2.95, ₹1299, $12.50). Every generator backend and the
 * guardrails use it, so a price is always written with its currency and always the same way.
 *
 * The amount is never rounded: the guardrails compare every price the copy states with the
 * catalog price, so 2.95 stays 2.95 and 399.5 becomes 399.50 (the same number).
 */

/** How a Chinese price names its currency: a sign before (¥399) or a word after (399元). */
export type PriceStyle = 'symbol' | 'word';

interface CurrencyInfo {
  /** The sign written before the amount; absent where a sign would be ambiguous. */
  readonly symbol?: string;
  /** The Chinese word written after the amount (元, 英镑, 卢比). */
  readonly zh: string;
  /** Digits after the decimal point when the amount has a fraction (0 for yen and won). */
  readonly minorDigits: number;
}

const currencies: Readonly<Record<string, CurrencyInfo>> = {
  CNY: { symbol: '¥', zh: '元', minorDigits: 2 },
  GBP: { symbol: '£', zh: '英镑', minorDigits: 2 },
  INR: { symbol: '₹', zh: '卢比', minorDigits: 2 },
  USD: { symbol: '$', zh: '美元', minorDigits: 2 },
  EUR: { symbol: '€', zh: '欧元', minorDigits: 2 },
  HKD: { symbol: 'HK$', zh: '港元', minorDigits: 2 },
  TWD: { symbol: 'NT$', zh: '新台币', minorDigits: 2 },
  JPY: { zh: '日元', minorDigits: 0 },
  KRW: { symbol: '₩', zh: '韩元', minorDigits: 0 },
  AUD: { symbol: 'A$', zh: '澳元', minorDigits: 2 },
  CAD: { symbol: 'C$', zh: '加元', minorDigits: 2 },
  SGD: { symbol: 'S$', zh: '新加坡元', minorDigits: 2 },
};

/** An ISO 4217 code as the product model carries it: three capital letters. */
export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code);
}

/** The currency codes with a known sign or Chinese name (others are written as their code). */
export const knownCurrencies: readonly string[] = Object.keys(currencies);

/**
 * The amount's digits: an integer as is, a fraction with the currency's minor digits when that
 * is the same number (2.5 → 2.50), else exactly as given. Thousands are not grouped (₹1299,
 * ¥1299, as Myntra and Taobao write prices), so the digits are the catalog's own and a copy's
 * `factsUsed` can quote the price as the data block gives it.
 */
export function formatAmount(amount: number, currency: string): string {
  if (!Number.isFinite(amount) || amount < 0) {
    throw new RangeError(`a price must be a finite amount of at least 0, not ${amount}`);
  }
  const minor = currencies[currency]?.minorDigits ?? 2;
  let digits = String(amount);
  if (!Number.isInteger(amount) && minor > 0) {
    const fixed = amount.toFixed(minor);
    if (Number(fixed) === amount) digits = fixed;
  }
  return digits;
}

/**
 * A price written with its currency for the language: en £2.95, ₹1299, $12.50, JPY 1200;
 * zh ¥399 (or 399元 with style 'word'), £2.95, 1200日元. A currency without a sign or name here is
 * written as its code (CHF 12.50, 12.50 CHF in Chinese).
 */
export function formatPrice(
  amount: number,
  currency: string,
  language: 'zh' | 'en',
  style: PriceStyle = 'symbol',
): string {
  const code = currency.toUpperCase();
  const info = currencies[code];
  const digits = formatAmount(amount, code);
  if (language === 'zh') {
    if (info && (style === 'word' || !info.symbol)) return `${digits}${info.zh}`;
    if (info?.symbol) return `${info.symbol}${digits}`;
    return `${digits} ${code}`;
  }
  if (info?.symbol) return `${info.symbol}${digits}`;
  return `${code} ${digits}`;
}
