import {
  type CatalogFacts,
  checkBannedWords,
  checkDiscounts,
  checkLength,
  checkMustAvoid,
  checkMustInclude,
  checkNearDuplicate,
  checkPersonalData,
  checkPrices,
  checkSmsSegments,
  checkVariant,
  similarity,
} from '../../../functions/generate/guardrails';

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
      'must_avoid',
      'must_include',
      'catalog_prices',
      'catalog_discounts',
      'personal_data',
    ]);
    expect(checkVariant(v, { ...policy, channel: 'sms' }).map((c) => c.rule)).toContain('sms_segments');
    expect(checkVariant(v, policy).every((c) => c.passed)).toBe(true);
  });
});
