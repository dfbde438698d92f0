import * as z from 'zod';
import { zonedTimeToUtc } from '../shared/time';
import { categoryOfDescription } from './categories';

/**
 * Column mappings: how a real export becomes Tailor's events or products without
 * preprocessing. A mapping turns one source row into a canonical event and/or product (still
 * unvalidated: the canonical schemas check them), or says why the row is skipped.
 * Built-in presets cover the public data sets Tailor is evaluated on; any other layout is
 * described by a declarative mapping (`mappingSpecSchema`) sent with the upload.
 */
export type SourceRow = Record<string, unknown>;
export type Mapped =
  | { event?: Record<string, unknown>; product?: Record<string, unknown> }
  | { skip: string };

export interface Mapping {
  readonly name: string;
  readonly kind: 'events' | 'products';
  /** Column names for files without a header row. */
  readonly columns?: readonly string[];
  /**
   * ISO 4217 currency of the source's prices, for products whose row names none (a custom
   * mapping sets it with a `currency` column in `fields` or a constant in `constants`).
   */
  readonly currency?: string;
  map(row: SourceRow): Mapped;
}

const text = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  const raw = typeof value === 'string' ? value : String(value);
  const s = (raw.includes('\u00a0') ? raw.replace(/\u00a0/g, ' ') : raw).trim();
  return s === '' ? undefined : s;
};
const num = (value: unknown): number | undefined => {
  const s = text(value);
  if (s === undefined) return undefined;
  const n = Number(s.replace(/,/g, ''));
  return Number.isFinite(n) ? n : Number.NaN;
};
const titleCase = (s: string) =>
  s.toLowerCase().replace(/(^|[\s\-/(])([a-z])/g, (_, p: string, c: string) => p + c.toUpperCase());

/**
 * UCI Online Retail invoice lines. Cancellation invoices (`C…`) and negative quantities are
 * refunds of the absolute quantity; a line without a customer belongs to guest `guest:<invoice>`
 * (kept for baskets, left out of user features); `CustomerID` `17850.0` reads `17850`; times
 * are UK wall-clock (Europe/London); the category is derived from the description
 * (see categories.ts). Each line also yields its catalog item (title, category, price).
 */
const onlineRetail: Mapping = {
  name: 'uci-online-retail',
  kind: 'events',
  currency: 'GBP',
  map(row) {
    const invoice = text(row['InvoiceNo']);
    const stockCode = text(row['StockCode'])?.toUpperCase();
    const quantity = num(row['Quantity']);
    if (!invoice) return { skip: 'InvoiceNo: missing' };
    const customer = text(row['CustomerID'])?.replace(/\.0+$/, '');
    const description = text(row['Description']);
    const category =
      description || stockCode ? categoryOfDescription(description ?? '', stockCode ?? '') : undefined;
    const refund = invoice.startsWith('C') || (quantity !== undefined && quantity < 0);
    const at = text(row['InvoiceDate']);
    const event = {
      userId: customer ?? `guest:${invoice}`,
      type: refund ? 'refund' : 'purchase',
      orderId: invoice,
      productId: stockCode,
      quantity: quantity === undefined ? undefined : Math.abs(quantity),
      price: num(row['UnitPrice']),
      timestamp: at ? zonedTimeToUtc(at, 'Europe/London') : undefined,
      category,
    };
    const price = num(row['UnitPrice']);
    const product =
      stockCode && description && category && price !== undefined && price > 0 && !refund
        ? {
            productId: stockCode,
            title: titleCase(description),
            category,
            price,
            currency: 'GBP',
          }
        : undefined;
    return { event, product };
  },
};

const taobaoTypes: Record<string, string> = { pv: 'view', cart: 'cart', fav: 'favorite', buy: 'purchase' };

/** Taobao UserBehavior: no header; pv/cart/fav/buy; Unix seconds; categories are numeric ids. */
const taobao: Mapping = {
  name: 'taobao-userbehavior',
  kind: 'events',
  currency: 'CNY',
  columns: ['user_id', 'item_id', 'category_id', 'behavior_type', 'timestamp'],
  map(row) {
    const behaviour = text(row['behavior_type']);
    const type = behaviour ? taobaoTypes[behaviour] : undefined;
    if (!type) return { skip: `behavior_type: unknown value "${behaviour ?? ''}"` };
    const seconds = num(row['timestamp']);
    const category = text(row['category_id']);
    return {
      event: {
        userId: text(row['user_id']),
        type,
        productId: text(row['item_id']),
        category: category ? `cat-${category}` : undefined,
        timestamp: seconds === undefined ? undefined : seconds * 1000,
      },
    };
  },
};

/** BigBasket catalog: `index` is the product id (names repeat); sale price is the price. */
const bigbasket: Mapping = {
  name: 'bigbasket-catalog',
  kind: 'products',
  currency: 'INR',
  map(row) {
    const marketPrice = num(row['market_price']);
    const rating = num(row['rating']);
    const attributes: Record<string, string | number> = {};
    for (const [key, value] of [
      ['subCategory', text(row['sub_category'])],
      ['type', text(row['type'])],
      ['marketPrice', marketPrice],
      ['rating', rating],
    ] as const) {
      if (value !== undefined && !(typeof value === 'number' && Number.isNaN(value))) attributes[key] = value;
    }
    return {
      product: {
        productId: text(row['index']),
        title: text(row['product']),
        category: text(row['category']),
        brand: text(row['brand']),
        price: num(row['sale_price']),
        currency: 'INR',
        attributes,
      },
    };
  },
};

/**
 * Myntra catalog. It has no category column: the product type is the last word of the name
 * ("… Printed Medium Trolley Bag" → "Bag"; "… Sneakers" → "Sneakers"), title-cased.
 */
const myntra: Mapping = {
  name: 'myntra-catalog',
  kind: 'products',
  currency: 'INR',
  map(row) {
    const name = text(row['ProductName']);
    const lastWord = name?.split(/\s+/).pop();
    const attributes: Record<string, string> = {};
    const gender = text(row['Gender']);
    const colour = text(row['PrimaryColor']);
    if (gender) attributes['gender'] = gender;
    if (colour) attributes['colour'] = colour;
    return {
      product: {
        productId: text(row['ProductID']),
        title: name,
        category: lastWord ? titleCase(lastWord) : undefined,
        brand: text(row['ProductBrand']),
        price: num(row['Price (INR)']),
        currency: 'INR',
        description: text(row['Description']),
        attributes,
      },
    };
  },
};

/** Canonical layout: columns named as the event or product fields. */
const canonical = (kind: 'events' | 'products'): Mapping => ({
  name: 'canonical',
  kind,
  map: (row) => (kind === 'events' ? { event: coerceCanonical(row) } : { product: coerceCanonical(row) }),
});

const numericFields = ['quantity', 'price', 'rating'];
function coerceCanonical(row: SourceRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (typeof value !== 'string') {
      out[key] = value;
      continue;
    }
    const s = text(value);
    if (s === undefined) continue;
    out[key] = numericFields.includes(key) || (key === 'timestamp' && /^\d+$/.test(s)) ? num(s) : s;
  }
  return out;
}

