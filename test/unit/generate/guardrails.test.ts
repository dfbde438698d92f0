import fc from 'fast-check';
import { claimClasses, claimSpecs } from '../../../functions/generate/claims';
import {
  type CatalogFacts,
  checkBannedWords,
  checkDiscounts,
  checkLatinWords,
  checkLength,
  checkMustAvoid,
  checkMustInclude,
  checkNearDuplicate,
  checkPersonalData,
  checkPriceCurrency,
  checkPrices,
  checkSmsSegments,
  checkUnsupportedClaims,
  checkVariant,
  similarity,
} from '../../../functions/generate/guardrails';
import { formatPrice } from '../../../model/money';

const copy = (headline: string, body: string, callToAction = 'Shop now') => ({
  headline,
  body,
  callToAction,
});

const shoe: CatalogFacts = {
  title: 'Acme Trail Runner 2',
  category: 'Running shoes',
  price: 39.9,
  brand: 'Acme',
};
const tee: CatalogFacts = {
  title: '纯棉T恤 2件装',
  category: '服装',
  price: 79,
  attributes: { 折扣: '8折' },
};

describe('the length guardrail', () => {
  it('passes copy within the channel limits', () => {
    expect(checkLength(copy('A great tee', 'Now 19.'), 'push', 'en')).toEqual({
      rule: 'length',
      passed: true,
    });
  });

  it('fails an English headline over the word limit, counting words', () => {
    const check = checkLength(copy('one two three four five six seven', 'Body.'), 'banner', 'en');
    expect(check.passed).toBe(false);
    expect(check.reason).toBe('headline has 7 words, banner allows 6');
  });

  it('fails a Chinese headline over the limit, counting characters', () => {
    const check = checkLength(copy('一二三四五六七八九十一二三四五六七', '正文。', '去看看'), 'banner', 'zh');
    expect(check.reason).toBe('headline has 17 characters, banner allows 16');
  });

  it('fails a call to action longer than five words', () => {
    const check = checkLength(copy('Hi', 'Body.', 'Click here to see it now'), 'push', 'en');
    expect(check.reason).toMatch(/call to action has 6 words/);
  });
});

describe('the SMS segment guardrail', () => {
  it('passes a GSM-7 message of 157 characters in one segment', () => {
    expect(checkSmsSegments(copy('Hi', 'a'.repeat(150), 'Buy'), 1).passed).toBe(true);
  });

  it('fails a GSM-7 message of 161 characters when one segment is allowed', () => {
    expect(checkSmsSegments(copy('Hi', 'a'.repeat(154), 'Buy'), 1).reason).toMatch(/2 GSM-7 segments/);
    expect(checkSmsSegments(copy('Hi', 'a'.repeat(154), 'Buy'), 2).passed).toBe(true);
  });

  it('fails a UCS-2 message over the limit, naming segments and encoding', () => {
    const check = checkSmsSegments(copy('你好', '好'.repeat(140), '买'), 2);
    expect(check).toEqual({
      rule: 'sms_segments',
      passed: false,
      reason: 'the SMS takes 3 UCS-2 segments (145 units), at most 2 allowed',
    });
  });
});

describe('the banned words guardrail', () => {
  it('passes copy without unsupported claims, and does not match inside words', () => {
    expect(checkBannedWords(copy('Bestow a gift', 'Cured meats, 39.9.')).passed).toBe(true);
  });

  it('fails English superlatives and guarantees, ignoring case', () => {
    const check = checkBannedWords(copy('The BEST shoe', 'Guaranteed comfort, 100% risk-free.'));
    expect(check.passed).toBe(false);
    expect(check.reason).toBe(
      'uses banned or unsupported wording: "best", "guaranteed", "100%", "risk-free"',
    );
  });

  it('fails Chinese claims', () => {
    const check = checkBannedWords(copy('销量第一的跑鞋', '保证根治脚痛。', '去看看'));
    expect(check.reason).toBe('uses banned or unsupported wording: "第一", "保证", "根治"');
  });

  it("fails a brand's own banned words", () => {
    expect(checkBannedWords(copy('Cheap shoes', 'Now 39.9.'), ['cheap']).reason).toMatch(/"cheap"/);
    expect(checkBannedWords(copy('Cheap shoes', 'Now 39.9.')).passed).toBe(true);
  });
});

