import { hash32 } from '../../core/hash';
import { Rng } from '../../core/random';
import {
  type BriefProduct,
  type CopyBrief,
  type CopyOutput,
  type CopyVariant,
  fitsChannel,
  type Language,
} from '../contract';
import { formatPrice } from '../money';
import { type LanguagePhrases, phrases } from './phrases';
import { composeZhVariant } from './zh-copy';

/** A phrase with its slots filled, and the product facts it states. */
interface Filled {
  readonly text: string;
  readonly facts: readonly string[];
}

/** One way to name the product in a headline (`{item}`): the title, brand + category, ... */
type Item = Filled;

type Slots = Partial<
  Record<'title' | 'brand' | 'category' | 'price' | 'priceFact' | 'attr' | 'interest' | 'adj', string>
> & {
  item?: Item;
};

/** Slots whose values are product facts, listed in `factsUsed` when a phrase uses them. */
const factSlots = new Set(['title', 'brand', 'category', 'price', 'attr']);

/**
 * Compose copy for a brief from the phrase grammar, deterministically for `seed`. Variant i
 * features product (seed + i) mod n; headlines and bodies are fitted to the channel's limits,
 * and every product fact the copy states is listed in `factsUsed` exactly as the brief gives it.
 */
export function composeCopy(brief: CopyBrief, seed: number): CopyOutput {
  const variants: CopyVariant[] = [];
  for (let i = 0; i < brief.variants; i++) {
    const product = brief.products[(seed + i) % brief.products.length]!;
    variants.push(
      brief.language === 'zh'
        ? composeZhVariant(brief, product, seed >>> 0, i)
        : composeVariant(brief, product, seed >>> 0, i),
    );
  }
  return { variants };
}

function composeVariant(brief: CopyBrief, product: BriefProduct, seed: number, index: number): CopyVariant {
  const lang = phrases[brief.language];
  const rng = new Rng(hash32(seed, index, product.productId));
  const style = toneStyle(brief.tone);
  const base = productSlots(product, rng);
  if (brief.persona && brief.persona.interests.length > 0) base.interest = rng.pick(brief.persona.interests);

  const headline = composeHeadline(brief, lang, base, seed, index, style);
  const ctas = lang.goals[brief.goal].ctas.filter((c) => !avoids(c, brief.mustAvoid));
  const callToAction = rng.pick(ctas.length > 0 ? ctas : lang.goals[brief.goal].ctas);
  const body = composeBody(brief, lang, base, rng, style, `${headline.text}\n${callToAction}`);
  return {
    headline: headline.text,
    body: body.text,
    callToAction,
    factsUsed: [...new Set([...headline.facts, ...body.facts])],
  };
}

type ToneStyle = 'playful' | 'formal' | 'plain';

function toneStyle(tone: string): ToneStyle {
  if (/playful|fun|cheerful|lively|活泼|俏皮|可爱|有趣/i.test(tone)) return 'playful';
  if (/formal|professional|luxury|elegant|premium|正式|专业|高端|优雅/i.test(tone)) return 'formal';
  return 'plain';
}

function productSlots(product: BriefProduct, rng: Rng): Slots {
  const category = lastSegment(product.category);
  const shortAttributes = Object.values(product.attributes ?? {}).filter((v) => v.trim() && v.length <= 20);
  return {
    title: product.title,
    brand: product.brand,
    category,
    // A price of 0 means the brief has none (AdvertiseGen attribute sets, say): never quote "0";
    // nor a price without its currency.
    price:
      product.price > 0 && product.currency ? formatPrice(product.price, product.currency, 'en') : undefined,
    priceFact: String(product.price),
    attr: shortAttributes.length > 0 ? rng.pick(shortAttributes) : undefined,
  };
}

/** "Shoes > Running" names the product by its most specific segment. */
function lastSegment(category: string): string {
  const parts = category
    .split(/\s*[>/|]\s*/)
    .map((p) => p.trim())
    .filter(Boolean);
  return parts.at(-1) ?? category;
}

