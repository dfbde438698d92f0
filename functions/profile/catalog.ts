import type { Table } from '../shared/ports';
import { redactPersonalData } from '../shared/redact';
import { fallbackCurrency } from '../shared/schemas';
import { describeIssue } from '../shared/validation';
import { type Product, productSchema, type Rejection } from './schema';

/**
 * A product as the catalog stores it: validated, personal data redacted from its description,
 * and priced in `defaultCurrency` when it names no currency (a bad code is a rejection).
 */
export function checkProduct(
  raw: unknown,
  defaultCurrency: string = fallbackCurrency,
): { product: Product } | { reason: string } {
  const parsed = productSchema.safeParse(raw);
  if (parsed.success) {
    const { description, currency } = parsed.data;
    return {
      product: {
        ...parsed.data,
        currency: currency ?? defaultCurrency,
        ...(description === undefined ? {} : { description: redactPersonalData(description) }),
      },
    };
  }
  const issue = parsed.error.issues[0];
  return { reason: issue ? describeIssue(issue) : 'invalid product' };
}

/**
 * Upsert catalog items by product id; a later item with the same id in the batch wins. Items
 * without a currency are priced in `defaultCurrency`.
 */
export async function upsertProducts(
  items: readonly unknown[],
  catalog: Table,
  now: Date = new Date(),
  defaultCurrency: string = fallbackCurrency,
): Promise<{ upserted: number; rejected: Rejection[] }> {
  const rejected: Rejection[] = [];
  const byId = new Map<string, Product>();
  items.forEach((raw, index) => {
    const checked = checkProduct(raw, defaultCurrency);
    if ('reason' in checked) rejected.push({ index, reason: checked.reason });
    else byId.set(checked.product.productId, checked.product);
  });
  const updatedAt = now.toISOString();
  await catalog.batchPut([...byId.values()].map((product) => ({ ...product, updatedAt })));
  return { upserted: byId.size, rejected };
}