describe('the must-avoid and must-include guardrails', () => {
  it('fails a must-avoid term and passes without it', () => {
    expect(checkMustAvoid(copy('Free shipping today', 'Now 39.9.'), ['free shipping'])).toEqual({
      rule: 'must_avoid',
      passed: false,
      reason: 'uses terms the request must avoid: "free shipping"',
    });
    expect(checkMustAvoid(copy('New shoes', 'Now 39.9.'), ['free shipping']).passed).toBe(true);
  });

  it('fails when a must-include term is missing and passes when present in any part', () => {
    expect(checkMustInclude(copy('New shoes', 'Now 39.9.'), ['SPRING24']).reason).toBe(
      'does not include required terms: "SPRING24"',
    );
    expect(checkMustInclude(copy('New shoes', 'Now 39.9.', 'Use spring24'), ['SPRING24']).passed).toBe(true);
  });
});

describe('the catalog price guardrail', () => {
  it('passes the catalog price however it is written', () => {
    for (const body of ['Now 39.9.', 'Only ¥39.9!', 'Just $39.90 today.', '到手价39.9元。']) {
      expect(checkPrices(copy('Acme Trail Runner 2', body), [shoe]).passed).toBe(true);
    }
  });

  it('does not read numbers in catalog text or plain counts as prices', () => {
    expect(checkPrices(copy('Acme Trail Runner 2 is here', 'Pick 2 colours, 39.9.'), [shoe]).passed).toBe(
      true,
    );
    expect(checkPrices(copy('纯棉T恤 2件装', '只要79元。', '去看看'), [tee]).passed).toBe(true);
  });

  it('fails a price that is not in the catalog', () => {
    const check = checkPrices(copy('Acme Trail Runner 2', 'Was $59.90, now $35.'), [shoe]);
    expect(check).toEqual({
      rule: 'catalog_prices',
      passed: false,
      reason: 'states "$59.90", "$35", which are not a catalog price (catalog: 39.9)',
    });
  });

  it('fails a made-up Chinese price', () => {
    expect(checkPrices(copy('跑鞋特惠', '仅需29.9！', '去抢'), [shoe]).passed).toBe(false);
  });
});

describe('the catalog discount guardrail', () => {
  it('passes a discount that matches the discount attribute, as 折 or as percent off', () => {
    expect(checkDiscounts(copy('T恤8折', '现价79。', '去抢'), [tee]).passed).toBe(true);
    expect(checkDiscounts(copy('Tees 20% off', 'Now 79.'), [tee]).passed).toBe(true);
  });

  it('fails a discount the catalog does not give', () => {
    expect(checkDiscounts(copy('T恤7折', '现价79。', '去抢'), [tee]).reason).toBe(
      'states "7折"; catalog discounts: 20% off',
    );
  });

  it('fails any discount when no product has a discount attribute', () => {
    expect(checkDiscounts(copy('Save 30% today', 'Now 39.9.'), [shoe]).reason).toBe(
      'states "30%"; the catalog gives no discount',
    );
  });
});

describe('the personal data guardrail', () => {
  it('passes copy without contact details', () => {
    expect(checkPersonalData(copy('Acme Trail Runner 2', 'Now 39.9.')).passed).toBe(true);
  });

  it('fails copy with an e-mail address or a phone number', () => {
    expect(checkPersonalData(copy('Hi', 'Write to jane.doe@example.com')).passed).toBe(false);
    expect(checkPersonalData(copy('你好', '致电13812345678', '去看看')).reason).toMatch(/personal data/);
  });
});

describe('the near-duplicate guardrail', () => {
  const first = copy(
    'The stylish Acme Trail Runner 2 now 39.9',
    'Acme Trail Runner 2 is now 39.9. Made to last.',
  );

  it('fails a variant at least 80% similar to a kept one', () => {
    const again = copy(
      'The stylish Acme Trail Runner 2 now 39.9!',
      'Acme Trail Runner 2 is now 39.9. Made to last!',
    );
    const check = checkNearDuplicate(again, [first]);
    expect(check.passed).toBe(false);
    expect(check.reason).toMatch(/similar to kept variant 1/);
  });

  it('passes a different variant', () => {
    const other = copy('Meet the new Acme shoe', 'Light on the trail, 39.9. Be among the first to try it.');
    expect(similarity(`${other.headline}\n${other.body}`, `${first.headline}\n${first.body}`)).toBeLessThan(
      0.8,
    );
    expect(checkNearDuplicate(other, [first]).passed).toBe(true);
  });
});

