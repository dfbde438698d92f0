/**
 * Guardrails: pure checks run on every generated variant before it is returned. Each rule
 * answers `{ rule, passed, reason? }`; the reason says what was wrong in words a copywriter can
 * act on. The generate core regenerates or drops a variant that fails any rule.
 */
import { type Channel, channelLimits, copyLength, type Language } from '../../model/contract';
import { formatPrice, knownCurrencies } from '../../model/money';
import { redactPersonalData } from '../shared/redact';
import { type ClaimClass, claimClasses, claimSpecs, claimWordings, supportsClaim } from './claims';
import { type CopyParts, smsText } from './render';
import { countSms } from './sms';

export const guardrailRules = [
  'length',
  'sms_segments',
  'banned_words',
  'unsupported_claims',
  'latin_words',
  'must_avoid',
  'must_include',
  'catalog_prices',
  'price_currency',
  'catalog_discounts',
  'personal_data',
  'near_duplicate',
] as const;
export type GuardrailRule = (typeof guardrailRules)[number];

export interface Check {
  readonly rule: GuardrailRule;
  readonly passed: boolean;
  readonly reason?: string;
}

/** What a product contributes to the checks: the facts copy may quote. */
export interface CatalogFacts {
  readonly title: string;
  readonly category: string;
  readonly price: number;
  readonly brand?: string;
  /** ISO 4217 code of the price; every price the copy states must carry it. */
  readonly currency?: string;
  /**
   * Everything else the data says: a rating, a sales count, a stock level or an end date here
   * is the evidence claims need (see claims.ts); a `model` (型号) may be quoted in Chinese copy.
   */
  readonly attributes?: Readonly<Record<string, string | number | boolean>>;
}

export interface GuardrailPolicy {
  readonly channel: Channel;
  readonly language: Language;
  readonly products: readonly CatalogFacts[];
  /** Brand-specific words to refuse, on top of `defaultBannedWords`. */
  readonly bannedWords?: readonly string[];
  /** The campaign's terms that must not appear. */
  readonly mustAvoid?: readonly string[];
  /** The campaign's terms that must appear (in the headline, body or call to action). */
  readonly mustInclude?: readonly string[];
  /** Most SMS segments a message may take. */
  readonly smsMaxSegments?: number;
}

export const defaultSmsMaxSegments = 2;

/** Call to action length: words in English, characters in Chinese. */
export const callToActionLimit: Record<Language, number> = { en: 5, zh: 10 };

/**
 * Superlatives and claims the copy cannot support from catalog data (absolute, medical and
 * financial promises), refused for every brand.
 */
export const defaultBannedWords: readonly string[] = [
  'best',
  'guarantee',
  'guaranteed',
  '100%',
  'cure',
  'cures',
  'risk-free',
  'no risk',
  'miracle',
  '#1',
  'number one',
  'lowest price',
  'clinically proven',
  'get rich',
  '最好',
  '最佳',
  '第一',
  '保证',
  '根治',
  '治愈',
  '零风险',
  '无风险',
  '最低价',
  '稳赚',
  '神效',
];

/** Two variants at least this similar (character 3-gram Jaccard) are near-duplicates. */
export const nearDuplicateThreshold = 0.8;

/** All the copy a reader sees, for the rules that look at the whole variant. */
function allText(v: CopyParts): string {
  return `${v.headline}\n${v.body}\n${v.callToAction}`;
}

// ---------------------------------------------------------------------------------------------
// Per-variant rules
// ---------------------------------------------------------------------------------------------

