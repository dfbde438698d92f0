import { NotFoundError, ValidationError } from '../../../core/errors';
import { generateBodySchema } from '../../../functions/generate/schema';
import { type AudiencePort, resolveTarget } from '../../../functions/generate/target';
import type { Segment } from '../../../functions/profile/segments';
import type { Profile } from '../../../functions/profile/store';

const segment = {
  segmentId: 'seg-2',
  label: { en: 'Loyal customers · bags lovers', zh: '忠实客户 · 偏爱包袋' },
  topCategories: [
    { category: 'bags', share: 0.4 },
    { category: 'lighting', share: 0.2 },
  ],
} as unknown as Segment;
const profile = {
  userId: 'u1',
  segmentId: 'seg-2',
  runId: 'r',
  topCategories: [{ category: 'lighting', share: 0.6 }],
  crossSell: [{ productId: 'p9' }, { productId: 'p8' }],
  recentProducts: ['p1'],
} as Profile;
const recommended = {
  ...profile,
  userId: 'u3',
  recommendations: [{ productId: 'r1' }, { productId: 'r2' }, { productId: 'r3' }, { productId: 'r4' }],
  interest: [
    { category: 'christmas', probability: 0.5 },
    { category: 'bags', probability: 0.2 },
  ],
} as Profile;
const audience: AudiencePort = {
  profile: async (id) =>
    id === 'u1'
      ? profile
      : id === 'u3'
        ? recommended
        : id === 'new'
          ? { ...profile, crossSell: [], recentProducts: [] }
          : undefined,
  segment: async (id) => (id === 'seg-2' ? segment : undefined),
};
const base = { goal: 'recommendation', channel: 'push', language: 'zh' };

describe('aiming copy at a user or a segment', () => {
  it("takes a user's persona from their segment and products from their cross-sell suggestions", async () => {
    const input = await resolveTarget(generateBodySchema.parse({ ...base, userId: 'u1' }), audience);
    expect(input.persona).toEqual({ label: '忠实客户 · 偏爱包袋', interests: ['灯饰蜡烛'] });
    expect(input.productIds).toEqual(['p9', 'p8']);
  });

  it("takes a user's products from the top of their recommendations and interests from the interest model", async () => {
    const input = await resolveTarget(
      generateBodySchema.parse({ ...base, language: 'en', userId: 'u3' }),
      audience,
    );
    expect(input.productIds).toEqual(['r1', 'r2', 'r3']);
    expect(input.persona?.interests).toEqual(['Christmas', 'bags']);
  });

  it('keeps the products and persona a request names', async () => {
    const input = await resolveTarget(
      generateBodySchema.parse({
        ...base,
        userId: 'u1',
        productIds: ['p1'],
        persona: { label: 'mine', interests: [] },
      }),
      audience,
    );
    expect(input.productIds).toEqual(['p1']);
    expect(input.persona?.label).toBe('mine');
  });

  it("uses a segment's label and favourite categories", async () => {
    const input = await resolveTarget(
      generateBodySchema.parse({ ...base, language: 'en', segmentId: 'seg-2', productIds: ['p1'] }),
      audience,
    );
    expect(input.persona).toEqual({
      label: 'Loyal customers · bags lovers',
      interests: ['bags', 'lights & candles'],
    });
  });

  it('says what is missing: an unknown user or segment, or nothing to choose products from', async () => {
    await expect(
      resolveTarget(generateBodySchema.parse({ ...base, userId: 'ghost' }), audience),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      resolveTarget(generateBodySchema.parse({ ...base, userId: 'new' }), audience),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      resolveTarget(generateBodySchema.parse({ ...base, segmentId: 'seg-9', productIds: ['p'] }), audience),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
