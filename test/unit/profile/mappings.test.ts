import { categoryOfDescription } from '../../../functions/profile/categories';
import { checkEvent } from '../../../functions/profile/events';
import { mappingSpecSchema, presets, resolveMapping } from '../../../functions/profile/mappings';
import { zonedTimeToUtc } from '../../../functions/shared/time';

const map = (name: string, row: Record<string, string>) => {
  const mapping = presets[name];
  if (!mapping) throw new Error(`no preset ${name}`);
  return mapping.map(row);
};

describe('the UCI Online Retail preset', () => {
  const line = {
    InvoiceNo: '536365',
    StockCode: '85123A',
    Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
    Quantity: '6',
    InvoiceDate: '2011-06-01 08:26:00',
    UnitPrice: '2.55',
    CustomerID: '17850.0',
    Country: 'United Kingdom',
  };

  it('reads an invoice line as a purchase in UTC, with its catalog item and derived category', () => {
    const mapped = map('uci-online-retail', line);
    expect(mapped).toMatchObject({
      event: {
        userId: '17850',
        type: 'purchase',
        orderId: '536365',
        productId: '85123A',
        quantity: 6,
        price: 2.55,
        category: 'lighting',
      },
      product: {
        productId: '85123A',
        title: 'White Hanging Heart T-Light Holder',
        category: 'lighting',
        price: 2.55,
      },
    });
    // June: British Summer Time, one hour ahead of UTC.
    expect(checkEvent((mapped as { event: unknown }).event)).toMatchObject({
      event: { timestamp: '2011-06-01T07:26:00.000Z' },
    });
  });

  it('reads a cancellation as a refund of the absolute quantity, without a catalog item', () => {
    const mapped = map('uci-online-retail', { ...line, InvoiceNo: 'C536379', Quantity: '-2' });
    expect(mapped).toMatchObject({ event: { type: 'refund', quantity: 2 } });
    expect(mapped).not.toHaveProperty('product.productId');
  });

  it('gives a line without a customer to a guest of its invoice', () => {
    expect(map('uci-online-retail', { ...line, CustomerID: '' })).toMatchObject({
      event: { userId: 'guest:536365' },
    });
  });

  it('marks postage and fees as non-product', () => {
    expect(map('uci-online-retail', { ...line, StockCode: 'POST', Description: 'POSTAGE' })).toMatchObject({
      event: { category: 'non-product' },
    });
  });
});

describe('the other presets', () => {
  it('reads Taobao behaviour types and Unix seconds', () => {
    const mapped = map('taobao-userbehavior', {
      user_id: '1',
      item_id: '2',
      category_id: '3',
      behavior_type: 'fav',
      timestamp: '1511658000',
    });
    expect(mapped).toMatchObject({
      event: { userId: '1', type: 'favorite', productId: '2', category: 'cat-3', timestamp: 1511658000000 },
    });
    expect(
      map('taobao-userbehavior', {
        user_id: '1',
        item_id: '2',
        category_id: '3',
        behavior_type: 'share',
        timestamp: '1',
      }),
    ).toEqual({
      skip: 'behavior_type: unknown value "share"',
    });
  });

  it('reads BigBasket products with the sale price and MRP', () => {
    const mapped = map('bigbasket-catalog', {
      index: '1',
      product: 'Garlic Oil - Vegetarian Capsule 500 mg',
      category: 'Beauty & Hygiene',
      sub_category: 'Hair Care',
      brand: 'Sri Sri Ayurveda ',
      sale_price: '220',
      market_price: '240',
      type: 'Hair Oil & Serum',
      rating: '',
    });
    expect(mapped).toMatchObject({
      product: {
        productId: '1',
        brand: 'Sri Sri Ayurveda',
        price: 220,
        attributes: { marketPrice: 240, subCategory: 'Hair Care' },
      },
    });
  });

  it('reads Myntra products, the type from the last word of the name', () => {
    const mapped = map('myntra-catalog', {
      ProductID: '10017413',
      ProductName: 'DKNY Unisex Black & Grey Printed Medium Trolley Bag',
      ProductBrand: 'DKNY',
      Gender: 'Unisex',
      'Price (INR)': '11745',
      Description: 'Black and grey printed medium trolley bag',
      PrimaryColor: ' Black',
    });
    expect(mapped).toMatchObject({
      product: { category: 'Bag', price: 11745, attributes: { colour: 'Black', gender: 'Unisex' } },
    });
  });
});