/** Headline and body within the channel's limits (characters for zh, words for an en headline). */
export function checkLength(v: CopyParts, channel: Channel, language: Language): Check {
  const limits = channelLimits[channel];
  const unit = language === 'zh' ? 'characters' : 'words';
  const problems: string[] = [];
  const headline = copyLength(v.headline, 'headline', language);
  if (headline > limits.headline[language]) {
    problems.push(`headline has ${headline} ${unit}, ${channel} allows ${limits.headline[language]}`);
  }
  const body = copyLength(v.body, 'body', language);
  if (body > limits.body[language]) {
    problems.push(`body has ${body} characters, ${channel} allows ${limits.body[language]}`);
  }
  const cta = copyLength(v.callToAction, 'headline', language);
  if (cta > callToActionLimit[language]) {
    problems.push(`call to action has ${cta} ${unit}, at most ${callToActionLimit[language]} allowed`);
  }
  return result('length', problems);
}

/** The SMS as sent (headline, body, call to action) fits in `maxSegments` segments. */
export function checkSmsSegments(v: CopyParts, maxSegments = defaultSmsMaxSegments): Check {
  const sms = countSms(smsText(v));
  return sms.segments <= maxSegments
    ? pass('sms_segments')
    : fail(
        'sms_segments',
        `the SMS takes ${sms.segments} ${sms.encoding} segments (${sms.units} units), at most ${maxSegments} allowed`,
      );
}

/** None of the default unsupported claims nor the brand's banned words appear. */
export function checkBannedWords(v: CopyParts, brandWords: readonly string[] = []): Check {
  const found = findTerms(allText(v), [...defaultBannedWords, ...brandWords]);
  return found.length === 0
    ? pass('banned_words')
    : fail('banned_words', `uses banned or unsupported wording: ${quoteList(found)}`);
}

/**
 * No claim about reviews, popularity, stock or deadlines (claims.ts lists the wordings of each
 * class in both languages) unless a product's data carries the evidence for that class: a
 * rating, a sales count, a stock level, an end date. Wordings inside the products' own text
 * (a title such as "限量版礼盒") are the catalog's, not a claim of the copy.
 */
export function checkUnsupportedClaims(v: CopyParts, products: readonly CatalogFacts[]): Check {
  const text = blankOut(allText(v), products.flatMap(catalogText));
  const problems: string[] = [];
  for (const kind of claimClasses) {
    const spec = claimSpecs[kind];
    const wordings = claimWordings(text, spec);
    if (wordings.length === 0 || products.some((p) => supportsClaim(p.attributes, spec))) continue;
    problems.push(
      `claims ${spec.label} (${quoteList(wordings)}), but no product's data gives ${spec.evidence}`,
    );
  }
  return result('unsupported_claims', problems);
}

/** The claim classes a text makes, whatever the evidence (for reports and benchmarks). */
export function claimsMade(text: string): ClaimClass[] {
  return claimClasses.filter((kind) => claimWordings(text, claimSpecs[kind]).length > 0);
}

/**
 * Latin letters widely written inside Chinese words and product copy: letter shapes (T恤, V领,
 * A字裙, H型), sizes (S, XL, 2XL), units after a number (500ml, 3D), and a few loanwords Chinese
 * shoppers read as Chinese (logo, polo, VIP).
 */
const latinInChinese = {
  loanwords: new Set(['logo', 'polo', 'vip', 'diy', 'app', 'led', 'usb', 'wifi', 'lcd', 'ok']),
  size: /^(?:x{0,3}[sml]|\d?x{1,3}l)$/i,
  unit: /^\d+(?:\.\d+)?(?:d|ml|l|cm|mm|m|kg|g|mg|w|v|mah|gb|tb|hz|k|p|x|pcs)$/i,
};

/**
 * In Chinese copy, Latin-script words must be the product's own: its title quoted whole, its
 * brand or model (型号), an attribute value, a must-include term, or Latin that Chinese copy
 * normally carries (`latinInChinese`). A category or any other English word ("热门lighting",
 * "高级感baking") fails: Chinese shoppers get Chinese copy.
 */