function items(slots: Slots, language: Language): Item[] {
  const out: Item[] = [];
  const add = (text: string | undefined, facts: Array<string | undefined>) => {
    if (!text || out.some((o) => o.text === text)) return;
    out.push({ text, facts: facts.filter((f): f is string => f !== undefined) });
  };
  const { title, brand, category } = slots;
  add(title, [title]);
  if (brand && category && !category.toLowerCase().includes(brand.toLowerCase())) {
    add(language === 'zh' ? `${brand}${category}` : `${brand} ${category}`, [brand, category]);
  }
  add(category, [category]);
  add(brand, [brand]);
  return out;
}

function composeHeadline(
  brief: CopyBrief,
  lang: LanguagePhrases,
  base: Slots,
  seed: number,
  index: number,
  style: ToneStyle,
): Filled {
  const goal = lang.goals[brief.goal];
  const leads = style === 'formal' ? goal.leads.filter((l) => !/[!！]/.test(l)) : goal.leads;
  const choices = items(base, brief.language);
  const sizes = [choices.length, lang.adjectives.length, goal.hooks.length, leads.length] as const;
  const total = sizes[0] * sizes[1] * sizes[2] * sizes[3];
  // seed -> start is a bijection modulo `total` (the strides are coprime with it), so seeds closer
  // than `total` always start from different headlines; golden-ratio strides change every
  // digit (item, adjective, hook, lead) from one seed to the next, and from variant to variant.
  const seedStride = coprimeStride(total, 0.618_034);
  const variantStride = coprimeStride(total, 0.414_214);
  const scanStride = coprimeStride(total, 0.732_051);
  const start = ((seed % total) * seedStride + index * variantStride) % total;

  let shortest: Filled | undefined;
  for (let step = 0; step < total; step++) {
    // Candidates that do not fit are skipped along a third stride, so a miss does not fall
    // onto the next seed's or the next variant's headline.
    let k = (start + step * scanStride) % total;
    const item = choices[k % sizes[0]]!;
    k = Math.floor(k / sizes[0]);
    const adj = lang.adjectives[k % sizes[1]]!;
    k = Math.floor(k / sizes[1]);
    const hook = goal.hooks[k % sizes[2]]!;
    const lead = leads[Math.floor(k / sizes[2]) % sizes[3]]!;
    const core = fill(hook, { ...base, item, adj });
    if (!core) continue;
    let text = joinHeadline(lead, core.text, brief.language);
    // An emoji would switch a whole SMS to UCS-2, shrinking every segment from 160 to 70.
    if (style === 'playful' && brief.channel !== 'sms') {
      text = `${text} ${lang.emoji[(seed + index) % lang.emoji.length]}`;
    }
    if (avoids(text, brief.mustAvoid)) continue;
    const candidate = { text, facts: core.facts };
    if (fitsChannel(text, 'headline', brief.channel, brief.language)) return candidate;
    if (!shortest || text.length < shortest.text.length) shortest = candidate;
  }
  // Nothing fits (an extreme limit): the shortest candidate is still the best answer.
  return shortest ?? { text: base.category ?? '', facts: [] };
}