export const presets: Record<string, Mapping> = Object.fromEntries(
  [onlineRetail, taobao, bigbasket, myntra].map((m) => [m.name, m]),
);

/**
 * A mapping file: which source column feeds each canonical field, value renames, constants,
 * and how timestamps are written. Example (Taobao): `{ "kind": "events", "columns": [...],
 * "fields": { "userId": "user_id", "type": "behavior_type", ... }, "values": { "type":
 * { "pv": "view" } }, "timestamp": { "unit": "s" } }`.
 */
export const mappingSpecSchema = z.object({
  kind: z.enum(['events', 'products']).default('events'),
  columns: z.array(z.string().min(1)).min(1).optional(),
  fields: z.record(z.string(), z.string().min(1)),
  values: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  constants: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  timestamp: z
    .object({
      unit: z.enum(['iso', 's', 'ms']).default('iso'),
      timeZone: z.string().min(1).optional(),
    })
    .default({ unit: 'iso' }),
});
export type MappingSpec = z.infer<typeof mappingSpecSchema>;

export function mappingFromSpec(spec: MappingSpec): Mapping {
  const base = canonical(spec.kind);
  return {
    name: 'custom',
    kind: spec.kind,
    columns: spec.columns,
    map(row) {
      const out: SourceRow = { ...spec.constants };
      for (const [field, column] of Object.entries(spec.fields)) {
        let value = row[column];
        const renames = spec.values[field];
        if (renames && typeof value === 'string' && value in renames) value = renames[value];
        if (value !== undefined) out[field] = value;
      }
      const at = text(out['timestamp']);
      if (at !== undefined) {
        if (spec.timestamp.unit === 's') out['timestamp'] = Number(at) * 1000;
        else if (spec.timestamp.unit === 'ms') out['timestamp'] = Number(at);
        else if (spec.timestamp.timeZone && !/[zZ]|[+-]\d\d:?\d\d$/.test(at)) {
          out['timestamp'] = zonedTimeToUtc(at, spec.timestamp.timeZone);
        }
      }
      return base.map(out);
    },
  };
}

/** The mapping an upload names: a preset, a mapping spec, or the canonical layout. */
export function resolveMapping(
  mapping: string | MappingSpec | undefined,
  kind: 'events' | 'products',
): Mapping | { error: string } {
  if (mapping === undefined || mapping === 'canonical') return canonical(kind);
  if (typeof mapping === 'string') {
    const preset = presets[mapping];
    if (!preset)
      return { error: `unknown column mapping "${mapping}"; presets: ${Object.keys(presets).join(', ')}` };
    return preset;
  }
  return mappingFromSpec(mapping);
}