export function checkLatinWords(
  v: CopyParts,
  products: readonly CatalogFacts[],
  mustInclude: readonly string[] = [],
): Check {
  const own = products.flatMap((p) => [
    p.title,
    ...(p.brand ? [p.brand] : []),
    ...Object.values(p.attributes ?? {}).map(String),
  ]);
  const words = new Set(
    [...products.flatMap((p) => [p.brand ?? '', ...modelNumbers(p)]), ...mustInclude].flatMap((t) =>
      latinTokens(t).map((w) => w.toLowerCase()),
    ),
  );
  const text = blankOut(allText(v), [...own, ...mustInclude]);
  const foreign: string[] = [];
  for (const m of text.matchAll(latinToken)) {
    const word = m[0];
    const next = text.slice(m.index + word.length, m.index + word.length + 1);
    const allowed =
      words.has(word.toLowerCase()) ||
      latinInChinese.loanwords.has(word.toLowerCase()) ||
      latinInChinese.size.test(word) ||
      latinInChinese.unit.test(word) ||
      (/^[A-Za-z]$/.test(word) && cjk.test(next));
    if (!allowed && !foreign.includes(word)) foreign.push(word);
  }
  return foreign.length === 0
    ? pass('latin_words')
    : fail(
        'latin_words',
        `Chinese copy uses English ${foreign.length === 1 ? 'word' : 'words'} ${quoteList(foreign)} that ${foreign.length === 1 ? 'is' : 'are'} not the product's title, brand or model; write ${foreign.length === 1 ? 'it' : 'them'} in Chinese`,
      );
}