/** The integer nearest `total * ratio` that is coprime with `total` (1 for tiny totals). */
function coprimeStride(total: number, ratio: number): number {
  for (let stride = Math.max(1, Math.round(total * ratio)); stride < total; stride++) {
    if (gcd(stride, total) === 1) return stride;
  }
  return 1;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function joinHeadline(lead: string, core: string, language: Language): string {
  if (language === 'zh') return `${lead}${core}`;
  const text = lead ? `${lead} ${core}` : core;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function composeBody(
  brief: CopyBrief,
  lang: LanguagePhrases,
  base: Slots,
  rng: Rng,
  style: ToneStyle,
  elsewhere: string,
): Filled {
  const goal = lang.goals[brief.goal];
  const avoid = brief.mustAvoid;
  const opening = base.interest
    ? pickFilled(lang.personal, base, rng, avoid)
    : pickFilled(lang.generic, base, rng, avoid);
  const benefit = pickFilled(lang.benefits, base, rng, avoid);
  const closer = pickFilled(goal.closers, base, rng, avoid);
  const facts = factCandidates(lang, base, brief.language, rng, avoid);
  const required = requiredTerms(brief, elsewhere);
  const tail =
    style === 'playful' && (brief.channel === 'social' || brief.channel === 'push')
      ? rng.pick(lang.emoji)
      : '';

  // Sentences in reading order; when the channel is too small, drop the least needed first
  // (opening, then benefit, then the goal's closer), then shorten the product fact.
  const dropOrder = [opening, benefit, closer];
  for (const fact of facts) {
    for (let dropped = 0; dropped <= dropOrder.length; dropped++) {
      const gone = new Set(dropOrder.slice(0, dropped));
      const parts = [opening, fact, benefit, closer, required].filter(
        (p): p is Filled => p !== undefined && !gone.has(p),
      );
      const text = joinSentences(parts, brief.language, tail);
      if (fitsChannel(text, 'body', brief.channel, brief.language)) {
        return { text, facts: parts.flatMap((p) => p.facts) };
      }
    }
  }
  const last = facts.at(-1)!;
  return { text: last.text, facts: last.facts };
}

function joinSentences(parts: readonly Filled[], language: Language, tail: string): string {
  const text = parts.map((p) => p.text).join(language === 'zh' ? '' : ' ');
  return tail ? `${text} ${tail}` : text;
}

/** The product-fact sentence, from the fullest (title and price) to the barest (price alone). */
function factCandidates(
  lang: LanguagePhrases,
  base: Slots,
  language: Language,
  rng: Rng,
  avoid: readonly string[] | undefined,
): Filled[] {
  const out: Filled[] = [];
  const full = pickFilled(lang.facts, base, rng, avoid);
  if (full) out.push(full);
  for (const item of items(base, language).slice(1)) {
    const short = pickFilled(lang.shortFacts, { ...base, item }, rng, avoid);
    if (short) out.push(short);
  }
  const price = base.price;
  if (price)
    out.push({
      text: language === 'zh' ? `现价${price}。` : `Now ${price}.`,
      facts: [base.priceFact ?? price],
    });
  else if (base.title)
    out.push({ text: language === 'zh' ? `${base.title}。` : `${base.title}.`, facts: [base.title] });
  return out;
}

/** A random phrase among those whose slots can all be filled and that use no avoided term. */
function pickFilled(
  templates: readonly string[],
  slots: Slots,
  rng: Rng,
  avoid?: readonly string[],
): Filled | undefined {
  const usable = templates
    .map((t) => fill(t, slots))
    .filter((f): f is Filled => f !== undefined && !avoids(f.text, avoid));
  return usable.length > 0 ? rng.pick(usable) : undefined;
}

/** Whether a text uses any of the terms, ignoring case. */
function avoids(text: string, terms: readonly string[] | undefined): boolean {
  if (!terms || terms.length === 0) return false;
  const lower = text.toLowerCase();
  return terms.some((t) => t.trim() !== '' && lower.includes(t.trim().toLowerCase()));
}

/** A closing sentence naming the must-include terms the headline and call to action lack. */
function requiredTerms(brief: CopyBrief, elsewhere: string): Filled | undefined {
  const lower = elsewhere.toLowerCase();
  const missing = (brief.mustInclude ?? []).filter((t) => t.trim() && !lower.includes(t.toLowerCase()));
  if (missing.length === 0) return undefined;
  return { text: brief.language === 'zh' ? `${missing.join('，')}。` : `${missing.join(', ')}.`, facts: [] };
}

/** Fill a phrase's slots; undefined when one cannot be filled. */
function fill(template: string, slots: Slots): Filled | undefined {
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  // "{brand} {title}" would say the brand twice when the title already names it.
  if (names.includes('brand') && names.includes('title')) {
    const { brand, title } = slots;
    if (brand && title?.toLowerCase().includes(brand.toLowerCase())) return undefined;
  }
  const facts: string[] = [];
  let missing = false;
  const text = template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    if (name === 'item') {
      if (!slots.item) missing = true;
      facts.push(...(slots.item?.facts ?? []));
      return slots.item?.text ?? '';
    }
    const value = slots[name as Exclude<keyof Slots, 'item'>];
    if (value === undefined) {
      missing = true;
      return '';
    }
    // The price is written with its currency, and listed as the data block gives it.
    if (factSlots.has(name)) facts.push(name === 'price' ? (slots.priceFact ?? value) : value);
    return value;
  });
  return missing ? undefined : { text, facts };
}