describe('checkVariant', () => {
  it('runs every per-variant rule, and the SMS rule only on SMS', () => {
    const v = copy('Acme Trail Runner 2', 'Now 39.9.');
    const policy = { channel: 'push', language: 'en', products: [shoe] } as const;
    expect(checkVariant(v, policy).map((c) => c.rule)).toEqual([
      'length',
      'banned_words',
      'unsupported_claims',
      'must_avoid',
      'must_include',
      'catalog_prices',
      'price_currency',
      'catalog_discounts',
      'personal_data',
    ]);
    expect(checkVariant(v, { ...policy, channel: 'sms' }).map((c) => c.rule)).toContain('sms_segments');
    expect(checkVariant(v, { ...policy, language: 'zh' }).map((c) => c.rule)).toContain('latin_words');
    expect(checkVariant(v, policy).every((c) => c.passed)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Issue 13: claims, currency, Latin words in Chinese copy
// ---------------------------------------------------------------------------------------------

const trousers: CatalogFacts = { title: '简约直筒裤', category: '裤子', price: 259, currency: 'CNY' };
const jeans: CatalogFacts = {
  title: 'Roadster Men Blue Slim Fit Jeans',
  category: 'Jeans',
  price: 799,
  currency: 'INR',
  brand: 'Roadster',
};
const towel: CatalogFacts = { title: 'Set/2 Tea Towels', category: 'baking', price: 2.95, currency: 'GBP' };

describe('the unsupported claims guardrail', () => {
  it.each([
    ['热门裤，口碑之选', '用过的人都说好。'],
    ['爆款直筒裤', '月销过万，人气单品。'],
    ['限量发售', '仅剩3件，手慢无！'],
    ['秒杀倒计时', '最后一天，今日截止。'],
    ['热销好物', '抢购进行中，断货就没了。'],
  ])('fails Chinese claims without evidence: %s', (headline, body) => {
    const check = checkUnsupportedClaims(copy(headline, body, '去看看'), [trousers]);
    expect(check.passed).toBe(false);
    expect(check.reason).toMatch(/but no product's data gives/);
  });

  it.each([
    ['Our best-seller is back', 'The most popular jeans this season.'],
    ['Trending now', 'Top-rated by shoppers, a customer favourite.'],
    ['Only 3 left', 'Selling fast, limited stock.'],
    ['Ends today', 'Last chance: the offer ends tonight.'],
  ])('fails English claims without evidence: %s', (headline, body) => {
    expect(checkUnsupportedClaims(copy(headline, body), [jeans]).passed).toBe(false);
  });

  it('names each class, its wordings and the evidence it needs, for the marketer', () => {
    expect(checkUnsupportedClaims(copy('热门裤', '口碑之选，限时特惠'), [trousers]).reason).toBe(
      'claims reviews or ratings ("口碑"), but no product\'s data gives a rating of at least 4 (attribute rating, reviewScore or 评分); ' +
        'claims popularity or sales ("热门"), but no product\'s data gives a sales count (attribute sales, sold or 销量); ' +
        'claims a deadline or countdown ("限时"), but no product\'s data gives an end date (attribute endDate, endsAt, offerEnds or 截止)',
    );
  });

  it('passes a claim the product data supports, class by class', () => {
    const v = copy('Top-rated jeans, a best-seller', 'Only 3 left, the offer ends today.');
    const supported = {
      ...jeans,
      attributes: { rating: 4.6, sales: 12000, stock: 3, offerEnds: '2026-12-04' },
    };
    expect(checkUnsupportedClaims(v, [supported]).passed).toBe(true);
    const noStock = { ...supported, attributes: { rating: 4.6, sales: 12000, offerEnds: '2026-12-04' } };
    expect(checkUnsupportedClaims(v, [noStock]).reason).toMatch(/^claims limited stock \("Only 3 left"\)/);
  });

  it('does not count a low rating, a zero sales count or an empty stock as evidence', () => {
    const v = copy('好评如潮', '热销好物。', '去看看');
    expect(checkUnsupportedClaims(v, [{ ...trousers, attributes: { 评分: '3.2', 销量: 0 } }]).passed).toBe(
      false,
    );
    expect(checkUnsupportedClaims(v, [{ ...trousers, attributes: { 评分: '4.8', 销量: 530 } }]).passed).toBe(
      true,
    );
  });

  it('passes wording that only looks like a claim (热情, not 热门) and claims in the product title', () => {
    const v = copy('热情夏日，人字拖上新', '简约直筒裤，热爱生活的你。', '去看看');
    expect(checkUnsupportedClaims(v, [trousers]).passed).toBe(true);
    const limited = { ...trousers, title: '限量版礼盒' };
    expect(checkUnsupportedClaims(copy('限量版礼盒', '送礼好选择。', '去看看'), [limited]).passed).toBe(true);
    expect(checkUnsupportedClaims(copy('Popularity aside', 'Bestow a gift.'), [jeans]).passed).toBe(true);
  });

  it('fails any Chinese claim wording of any class placed anywhere in valid copy (property)', () => {
    const wordings = claimClasses.flatMap((kind) => claimSpecs[kind].zh.map((w) => [kind, w] as const));
    fc.assert(
      fc.property(
        fc.constantFrom(...wordings),
        fc.constantFrom('简约直筒裤，', '宽松舒适，', '百搭好穿，', ''),
        fc.constantFrom('上身显瘦。', '通勤约会都合适。', ''),
        ([kind, wording], before, after) => {
          const check = checkUnsupportedClaims(copy('直筒裤', `${before}${wording}${after}`, '去看看'), [
            trousers,
          ]);
          return !check.passed && (check.reason ?? '').includes(claimSpecs[kind].label);
        },
      ),
    );
  });
});

describe('the price currency guardrail', () => {
  it('passes the price written as formatPrice writes it, in either language and style', () => {
    for (const body of ['到手价¥259。', '只要259元。', '现价￥259']) {
      expect(checkPriceCurrency(copy('简约直筒裤', body, '去看看'), [trousers], 'zh').passed).toBe(true);
    }
    expect(checkPriceCurrency(copy('Roadster jeans', 'Now ₹799.'), [jeans], 'en').passed).toBe(true);
    expect(checkPriceCurrency(copy('Tea towels', 'Just £2.95 for two.'), [towel], 'en').passed).toBe(true);
    expect(checkPriceCurrency(copy('Tea towels', 'Now GBP 2.95.'), [towel], 'en').passed).toBe(true);
  });

  it('fails a bare price, saying how to write it', () => {
    expect(checkPriceCurrency(copy('简约直筒裤，到手价259', '好穿。', '去看看'), [trousers], 'zh')).toEqual({
      rule: 'price_currency',
      passed: false,
      reason: 'states the price "259" without its currency (write ¥259)',
    });
    expect(checkPriceCurrency(copy('The Roadster for just 799', 'Slim fit.'), [jeans], 'en').reason).toBe(
      'states the price "799" without its currency (write ₹799)',
    );
  });

  it('fails a price marked with another currency', () => {
    expect(checkPriceCurrency(copy('Tea towels for $2.95', 'Two of them.'), [towel], 'en').reason).toBe(
      'states the price "2.95" in $, but the product is priced in GBP (write £2.95)',
    );
  });

  it('leaves numbers that are not the price alone: counts, sizes, model numbers, discounts', () => {
    const x200 = { ...jeans, title: 'Roadster X200 Jeans', price: 1299 };
    const v = copy('Roadster X200 Jeans', 'Pick 2 colours, 20% off, ₹1,299.');
    expect(checkPriceCurrency(v, [x200], 'en').passed).toBe(true);
  });

  it('passes every formatPrice form of the price and fails the bare number (property)', () => {
    const currencies = ['CNY', 'GBP', 'INR', 'USD', 'EUR', 'JPY', 'HKD', 'CHF'];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 99_999 }),
        fc.constantFrom(...currencies),
        fc.constantFrom('zh' as const, 'en' as const),
        fc.constantFrom('symbol' as const, 'word' as const),
        (cents, currency, language, style) => {
          const price = currency === 'JPY' ? cents : cents / 100;
          const product = { title: 'Item', category: 'goods', price, currency };
          const written = formatPrice(price, currency, language, style);
          const lead = language === 'zh' ? '到手价' : 'Now ';
          const good = checkPriceCurrency(copy('Item', `${lead}${written}.`), [product], language);
          const bare = checkPriceCurrency(copy('Item', `${lead}${String(price)}.`), [product], language);
          return good.passed && !bare.passed;
        },
      ),
    );
  });
});

describe('the Latin words guardrail (Chinese copy)', () => {
  it('fails English category words inside Chinese copy, naming them', () => {
    expect(checkLatinWords(copy('好价入手高级感baking', '热门lighting带回家', '去看看'), [towel])).toEqual({
      rule: 'latin_words',
      passed: false,
      reason:
        'Chinese copy uses English words "baking", "lighting" that are not the product\'s title, brand or model; write them in Chinese',
    });
  });

  it("passes the product's title quoted whole, its brand, its model number and attribute values", () => {
    const product = { ...jeans, attributes: { 型号: 'X200', 领型: 'polo' } };
    const v = copy('Roadster X200 牛仔裤', 'Roadster Men Blue Slim Fit Jeans，polo领设计。', '去看看');
    expect(checkLatinWords(v, [product]).passed).toBe(true);
  });

  it('fails a word of the title used on its own', () => {
    expect(checkLatinWords(copy('Slim Fit 牛仔裤', '百搭。', '去看看'), [jeans]).reason).toMatch(
      /"Slim", "Fit"/,
    );
  });

  it('passes the Latin Chinese copy normally carries: letter shapes, sizes, units, must-include codes', () => {
    const v = copy('V领T恤，A字裙', 'XL码，500ml，3D立体剪裁，VIP专享，用码SPRING24。', '去看看');
    expect(checkLatinWords(v, [trousers], ['SPRING24']).passed).toBe(true);
    expect(checkLatinWords(v, [trousers]).reason).toMatch(/"SPRING24"/);
  });

  it('passes any brand or model with Latin letters, wherever the copy quotes it (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z][a-z]{2,8}$/),
        fc.stringMatching(/^[A-Z]{1,2}\d{2,4}$/),
        (brand, model) => {
          const product = { ...trousers, brand, attributes: { model } };
          return checkLatinWords(copy(`${brand}直筒裤`, `${model}型号，${brand}出品。`, '去看看'), [product])
            .passed;
        },
      ),
    );
  });
});

