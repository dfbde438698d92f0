import { NotFoundError, UpstreamError, ValidationError } from '../../../core/errors';
import { campaignGenerateOutputSchema, generateForSegment } from '../../../functions/generate/campaign-task';
import type { CatalogPort, GeneratePorts, ModelPort } from '../../../functions/generate/core';
import type { AudiencePort } from '../../../functions/generate/target';
import type { Segment } from '../../../functions/profile/segments';
import type { ChatRequest } from '../../../model/contract';
import { completeEmbedded } from '../../../model/embedded';

/** A model port answering with the embedded generator, recording each request. */
function embeddedModel(seen: ChatRequest[] = []): ModelPort {
  return {
    invoke: async (request) => {
      seen.push(request);
      return new TextEncoder().encode(JSON.stringify(completeEmbedded(request)));
    },
  };
}

const catalog: CatalogPort = {
  getProducts: async (ids) =>
    [
      { productId: 'p1', title: 'Acme Trail Runner 2', category: 'shoes', price: 89.9, brand: 'Acme' },
      { productId: 'p2', title: 'Acme Rain Jacket', category: 'outerwear', price: 120 },
    ].filter((p) => ids.includes(p.productId)),
};

const segment = {
  segmentId: 'seg-1',
  label: { en: 'Loyal customers · runners', zh: '忠实客户 · 跑步' },
  topCategories: [{ category: 'shoes', share: 0.6 }],
} as unknown as Segment;
const audience: AudiencePort = {
  profile: async () => undefined,
  segment: async (id) => (id === 'seg-1' ? segment : undefined),
};

const ports = (seen: ChatRequest[] = []): GeneratePorts => ({
  catalog,
  model: embeddedModel(seen),
  audience,
});

/** A segment job's generation request, as the campaign plan writes it. */
const job = (overrides: Record<string, unknown> = {}) => ({
  segmentId: 'seg-1',
  productIds: ['p1'],
  goal: 'promotion',
  channel: 'email',
  language: 'en',
  tone: 'friendly',
  variants: 4,
  mustInclude: [],
  mustAvoid: [],
  bannedWords: [],
  allowFallback: false,
  seed: 21,
  ...overrides,
});

describe('generateForSegment', () => {
  it("answers the segment's variants in the compact shape, with the products they are about", async () => {
    const seen: ChatRequest[] = [];
    const out = await generateForSegment(job({ productIds: ['p1', 'p2'] }), ports(seen));
    expect(out).toMatchObject({
      segmentId: 'seg-1',
      promptVersion: 'copy-v3',
      backend: 'tailor-embedded',
      seed: 21,
    });
    expect(out.variants.length + out.dropped.length).toBeGreaterThanOrEqual(4);
    expect(out.variants.length).toBeGreaterThan(0);
    for (const v of out.variants) {
      expect(Object.keys(v).sort()).toEqual(
        ['body', 'callToAction', 'checks', 'factsUsed', 'headline', 'rendered', 'variantId'].sort(),
      );
      expect(v.rendered.channel).toBe('email');
      expect(v.checks.every((c) => c.passed)).toBe(true);
    }
    expect(out.products).toEqual([
      { productId: 'p1', category: 'shoes', price: 89.9 },
      { productId: 'p2', category: 'outerwear', price: 120 },
    ]);
    expect(out).not.toHaveProperty('fallback');
    // the persona of the segment reached the prompt
    expect(JSON.stringify(seen[0])).toContain('Loyal customers · runners');
  });

  it('answers output that the next states can parse back, far below the Step Functions payload limit', async () => {
    const out = await generateForSegment(job({ variants: 8 }), ports());
    const wire = JSON.stringify(out);
    expect(campaignGenerateOutputSchema.parse(JSON.parse(wire))).toEqual(out);
    expect(wire.length).toBeLessThan(64 * 1024);
  });

  it('answers for the all pseudo-segment when the request names no segment', async () => {
    const seen: ChatRequest[] = [];
    const { segmentId: _s, ...request } = job();
    const out = await generateForSegment(request, ports(seen));
    expect(out.segmentId).toBe('all');
    expect(JSON.stringify(seen[0])).not.toContain('Loyal customers');
  });

  it("keeps a category campaign's stand-in product with its price of 0", async () => {
    const product = { productId: 'category:shoes', title: 'shoes', category: 'shoes', price: 0 };
    const { productIds: _p, ...request } = job({ products: [product] });
    const out = await generateForSegment(request, ports());
    expect(out.products).toEqual([{ productId: 'category:shoes', category: 'shoes', price: 0 }]);
    expect(out.variants.length).toBeGreaterThan(0);
  });

  it('gives the same variants for the same seed', async () => {
    const a = await generateForSegment(job(), ports());
    const b = await generateForSegment(job(), ports());
    expect(a.variants.map((v) => v.variantId)).toEqual(b.variants.map((v) => v.variantId));
  });

  it('flags copy from the embedded generator when the endpoint failed and the request allows it', async () => {
    const down: ModelPort = {
      invoke: async () => {
        throw new UpstreamError('endpoint down');
      },
    };
    const out = await generateForSegment(job({ allowFallback: true }), {
      catalog,
      model: down,
      audience,
      fallback: embeddedModel(),
    });
    expect(out.fallback).toBe('endpoint down');
    expect(out.variants.length).toBeGreaterThan(0);
  });

  it('throws ValidationError for a malformed request', async () => {
    await expect(generateForSegment(job({ goal: 'world-domination' }), ports())).rejects.toThrow(
      ValidationError,
    );
  });

  it('throws NotFoundError for a segment the latest profiling run lacks', async () => {
    await expect(generateForSegment(job({ segmentId: 'seg-9' }), ports())).rejects.toThrow(NotFoundError);
  });
});
