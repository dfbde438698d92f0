import type { Table } from '../shared/ports';
import { redactPersonalData } from '../shared/redact';
import { describeIssue } from '../shared/validation';
import { type Product, productSchema, type Rejection } from './schema';

export function checkProduct(raw: unknown): { product: Product } | { reason: string } {
  const parsed = productSchema.safeParse(raw);
  if (parsed.success) {
    const { description } = parsed.data;
    return {
      product:
        description === undefined
          ? parsed.data
          : { ...parsed.data, description: redactPersonalData(description) },
    };
  }
  const issue = parsed.error.issues[0];
  return { reason: issue ? describeIssue(issue) : 'invalid product' };
}

/** Upsert catalog items by product id; a later item with the same id in the batch wins. */
export async function upsertProducts(
  items: readonly unknown[],
  catalog: Table,
  now: Date = new Date(),
): Promise<{ upserted: number; rejected: Rejection[] }> {
  const rejected: Rejection[] = [];
  const byId = new Map<string, Product>();
  items.forEach((raw, index) => {
    const checked = checkProduct(raw);
    if ('reason' in checked) rejected.push({ index, reason: checked.reason });
    else byId.set(checked.product.productId, checked.product);
  });
  const updatedAt = now.toISOString();
  await catalog.batchPut([...byId.values()].map((product) => ({ ...product, updatedAt })));
  return { upserted: byId.size, rejected };
}
