import { buildChatRequest } from '../../../functions/generate/prompt';
import {
  type ChatRequest,
  type CopyBrief,
  type CopyOutput,
  channels,
  chatResponseSchema,
  copyLength,
  copyOutputSchema,
  goals,
  PromptDataError,
  parseCompletion,
} from '../../../model/contract';
import { completeEmbedded } from '../../../model/embedded';

const en: CopyBrief = {
  language: 'en',
  goal: 'promotion',
  channel: 'sms',
  tone: 'friendly',
  variants: 3,
  persona: { label: 'weekend runner', interests: ['running'] },
  products: [
    {
      productId: 'p1',
      title: 'Acme Trail Runner 2',
      category: 'Running shoes',
      price: 89.9,
      currency: 'USD',
      brand: 'Acme',
    },
    {
      productId: 'p2',
      title: 'Dri Tee',
      category: 'T-shirts',
      price: 19,
      currency: 'USD',
      attributes: { color: 'navy' },
    },
  ],
};
const zh: CopyBrief = {
  ...en,
  language: 'zh',
  persona: { label: '跑步爱好者', interests: ['跑步'] },
  products: [
    {
      productId: 'p3',
      title: '简约白色衬衫',
      category: '上衣',
      price: 299.5,
      currency: 'CNY',
      attributes: { 类型: '上衣', 颜色: '白色', 材质: '棉', 风格: '简约', 衣样式: '衬衫', 衣领型: '翻领' },
    },
  ],
};

function copyFor(brief: CopyBrief, seed: number): CopyOutput {
  return parseCompletion(JSON.stringify(completeEmbedded(buildChatRequest(brief, seed))));
}

const cjk = /[\u4e00-\u9fff]/;

describe('the embedded generator', () => {
  it('answers in the contract shape with copy matching the copy schema', () => {
    const response = completeEmbedded(buildChatRequest(en, 1));
    expect(chatResponseSchema.parse(response)).toEqual(response);
    expect(copyOutputSchema.parse(JSON.parse(response.choices[0]!.message.content)).variants).toHaveLength(3);
  });

  it('gives the same copy for the same seed', () => {
    expect(copyFor(en, 7)).toEqual(copyFor(en, 7));
  });

  it('gives different copy for different seeds', () => {
    expect(copyFor(en, 7)).not.toEqual(copyFor(en, 8));
  });

  it('writes Chinese for zh and no Chinese for en', () => {
    for (const v of copyFor(zh, 3).variants) {
      expect(v.headline).toMatch(cjk);
      expect(v.body).toMatch(cjk);
      expect(v.callToAction).toMatch(cjk);
    }
    for (const v of copyFor(en, 3).variants) {
      expect(`${v.headline} ${v.body} ${v.callToAction}`).not.toMatch(cjk);
    }
  });

  it('quotes prices exactly as given and lists the facts it uses', () => {
    for (const brief of [en, zh]) {
      const prices = brief.products.map((p) => String(p.price));
      for (const v of copyFor(brief, 11).variants) {
        expect(prices.some((price) => v.body.includes(price) && v.factsUsed.includes(price))).toBe(true);
        for (const fact of v.factsUsed) expect(`${v.headline} ${v.body}`).toContain(fact);
      }
    }
  });

  it('keeps push and sms copy within the channel limits', () => {
    for (const [brief, channel] of [
      [en, 'push'],
      [en, 'sms'],
      [zh, 'push'],
      [zh, 'sms'],
    ] as const) {
      for (let seed = 0; seed < 10; seed++) {
        for (const v of copyFor({ ...brief, channel }, seed).variants) {
          if (channel === 'push')
            expect(copyLength(v.headline, 'headline', brief.language)).toBeLessThanOrEqual(
              brief.language === 'zh' ? 30 : 8,
            );
          if (channel === 'sms')
            expect(copyLength(v.body, 'body', brief.language)).toBeLessThanOrEqual(
              brief.language === 'zh' ? 70 : 160,
            );
        }
      }
    }
  });

  it('gives 20 distinct headlines for 20 seeds', () => {
    for (const brief of [en, zh]) {
      const headlines = new Set(
        Array.from(
          { length: 20 },
          (_, seed) => copyFor({ ...brief, variants: 1 }, seed).variants[0]!.headline,
        ),
      );
      expect(headlines.size).toBe(20);
    }
  });

  it('repeats no headline over 200 requests across goals, channels and languages', () => {
    const headlines = new Set<string>();
    let count = 0;
    for (let i = 0; i < 200; i++) {
      const base = i % 2 === 0 ? en : zh;
      const brief: CopyBrief = {
        ...base,
        goal: goals[i % goals.length]!,
        channel: channels[Math.floor(i / goals.length) % channels.length]!,
        variants: 3,
      };
      for (const v of copyFor(brief, i).variants) {
        headlines.add(v.headline);
        count++;
      }
    }
    expect(count).toBe(600);
    expect(headlines.size).toBe(600);
  });

  it('rejects a request without a data block, saying so', () => {
    const request: ChatRequest = {
      messages: [{ role: 'user', content: 'Write me an ad for shoes.' }],
      seed: 1,
    };
    expect(() => completeEmbedded(request)).toThrow(PromptDataError);
    expect(() => completeEmbedded(request)).toThrow(/data block/);
  });

  it('cuts the answer off at max_tokens with finish_reason "length"', () => {
    const response = completeEmbedded({ ...buildChatRequest(en, 1), max_tokens: 10 });
    expect(response.choices[0]!.finish_reason).toBe('length');
    expect(response.usage.completion_tokens).toBe(10);
  });
});

describe('products without a price', () => {
  it('never quotes a price of 0', () => {
    const brief = {
      language: 'zh',
      goal: 'recommendation',
      channel: 'email',
      tone: 'friendly',
      variants: 3,
      products: [{ productId: 'a', title: '简约风衣', category: '风衣', price: 0 }],
    } as never;
    for (let seed = 1; seed <= 20; seed++) {
      const content = completeEmbedded(buildChatRequest(brief, seed)).choices[0]?.message.content ?? '';
      expect(content).not.toMatch(/(价|只需|仅|现售)0|0(就能|入手|带回家)/);
    }
  });
});
