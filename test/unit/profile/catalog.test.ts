import { checkProduct, upsertProducts } from '../../../functions/profile/catalog';
import type { Table } from '../../../functions/shared/ports';

const shoe = { productId: 'p1', title: 'Trail Runner', category: 'shoes', price: 39.9 };

describe('product currencies', () => {
  it('keeps a valid ISO 4217 code, upper-cased', () => {
    expect(checkProduct({ ...shoe, currency: 'gbp' })).toEqual({ product: { ...shoe, currency: 'GBP' } });
  });

  it('prices a product that names no currency in the default given, else USD', () => {
    expect(checkProduct(shoe, 'INR')).toEqual({ product: { ...shoe, currency: 'INR' } });
    expect(checkProduct(shoe)).toEqual({ product: { ...shoe, currency: 'USD' } });
  });

  it('rejects a code that is not ISO 4217, naming the field and the value', () => {
    expect(checkProduct({ ...shoe, currency: 'RMB' })).toEqual({
      reason: expect.stringMatching(/currency.*"RMB" is not an ISO 4217 currency code/),
    });
  });

  it('stores the batch with currencies and reports bad codes as rejections', async () => {
    const stored: Record<string, unknown>[] = [];
    const table = {
      batchPut: async (rows: Record<string, unknown>[]) => void stored.push(...rows),
    } as unknown as Table;
    const result = await upsertProducts(
      [shoe, { ...shoe, productId: 'p2', currency: 'XYZ' }],
      table,
      new Date('2026-01-01T00:00:00Z'),
      'CNY',
    );
    expect(result.upserted).toBe(1);
    expect(result.rejected).toEqual([
      { index: 1, reason: expect.stringMatching(/"XYZ" is not an ISO 4217/) },
    ]);
    expect(stored).toEqual([{ ...shoe, currency: 'CNY', updatedAt: '2026-01-01T00:00:00.000Z' }]);
  });
});
