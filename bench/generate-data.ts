/**
 * The real data the generation benchmarks feed the generator (not a benchmark itself):
 * AdvertiseGen's dev split as catalog products (Chinese) and the Myntra catalog (English),
 * both from shared/data (see each folder's README), plus the pipeline the generate function
 * runs per request: brief → chat request → embedded completion → strict parse.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { toBrief } from '../functions/generate/core';
import { buildChatRequest } from '../functions/generate/prompt';
import { type GenerateInput, generateBodySchema, type Product } from '../functions/generate/schema';
import { type CopyOutput, parseCompletion } from '../model/contract';
import { completeEmbedded } from '../model/embedded';

export const dataDir = join(import.meta.dirname, '..', '..', 'shared', 'data');

// ---------------------------------------------------------------------------------------------
// AdvertiseGen (zh)
// ---------------------------------------------------------------------------------------------

export interface AdRecord {
  /** The `content` field as written: `key#value` pairs joined by `*`. */
  readonly content: string;
  /** The human-written copy. */
  readonly summary: string;
  readonly attributes: ReadonlyArray<readonly [key: string, value: string]>;
}

/** The 1,070 dev records, in file order. */
export function loadAdvertiseGen(): AdRecord[] {
  const text = readFileSync(join(dataDir, 'advertisegen', 'dev.json'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const { content, summary } = JSON.parse(line) as { content: string; summary: string };
      const attributes = content.split('*').map((pair) => {
        const at = pair.indexOf('#');
        return [pair.slice(0, at), pair.slice(at + 1)] as const;
      });
      return { content, summary, attributes };
    });
}

const typeNames: Record<string, string> = { 裙: '裙子', 上衣: '上衣', 裤: '裤子' };

/**
 * A catalog product for an attribute set. Title: the first style (风格) and the most specific
 * garment kind (衣样式, 裙长 or 裙型 naming a skirt, 裤型 or 裤长 naming trousers; else the
 * type), e.g. 简约外套. Category: the type (类型). Every attribute as a product attribute, a
 * repeated key numbered (风格, 风格2). AdvertiseGen has no prices and the contract requires one,
 * so the price is 0 (see the benchmark's notes).
 */
export function advertiseGenProduct(record: AdRecord, productId: string): Product {
  const first = (key: string, suffix = '') =>
    record.attributes.find(([k, v]) => k === key && v.endsWith(suffix))?.[1];
  const type = first('类型') ?? '服饰';
  const kind =
    first('衣样式') ??
    first('裙长', '裙') ??
    first('裙型', '裙') ??
    first('裤型', '裤') ??
    first('裤长', '裤') ??
    typeNames[type] ??
    type;
  const style = first('风格') ?? '';
  const attributes: Record<string, string> = {};
  const seen = new Map<string, number>();
  for (const [key, value] of record.attributes) {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    attributes[n === 1 ? key : `${key}${n}`] = value;
  }
  return { productId, title: `${style}${kind}`, category: type, price: 0, attributes };
}

/** The distinct attribute values of a record: what attribute coverage counts. */
export function attributeValues(record: AdRecord): string[] {
  return [...new Set(record.attributes.map(([, v]) => v))];
}

// ---------------------------------------------------------------------------------------------
// Myntra (en)
// ---------------------------------------------------------------------------------------------

export interface MyntraProduct {
  readonly product: Product;
  readonly brand: string;
  /** Trimmed PrimaryColor; empty for 894 products. */
  readonly colour: string;
  readonly gender: string;
  /** The product type, from the end of the name (see `productType`). */
  readonly type: string;
}

/** All 12,491 products, in file order. */
export function loadMyntra(): MyntraProduct[] {
  const rows = parse(readFileSync(join(dataDir, 'myntra-product-catalog', 'myntra_products_catalog.csv')), {
    columns: true,
    skip_empty_lines: true,
  }) as Array<Record<string, string>>;
  return rows.map((row) => {
    const title = (row['ProductName'] ?? '').replace(/\u00a0/g, ' ').trim();
    const brand = (row['ProductBrand'] ?? '').trim();
    const colour = (row['PrimaryColor'] ?? '').trim();
    const gender = (row['Gender'] ?? '').trim();
    const type = productType(title);
    const attributes: Record<string, string> = { gender };
    if (colour) attributes['colour'] = colour;
    return {
      product: {
        productId: `myntra-${row['ProductID']}`,
        title,
        category: type,
        price: Number(row['Price (INR)']),
        brand,
        attributes,
        description: (row['Description'] ?? '').slice(0, 20_000),
      },
      brand,
      colour,
      gender,
      type,
    };
  });
}

/** Head nouns that need the word before them to name a type ("Trolley Bag", "Kurta Set"). */
const weakHeads = new Set(['set', 'bag', 'bags', 'shoes', 'wear', 'suit', 'pack', 'cap', 'top', 'tops']);

/**
 * The product type at the end of a Myntra name, without a trailing "with ..." clause:
 * "... Printed Medium Trolley Bag" → "Trolley Bag", "... Kurta Set with Jacket" → "Kurta Set",
 * "... Slim Fit Casual Shirt" → "Shirt".
 */
export function productType(name: string): string {
  const words = name
    .replace(/\s+with\s.*$/i, '')
    .split(/\s+/)
    .filter(Boolean);
  const last = words.at(-1) ?? name;
  const before = words.at(-2);
  return weakHeads.has(last.toLowerCase()) && before ? `${before} ${last}` : last;
}

// ---------------------------------------------------------------------------------------------
// The generate function's request path, without the ports
// ---------------------------------------------------------------------------------------------

/** A request as the generate function validates it (defaults filled in). */
export function generateInput(body: Record<string, unknown>): GenerateInput {
  return generateBodySchema.parse(body);
}

/**
 * The copy the embedded generator writes for a request, through the same contract the
 * generate function uses: toBrief → buildChatRequest → completeEmbedded → JSON → parseCompletion.
 */
export function embeddedCopy(input: GenerateInput, products: readonly Product[], seed: number): CopyOutput {
  const request = buildChatRequest(toBrief(input, products), seed);
  return parseCompletion(JSON.stringify(completeEmbedded(request)));
}

/** n distinct indices below `size`, drawn with a seeded shuffle. */
export function sampleIndices(
  size: number,
  n: number,
  rng: { shuffle<T>(items: readonly T[]): T[] },
): number[] {
  return rng
    .shuffle(Array.from({ length: size }, (_, i) => i))
    .slice(0, n)
    .sort((a, b) => a - b);
}