/** Runs of letters and digits with at least one Latin letter: "lighting", "X200", "500ml". */
const latinToken = /[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(?:['’.-][A-Za-z0-9]*[A-Za-z0-9])*/g;

function latinTokens(text: string): string[] {
  return [...text.matchAll(latinToken)].map((m) => m[0]);
}

const modelKey = /^(?:model|modelno|modelnumber|型号|款号|货号)$/iu;

/** A product's model numbers: the values of attributes named model, 型号, 款号 or 货号. */
function modelNumbers(product: CatalogFacts): string[] {
  return Object.entries(product.attributes ?? {})
    .filter(([k]) => modelKey.test(k.replace(/[\s_\-.]+/g, '')))
    .map(([, value]) => String(value));
}

/** None of the campaign's must-avoid terms appear. */
export function checkMustAvoid(v: CopyParts, terms: readonly string[] = []): Check {
  const found = findTerms(allText(v), terms);
  return found.length === 0
    ? pass('must_avoid')
    : fail('must_avoid', `uses terms the request must avoid: ${quoteList(found)}`);
}

/** Every must-include term appears, ignoring case. */
export function checkMustInclude(v: CopyParts, terms: readonly string[] = []): Check {
  const text = allText(v).toLowerCase();
  const missing = terms.filter((t) => t.trim() && !text.includes(t.trim().toLowerCase()));
  return missing.length === 0
    ? pass('must_include')
    : fail('must_include', `does not include required terms: ${quoteList(missing)}`);
}

/**
 * Every price-like number equals a product's catalog price (39.9, ¥39.9 and $39.90 all match
 * 39.9). Numbers inside quoted catalog text (titles, brands, categories, attribute values) are
 * the catalog's own and are not prices of the copy. A number is price-like when it has a decimal
 * part, a currency sign or code before it, a currency word after it (元, 块, dollars), or a price
 * word next to it (price, now, only, for, 价, 仅, 只要, 入手, ...). Percentages and 折 are
 * discounts, checked by `checkDiscounts`.
 */
export function checkPrices(v: CopyParts, products: readonly CatalogFacts[]): Check {
  const text = stripCatalogText(allText(v), products, true);
  const prices = products.map((p) => p.price);
  const wrong = priceMentions(text).filter((n) => !prices.some((p) => Math.abs(p - n.value) < 1e-9));
  return wrong.length === 0
    ? pass('catalog_prices')
    : fail(
        'catalog_prices',
        `states ${quoteList(wrong.map((w) => w.text))}, which ${wrong.length === 1 ? 'is' : 'are'} not a catalog price (catalog: ${prices.join(', ')})`,
      );
}

/**
 * Every stated price carries its product's currency (ISO 4217, `CatalogFacts.currency`) in one
 * of the forms `formatPrice` writes: its sign before the amount or its Chinese word after it
 * (¥399 or 399元, £2.95, ₹799, HK$88), or the ISO code either side. A bare number stated as a
 * price fails, and so does one marked with another currency ($ is the US dollar, as formatPrice
 * writes it). A price that is no product's is left to `checkPrices`; the failure says how the
 * price should be written.
 */
export function checkPriceCurrency(
  v: CopyParts,
  products: readonly CatalogFacts[],
  language: Language,
): Check {
  const text = stripCatalogText(allText(v), products, true, true);
  const problems: string[] = [];
  for (const mention of priceMentions(text)) {
    const priced = products.filter((p) => p.currency && Math.abs(p.price - mention.value) < 1e-9);
    if (priced.length === 0) continue;
    const marker = currencyMarkerAt(text, mention.index, mention.end);
    if (marker && priced.some((p) => marker.currencies.includes(p.currency!.toUpperCase()))) continue;
    const product = priced[0]!;
    const written = formatPrice(product.price, product.currency!, language);
    const raw = text.slice(mention.index, mention.end);
    problems.push(
      marker
        ? `states the price "${raw}" in ${marker.mark}, but the product is priced in ${product.currency} (write ${written})`
        : `states the price "${raw}" without its currency (write ${written})`,
    );
  }
  return result('price_currency', [...new Set(problems)]);
}

/**
 * The marks `formatPrice` writes for each currency it knows, read off the formatter itself so
 * the two cannot drift: the sign before an amount (£, ₹, HK$), the Chinese word after it (元,
 * 英镑), and the ISO code either side (GBP 2.95, 2.95 GBP) for every currency. The full-width ￥
 * is the same sign as ¥ in Chinese typesetting.
 */
const currencyMarks: ReadonlyMap<string, readonly string[]> = (() => {
  const marks = new Map<string, string[]>();
  const add = (mark: string, code: string) => {
    if (!mark || /\d/.test(mark)) return;
    const codes = marks.get(mark) ?? [];
    if (!codes.includes(code)) codes.push(code);
    marks.set(mark, codes);
  };
  for (const code of knownCurrencies) {
    for (const language of ['en', 'zh'] as const) {
      for (const style of ['symbol', 'word'] as const) {
        const written = formatPrice(7, code, language, style);
        const [before = '', after = ''] = written.split('7');
        add(before.trim(), code);
        add(after.trim(), code);
      }
    }
  }
  for (const [sign, full] of [['¥', '￥']] as const)
    for (const code of marks.get(sign) ?? []) add(full, code);
  return marks;
})();

const isoCurrencies = new Set(Intl.supportedValuesOf('currency'));

const markPattern = [...currencyMarks.keys()]
  .filter((m) => !/^[A-Z]{3}$/.test(m))
  .sort((a, b) => b.length - a.length)
  .map(escapeRegExp)
  .join('|');
const markBefore = new RegExp(`(${markPattern}|\\b[A-Z]{3})\\s?$`, 'u');
const markAfter = new RegExp(`^\\s?(${markPattern}|[A-Z]{3}\\b)`, 'u');

/** The currency mark written at an amount (`text[start, end)`) and the currencies it names. */
function currencyMarkerAt(
  text: string,
  start: number,
  end: number,
): { readonly mark: string; readonly currencies: readonly string[] } | undefined {
  const mark =
    markBefore.exec(text.slice(Math.max(0, start - 6), start))?.[1] ??
    markAfter.exec(text.slice(end, end + 10))?.[1];
  if (mark === undefined) return undefined;
  if (/^[A-Z]{3}$/.test(mark)) return isoCurrencies.has(mark) ? { mark, currencies: [mark] } : undefined;
  const currencies = currencyMarks.get(mark);
  return currencies ? { mark, currencies } : undefined;
}

/**
 * Every discount ("20% off", "save 20%", "8折") matches a discount attribute of a product
 * (an attribute named like discount, off, sale, 折扣 or 优惠, valued "20%", "20% off" or "8折");
 * without one, any stated discount fails. 20% off and 8折 are the same discount.
 */
export function checkDiscounts(v: CopyParts, products: readonly CatalogFacts[]): Check {
  const text = stripCatalogText(allText(v), products, false);
  const allowed = products.flatMap(catalogDiscounts);
  const wrong = discountMentions(text).filter((d) => !allowed.some((a) => Math.abs(a - d.percentOff) < 1e-9));
  if (wrong.length === 0) return pass('catalog_discounts');
  const catalog =
    allowed.length === 0 ? 'the catalog gives no discount' : `catalog discounts: ${allowed.join('%, ')}% off`;
  return fail('catalog_discounts', `states ${quoteList(wrong.map((w) => w.text))}; ${catalog}`);
}

/** No e-mail address or phone number (whatever `redactPersonalData` would redact). */
export function checkPersonalData(v: CopyParts): Check {
  const parts = [v.headline, v.body, v.callToAction];
  const leaking = parts.filter((p) => redactPersonalData(p) !== p);
  return leaking.length === 0
    ? pass('personal_data')
    : fail('personal_data', 'contains personal data (an e-mail address or phone number)');
}

/** Every per-variant rule, in order; `sms_segments` only on the SMS channel, `latin_words` only in Chinese. */
export function checkVariant(v: CopyParts, policy: GuardrailPolicy): Check[] {
  return [
    checkLength(v, policy.channel, policy.language),
    ...(policy.channel === 'sms' ? [checkSmsSegments(v, policy.smsMaxSegments)] : []),
    checkBannedWords(v, policy.bannedWords),
    checkUnsupportedClaims(v, policy.products),
    ...(policy.language === 'zh' ? [checkLatinWords(v, policy.products, policy.mustInclude)] : []),
    checkMustAvoid(v, policy.mustAvoid),
    checkMustInclude(v, policy.mustInclude),
    checkPrices(v, policy.products),
    checkPriceCurrency(v, policy.products, policy.language),
    checkDiscounts(v, policy.products),
    checkPersonalData(v),
  ];
}

// ---------------------------------------------------------------------------------------------
// Across variants
// ---------------------------------------------------------------------------------------------

/** Character 3-gram Jaccard similarity of two texts, ignoring case, spaces and punctuation. */
export function similarity(a: string, b: string): number {
  const ga = trigrams(a);
  const gb = trigrams(b);
  if (ga.size === 0 && gb.size === 0) return 1;
  let shared = 0;
  for (const g of ga) if (gb.has(g)) shared++;
  return shared / (ga.size + gb.size - shared);
}

function trigrams(text: string): Set<string> {
  const chars = Array.from(text.toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, ''));
  const grams = new Set<string>();
  if (chars.length > 0 && chars.length < 3) grams.add(chars.join(''));
  for (let i = 0; i + 3 <= chars.length; i++) grams.add(chars.slice(i, i + 3).join(''));
  return grams;
}

/**
 * The near-duplicate check of a variant against those already kept: it fails when the headline
 * and body together are at least `nearDuplicateThreshold` similar to a kept variant's.
 */
export function checkNearDuplicate(v: CopyParts, kept: readonly CopyParts[]): Check {
  const text = `${v.headline}\n${v.body}`;
  for (const [i, other] of kept.entries()) {
    const score = similarity(text, `${other.headline}\n${other.body}`);
    if (score >= nearDuplicateThreshold) {
      return fail(
        'near_duplicate',
        `${Math.round(score * 100)}% similar to kept variant ${i + 1} ("${other.headline}")`,
      );
    }
  }
  return pass('near_duplicate');
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function pass(rule: GuardrailRule): Check {
  return { rule, passed: true };
}

function fail(rule: GuardrailRule, reason: string): Check {
  return { rule, passed: false, reason };
}

function result(rule: GuardrailRule, problems: readonly string[]): Check {
  return problems.length === 0 ? pass(rule) : fail(rule, problems.join('; '));
}

function quoteList(items: readonly string[]): string {
  return items.map((i) => `"${i}"`).join(', ');
}

const cjk = /[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]/;

/**
 * The terms found in a text, ignoring case. A term with Chinese characters matches anywhere; any
 * other term matches only as a whole word ("best" is not found in "bestow").
 */
export function findTerms(text: string, terms: readonly string[]): string[] {
  const found: string[] = [];
  for (const raw of terms) {
    const term = raw.trim();
    if (!term || found.includes(term)) continue;
    const hit = cjk.test(term)
      ? text.toLowerCase().includes(term.toLowerCase())
      : new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(term)}(?![\\p{L}\\p{N}])`, 'iu').test(text);
    if (hit) found.push(term);
  }
  return found;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A product's own text: title, category, brand and attribute values. */
function catalogText(p: CatalogFacts): string[] {
  return [
    p.title,
    p.category,
    ...(p.brand ? [p.brand] : []),
    ...Object.values(p.attributes ?? {}).map(String),
  ];
}

/** Each of `quoted` (ignoring case) replaced by a space in `text`, longest first. */
function blankOut(text: string, quoted: readonly string[]): string {
  let out = text;
  const distinct = [...new Set(quoted.map((q) => q.trim()).filter(Boolean))].sort(
    (a, b) => b.length - a.length,
  );
  for (const q of distinct) out = out.replace(new RegExp(escapeRegExp(q), 'giu'), ' ');
  return out;
}

/**
 * Catalog text with digits blanked out of the copy, longest first: titles, categories, brands
 * and, when asked, attribute values ("500 mg", "2件装"), so that their numbers are not read as
 * prices. A text is blanked only where it does not continue a longer number (the attribute "2"
 * leaves "220" alone). `keepBareNumbers` keeps attribute values that are only a number (a market
 * price, a rating): when one equals the price, stating it is stating the price.
 */
function stripCatalogText(
  text: string,
  products: readonly CatalogFacts[],
  withAttributes: boolean,
  keepBareNumbers = false,
): string {
  const quoted = products.flatMap((p) => [
    p.title,
    p.category,
    ...(p.brand ? [p.brand] : []),
    ...(withAttributes
      ? Object.values(p.attributes ?? {})
          .map(String)
          .filter((v) => !(keepBareNumbers && /^\s*\d+(?:\.\d+)?\s*$/.test(v)))
      : []),
  ]);
  let out = text;
  for (const q of [...new Set(quoted)].filter((q) => /\d/.test(q)).sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(`(?<![\\d.,])${escapeRegExp(q)}(?![\\d]|[.,]\\d)`, 'g'), ' ');
  }
  return out;
}

interface Mention {
  readonly text: string;
  readonly value: number;
  /** Where the number starts and ends in the text. */
  readonly index: number;
  readonly end: number;
}

const numberPattern = /\d+(?:,\d{3})*(?:\.\d+)?/g;
const currencyBefore =
  /(?:[¥￥$€£₹₩]|\b(?:RMB|CNY|USD|EUR|GBP|INR|JPY|HKD|TWD|KRW|AUD|CAD|SGD|CHF|Rs\.?))\s*$/iu;
const priceWordBefore =
  /(?:\b(?:price[sd]?|now|only|just|was|costs?|pay)\s*:?|价|仅|只要|只需|仅需|低至|售|到手|入手|特惠)\s*[:：]?\s*$/iu;
/** Words that come before a price as often as before a count ("for 2 people"). */
const weakPriceWordBefore = /\b(?:for|at|from)\s*$/iu;
const currencyOrPriceAfter = new RegExp(
  `^\\s*(?:${markPattern}|块|入手|就能|带回家|到手|(?:yuan|dollars?|rupees?|euros?)\\b)`,
  'iu',
);
const discountAfter = /^\s*(?:[%％]|折)/u;
/** A count, not a price: "only 3 left", "2 pieces", "3天", "5件". */
const countAfter =
  /^\s*(?:left\b|remaining\b|in stock\b|pieces?\b|pcs\b|items?\b|days?\b|hours?\b|件|个|天|小时|双|条|套|款|色|人)/iu;

/** The price-like numbers of a text (see `checkPrices`). */
export function priceMentions(text: string): Mention[] {
  const out: Mention[] = [];
  for (const m of text.matchAll(numberPattern)) {
    const start = m.index;
    const end = start + m[0].length;
    const before = text.slice(Math.max(0, start - 12), start);
    const after = text.slice(end, end + 8);
    // Part of a word or code ("A3", "x2"), or a percentage / 折: not a price.
    if (/[A-Za-z_]$/.test(before) && !currencyBefore.test(before)) continue;
    if (discountAfter.test(after) || countAfter.test(after)) continue;
    const priceLike =
      m[0].includes('.') ||
      currencyBefore.test(before) ||
      priceWordBefore.test(before) ||
      currencyOrPriceAfter.test(after) ||
      (weakPriceWordBefore.test(before) && !/^\s*[A-Za-z]/.test(after));
    if (!priceLike) continue;
    const currency = /[¥￥$€£₹]\s*$/u.exec(before)?.[0] ?? '';
    out.push({
      text: `${currency.trim()}${m[0]}`,
      value: Number(m[0].replaceAll(',', '')),
      index: start,
      end,
    });
  }
  return out;
}

interface DiscountMention {
  readonly text: string;
  readonly percentOff: number;
}

/** The discounts a text states, as percent off: "20% off", "save 20%", "-20%", "8折", "85折". */
export function discountMentions(text: string): DiscountMention[] {
  const out: DiscountMention[] = [];
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)\s*[%％]/gu)) {
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + 12);
    const before = text.slice(Math.max(0, m.index - 12), m.index);
    const isDiscount =
      /^\s*(?:off\b|discount|savings?\b|优惠|折扣)/iu.test(after) ||
      /(?:\b(?:save|saving|up to|extra|get)\s*|-\s*|省|减|优惠|立减|折扣)$/iu.test(before);
    if (isDiscount) out.push({ text: m[0].trim(), percentOff: Number(m[1]) });
  }
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)\s*折/gu)) {
    const off = zheToPercentOff(Number(m[1]));
    if (off !== undefined) out.push({ text: m[0], percentOff: off });
  }
  return out;
}

/** 8折 is 20% off, 8.5折 and 85折 are 15% off. */
function zheToPercentOff(zhe: number): number | undefined {
  const tenths = zhe >= 10 && zhe < 100 ? zhe / 10 : zhe;
  if (!(tenths > 0 && tenths < 10)) return undefined;
  return Math.round((100 - tenths * 10) * 1e6) / 1e6;
}

const discountKey = /discount|\boff\b|sale|promo|折扣|优惠|折/iu;

/** The discounts a product's attributes give, as percent off. */
function catalogDiscounts(product: CatalogFacts): number[] {
  const out: number[] = [];
  for (const [key, raw] of Object.entries(product.attributes ?? {})) {
    if (!discountKey.test(key)) continue;
    const value = String(raw);
    const zhe = /(\d+(?:\.\d+)?)\s*折/u.exec(value);
    if (zhe) {
      const off = zheToPercentOff(Number(zhe[1]));
      if (off !== undefined) out.push(off);
      continue;
    }
    const percent = /(\d+(?:\.\d+)?)\s*[%％]?/u.exec(value);
    if (percent && Number(percent[1]) > 0 && Number(percent[1]) < 100) out.push(Number(percent[1]));
  }
  return out;
}
