import type { Product } from '../../../functions/generate/schema';
import { type Campaign, CONTROL, type Variant } from '../../../functions/optimize/records';
import {
  exportPreferences,
  findPairs,
  type PreferenceLine,
  preferencesKey,
} from '../../../functions/optimize/reoptimize/preferences';
import { campaignBodySchema } from '../../../functions/optimize/schema';
import { CampaignStore } from '../../../functions/optimize/store';
import type { Segment } from '../../../functions/profile/segments';
import { TableProfileStore } from '../../../functions/profile/store';
import { copyOutputSchema, readDataBlock } from '../../../model/contract';
import { MemoryObjectStore, MemoryTable } from '../../support/memory';

const catalog: Product[] = [{ productId: 'p1', title: 'Acme Tote', category: 'bags', price: 35 }];

const segment = {
  segmentId: 's1',
  label: { en: 'Loyal bag lovers', zh: '忠实包袋客' },
  size: 100,
  userShare: 0.5,
  valueShare: 0.5,
  tier: 'loyal',
  priceBand: 'mid',
  topCategories: [{ category: 'bags', share: 0.6, en: 'bags', zh: '包袋' }],
  averages: { recencyDays: 10, frequency: 5, monetary: 300, priceIndex: 1 },
  rfm: { r: 4, f: 4, m: 4 },
  tiers: {},
  traits: { en: [], zh: [] },
  centroid: [],
} as unknown as Segment;

const variant = (variantId: string, overrides: Partial<Variant> = {}): Variant => ({
  campaignId: 'c1',
  segmentId: 's1',
  variantId,
  kind: 'generated',
  status: 'active',
  headline: `Headline ${variantId}`,
  body: `The Acme Tote at 35, copy ${variantId}.`,
  callToAction: 'Shop now',
  tone: 'friendly',
  factsUsed: ['Acme Tote', '35'],
  products: [{ productId: 'p1', category: 'bags', price: 35 }],
  prior: { alpha: 1, beta: 49 },
  createdAt: '2025-03-01T00:00:00Z',
  ...overrides,
});

async function fixture(arms: Array<[Variant, number, number]>, overrides: Record<string, unknown> = {}) {
  const store = new CampaignStore(new MemoryTable(), new MemoryTable(['eventId']));
  const campaign: Campaign = {
    campaignId: 'c1',
    spec: campaignBodySchema.parse({
      name: 'spring',
      goal: 'promotion',
      channel: 'email',
      language: 'en',
      productIds: ['p1'],
      mustAvoid: ['cheap'],
      ...overrides,
    }),
    status: 'active',
    createdAt: '2025-03-01T00:00:00Z',
    updatedAt: '2025-03-01T00:00:00Z',
  };
  await store.createCampaign(campaign);
  await store.putVariants(arms.map(([v]) => v));
  for (const [v, sends, clicks] of arms) await store.count('c1', v.segmentId, v.variantId, { sends, clicks });
  const profiles = new TableProfileStore(new MemoryTable());
  await profiles.replaceSegments([segment], 'run-1');
  const objects = new MemoryObjectStore();
  const ports = {
    store,
    objects,
    profiles,
    catalog: {
      getProducts: async (ids: readonly string[]) => catalog.filter((p) => ids.includes(p.productId)),
    },
  };
  return { store, objects, ports };
}

const arms = (): Array<[Variant, number, number]> => [
  [variant('a'), 2000, 200],
  [variant('b'), 2000, 40],
  [variant('c'), 2000, 195],
  [variant('few'), 100, 0],
  [variant('other-tone', { tone: 'urgent', kind: 'challenger' }), 2000, 5],
  [variant(CONTROL, { kind: 'control', headline: '', body: '', callToAction: '', products: [] }), 2000, 0],
];

