import { type FeatureNames, RowBuilder, type SparseRow } from './kernels/hashing';
import type { VariantInput } from './schema';

/** What the predictor knows of the audience: a profile's parts, or a segment's. */
export interface Audience {
  readonly segmentId: string;
  readonly tier?: string;
  readonly priceBand?: string;
  readonly topCategory?: string;
  readonly recencyDays?: number;
  readonly frequency?: number;
  readonly avgOrderValue?: number;
}

export interface SendContext {
  readonly hour?: number;
  readonly weekday?: number;
  /** 1 when the message is sent, 0 for the no-message counterfactual (uplift). */
  readonly treated: 0 | 1;
}

const discount = /(\d+\s*%|%\s*off|\boff\b|\bsale\b|\d+(\.\d)?\s*折|优惠|立减|满减)/i;
const emoji = /\p{Extended_Pictographic}/u;
const bucket = (x: number, edges: number[]) => String(edges.filter((e) => x >= e).length);

/**
 * The hashed feature row of a variant for an audience in a context: content (goal, channel,
 * tone, language, call-to-action word, length, discount, number, question, emoji, the copy's
 * own unigrams and bigrams — characters for Chinese), the audience (segment, RFM tier, price
 * band, favourite category, recency and frequency buckets), the products (category, price
 * band), the context (hour, weekday) and crosses of audience × content. New values need no
 * schema: they hash into the same space.
 */
export function variantRow(
  variant: VariantInput,
  audience: Audience,
  context: SendContext,
  bits: number,
  names?: FeatureNames,
): SparseRow {
  const b = new RowBuilder(bits, names);
  const text = `${variant.headline} ${variant.body}`;
  const length =
    variant.language === 'zh' ? [...variant.headline].length : variant.headline.split(/\s+/).length;
  const cta = variant.callToAction.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const content: Array<[string, string]> = [
    ['goal', variant.goal],
    ['channel', variant.channel],
    ['tone', variant.tone.toLowerCase()],
    ['language', variant.language],
    ['cta', cta || 'none'],
    ['headline length', bucket(length, variant.language === 'zh' ? [8, 14, 20, 28] : [4, 7, 10, 14])],
    ['discount', discount.test(text) ? 'yes' : 'no'],
    ['number', /\d/.test(text) ? 'yes' : 'no'],
    ['question', /[?？]/.test(variant.headline) ? 'yes' : 'no'],
    ['emoji', emoji.test(text) ? 'yes' : 'no'],
  ];
  for (const [name, value] of content) b.categorical(name, value);
  b.text(variant.headline, 'headline');
  b.text(variant.body, 'body', 0.5);

  const who: Array<[string, string]> = [
    ['segment', audience.segmentId],
    ['tier', audience.tier ?? 'unknown'],
    ['price band', audience.priceBand ?? 'unknown'],
    ['favourite category', audience.topCategory ?? 'unknown'],
    ['recency', bucket(audience.recencyDays ?? 365, [7, 30, 90, 180])],
    ['frequency', bucket(audience.frequency ?? 0, [1, 2, 4, 8])],
  ];
  for (const [name, value] of who) b.categorical(name, value);
  for (const product of variant.products.slice(0, 3)) {
    if (product.category) {
      b.categorical('product category', product.category);
      b.cross(
        `favourite category=${audience.topCategory ?? 'unknown'}`,
        `product category=${product.category}`,
      );
    }
    if (product.price !== undefined)
      b.categorical('product price band', bucket(product.price, [10, 30, 100, 300, 1000]));
  }
  if (context.hour !== undefined) b.categorical('hour', bucket(context.hour, [6, 10, 14, 18, 22]));
  if (context.weekday !== undefined) b.categorical('weekday', String(context.weekday));
  for (const [name, value] of [content[0], content[1], content[6]] as Array<[string, string]>) {
    b.cross(`segment=${audience.segmentId}`, `${name}=${value}`);
    b.cross(`tier=${audience.tier ?? 'unknown'}`, `${name}=${value}`);
  }
  // The treatment and its interactions: what sending changes, for the uplift model.
  b.numeric('treated', context.treated);
  if (context.treated) {
    b.categorical('treated × tier', audience.tier ?? 'unknown');
    b.categorical('treated × channel', variant.channel);
  }
  return b.build();
}

/** A feature name as a person reads it: `goal=promotion` → `goal is promotion`. */
export function readableFeature(name: string): string {
  if (name.includes(' × ')) return name.split(' × ').map(readableFeature).join(' together with ');
  const colon = /^(headline|body):(.*)$/.exec(name);
  if (colon) return `the ${colon[1]} says "${colon[2]}"`;
  const [key, value] = name.split('=');
  return value === undefined ? (key ?? name) : `${key} is ${value}`;
}
