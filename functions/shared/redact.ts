/**
 * Personal data in free text, redacted before it is stored:
 * - e-mail addresses (`name@domain.tld`) become `[email]`;
 * - phone numbers become `[phone]`: an optional `+` and country code, then 7 to 15 digits
 *   in total, possibly grouped by spaces, dots, dashes or parentheses (Chinese mobile numbers
 *   `1[3-9]` + 9 digits included). Shorter digit runs (prices, quantities, years, sizes)
 *   are left alone.
 */
const email = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const phone = /(?<![\w.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d(?:[\s.-]?\d){6,14}(?![\w.])/g;

export function redactPersonalData(text: string): string {
  return text.replace(email, '[email]').replace(phone, (match) => {
    const digits = match.replace(/\D/g, '').length;
    return digits >= 7 && digits <= 15 ? '[phone]' : match;
  });
}