describe('checkVariant on copy a marketer would send', () => {
  it('passes valid Chinese and English copy on every rule', () => {
    const zh = copy('Roadster X200 直筒裤', '热情夏日，简约直筒裤到手价¥259，V领上衣也好搭。', '去看看');
    const zhProduct = { ...trousers, brand: 'Roadster', attributes: { model: 'X200' } };
    expect(
      checkVariant(zh, { channel: 'social', language: 'zh', products: [zhProduct] }).filter((c) => !c.passed),
    ).toEqual([]);
    const en = copy(
      'Roadster slim fit jeans',
      'Roadster Men Blue Slim Fit Jeans, now ₹799. Made for every day.',
    );
    expect(
      checkVariant(en, { channel: 'social', language: 'en', products: [jeans] }).filter((c) => !c.passed),
    ).toEqual([]);
  });
});

describe('catalog numbers and the price', () => {
  const oil: CatalogFacts = {
    title: 'Garlic Oil - Vegetarian Capsule 500 mg',
    category: 'Beauty & Hygiene',
    price: 220,
    currency: 'INR',
    attributes: { marketPrice: 220, rating: 2 },
  };

  it('fails a bare price even when an attribute (a market price) has the same number', () => {
    const v = copy('Garlic oil', 'Garlic Oil - Vegetarian Capsule 500 mg for just 220.');
    expect(checkPriceCurrency(v, [oil], 'en').reason).toBe(
      'states the price "220" without its currency (write ₹220)',
    );
    expect(checkPriceCurrency(copy('Garlic oil', 'Now ₹220, 500 mg capsules.'), [oil], 'en').passed).toBe(
      true,
    );
  });

  it('does not blank a short catalog number inside a longer one', () => {
    expect(checkPrices(copy('Garlic oil', 'Now ₹2205.'), [oil]).reason).toBe(
      'states "₹2205", which is not a catalog price (catalog: 220)',
    );
  });
});