describe('preference pairs', () => {
  it('pairs only variants that clearly beat another from the same brief, both with enough sends', async () => {
    const { store } = await fixture(arms());
    const pairs = findPairs(await store.getState('c1'));
    expect(pairs.map((p) => [p.chosen.variant.variantId, p.rejected.variant.variantId])).toEqual([
      ['a', 'b'],
      ['c', 'b'],
    ]);
    for (const pair of pairs) expect(pair.probability).toBeGreaterThanOrEqual(0.9);
    expect(pairs[0]?.chosen).toMatchObject({ sends: 2000, successes: 200 });
    expect(pairs[0]?.chosen.mean).toBeCloseTo(201 / 2002, 6);
  });

  it('finds no pair between variants whose difference is not significant', async () => {
    const { store } = await fixture([
      [variant('a'), 2000, 200],
      [variant('c'), 2000, 195],
    ]);
    expect(findPairs(await store.getState('c1'))).toEqual([]);
  });

  it('writes one DPO line per pair: the generator’s prompt for the brief, chosen and rejected answers, evidence', async () => {
    const { objects, ports } = await fixture(arms());
    const result = await exportPreferences('opt-1', ports);
    expect(result).toEqual({
      runId: 'opt-1',
      pairs: 2,
      key: 'preferences/opt-1.jsonl',
      campaigns: 1,
      skipped: 0,
    });
    const lines = objects
      .text(preferencesKey('opt-1'))!
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PreferenceLine);
    expect(lines).toHaveLength(2);
    const [first] = lines;
    expect(first!.prompt.map((m) => m.role)).toEqual(['system', 'user']);
    const brief = readDataBlock(first!.prompt[1]!.content);
    expect(brief).toMatchObject({
      goal: 'promotion',
      channel: 'email',
      language: 'en',
      tone: 'friendly',
      variants: 1,
      persona: { label: 'Loyal bag lovers' },
      products: [{ productId: 'p1', title: 'Acme Tote', price: 35 }],
      mustAvoid: expect.arrayContaining(['cheap']),
    });
    expect(first!.chosen).toEqual([{ role: 'assistant', content: expect.any(String) }]);
    const chosen = copyOutputSchema.parse(JSON.parse(first!.chosen[0]!.content));
    const rejected = copyOutputSchema.parse(JSON.parse(first!.rejected[0]!.content));
    expect(chosen.variants[0]?.headline).toBe('Headline a');
    expect(rejected.variants[0]?.headline).toBe('Headline b');
    expect(first!.evidence).toMatchObject({
      campaignId: 'c1',
      segmentId: 's1',
      goal: 'promotion',
      channel: 'email',
      language: 'en',
      objective: 'click',
      chosen: { variantId: 'a', sends: 2000, successes: 200 },
      rejected: { variantId: 'b', sends: 2000, successes: 40 },
    });
    expect(first!.evidence.probability).toBeGreaterThan(0.999);
  });

  it('writes no object when no pair is significant', async () => {
    const { objects, ports } = await fixture([
      [variant('a'), 2000, 200],
      [variant('b'), 150, 0],
    ]);
    const result = await exportPreferences('opt-2', ports);
    expect(result).toMatchObject({ pairs: 0, key: null });
    expect(objects.objects.size).toBe(0);
  });

  it('skips pairs whose products the catalog no longer has', async () => {
    const { ports } = await fixture(arms());
    const result = await exportPreferences('opt-3', { ...ports, catalog: { getProducts: async () => [] } });
    expect(result).toMatchObject({ pairs: 0, key: null, skipped: 2 });
  });

  it('rebuilds a category campaign’s prompt with its stand-in product', async () => {
    const standIn = [{ productId: 'category:bags', category: 'bags', price: 0 }];
    const { objects, ports } = await fixture(
      [
        [variant('a', { products: standIn }), 2000, 200],
        [variant('b', { products: standIn }), 2000, 40],
      ],
      { productIds: undefined, category: 'bags' },
    );
    expect((await exportPreferences('opt-4', ports)).pairs).toBe(1);
    const line = JSON.parse(objects.text('preferences/opt-4.jsonl')!) as PreferenceLine;
    expect(readDataBlock(line.prompt[1]!.content).products).toEqual([
      expect.objectContaining({ productId: 'category:bags', price: 0 }),
    ]);
  });
});