describe('mapping specs', () => {
  it('renames columns and values and converts times', () => {
    const spec = mappingSpecSchema.parse({
      columns: ['u', 'i', 'b', 't'],
      fields: { userId: 'u', productId: 'i', type: 'b', timestamp: 't' },
      values: { type: { buy: 'purchase' } },
      constants: { quantity: 1 },
      timestamp: { unit: 's' },
    });
    const mapping = resolveMapping(spec, 'events');
    if ('error' in mapping) throw new Error(mapping.error);
    expect(mapping.columns).toEqual(['u', 'i', 'b', 't']);
    expect(mapping.map({ u: 'a', i: 'p', b: 'buy', t: '1700000000' })).toEqual({
      event: { userId: 'a', productId: 'p', type: 'purchase', timestamp: 1700000000000, quantity: 1 },
    });
  });

  it('names the presets when asked for an unknown one', () => {
    expect(resolveMapping('sap-export', 'events')).toEqual({
      error: expect.stringMatching(/unknown column mapping "sap-export"; presets: uci-online-retail/),
    });
  });
});

describe('categories from descriptions', () => {
  it.each([
    ['JUMBO BAG RED RETROSPOT', 'bags'],
    ['SET OF 3 CAKE TINS PANTRY DESIGN', 'lunch-storage'],
    ['PAPER CHAIN KIT 50S CHRISTMAS', 'christmas'],
    ['ALARM CLOCK BAKELIKE RED', 'home-decor'],
    ['SOMETHING UNHEARD OF', 'other'],
  ])('%s → %s', (description, category) => {
    expect(categoryOfDescription(description, '12345')).toBe(category);
  });
});

describe('zoned wall-clock times', () => {
  it('reads London winter time as UTC and summer time as UTC+1', () => {
    expect(new Date(zonedTimeToUtc('2011-01-10 09:00:00', 'Europe/London')).toISOString()).toBe(
      '2011-01-10T09:00:00.000Z',
    );
    expect(new Date(zonedTimeToUtc('2011-07-10 09:00', 'Europe/London')).toISOString()).toBe(
      '2011-07-10T08:00:00.000Z',
    );
    // Half-hour offsets: Newfoundland is UTC−3:30 in winter and UTC−2:30 in summer.
    expect(new Date(zonedTimeToUtc('2026-01-15 12:00', 'America/St_Johns')).toISOString()).toBe(
      '2026-01-15T15:30:00.000Z',
    );
    expect(new Date(zonedTimeToUtc('2026-07-15 12:00', 'America/St_Johns')).toISOString()).toBe(
      '2026-07-15T14:30:00.000Z',
    );
  });

  it('answers NaN for text that is not a date-time', () => {
    expect(zonedTimeToUtc('yesterday', 'Europe/London')).toBeNaN();
  });
});

describe('currencies of the real data sets', () => {
  it.each([
    ['uci-online-retail', 'GBP'],
    ['myntra-catalog', 'INR'],
    ['bigbasket-catalog', 'INR'],
    ['taobao-userbehavior', 'CNY'],
  ])('the %s preset prices in %s', (name, currency) => {
    expect(presets[name]?.currency).toBe(currency);
  });

  it('puts the currency on the products the presets read, not among their attributes', () => {
    const myntra = map('myntra-catalog', {
      ProductID: '1',
      ProductName: 'Roadster Men Blue Jeans',
      ProductBrand: 'Roadster',
      'Price (INR)': '799',
    });
    expect(myntra).toMatchObject({ product: { price: 799, currency: 'INR' } });
    expect((myntra as { product: { attributes: object } }).product.attributes).not.toHaveProperty('currency');
  });

  it('reads a currency column of a custom mapping', () => {
    const mapping = resolveMapping(
      mappingSpecSchema.parse({
        kind: 'products',
        fields: { productId: 'id', title: 'name', category: 'cat', price: 'p', currency: 'cur' },
      }),
      'products',
    );
    if ('error' in mapping) throw new Error(mapping.error);
    expect(mapping.map({ id: 'a', name: 'Tea', cat: 'food', p: '3.5', cur: 'eur' })).toMatchObject({
      product: { currency: 'eur', price: 3.5 },
    });
  });
});
