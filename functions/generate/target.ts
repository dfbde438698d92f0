import { NotFoundError, ValidationError } from '../../core/errors';
import { categoryName } from '../profile/categories';
import type { Segment } from '../profile/segments';
import type { Profile } from '../profile/store';
import type { GenerateInput } from './schema';

/** Profiles and segments, as the latest profiling run left them. */
export interface AudiencePort {
  profile(userId: string): Promise<Profile | undefined>;
  segment(segmentId: string): Promise<Segment | undefined>;
}

/** Most products picked for a user who named none. */
const pickedProducts = 3;

/**
 * A request aimed at a user or a segment, made concrete: the persona from the segment's label
 * (in the request's language) and the audience's favourite categories as interests, unless the
 * request gives a persona (for a user, the interest model's likeliest next categories when the
 * run predicted them); and for a user with no products named, the top of their recommendations,
 * else the products the cross-sell rules suggest for what they bought, else what they bought
 * most recently.
 */
export async function resolveTarget(input: GenerateInput, audience: AudiencePort): Promise<GenerateInput> {
  const named = (input.products?.length ?? 0) + (input.productIds?.length ?? 0) > 0;
  const interestsOf = (categories: ReadonlyArray<{ category: string }>) =>
    categories.slice(0, 3).map((c) => categoryName(c.category)[input.language]);

  if (input.userId !== undefined) {
    const profile = await audience.profile(input.userId);
    if (!profile)
      throw new NotFoundError(`no profile for user ${input.userId}; has a profiling run included them?`);
    const segment = await audience.segment(profile.segmentId);
    // The interest model's most likely next categories, else what they bought most.
    const predicted = (profile['interest'] as Array<{ category: string }> | undefined) ?? [];
    const categories =
      predicted.length > 0
        ? predicted
        : ((profile['topCategories'] as Array<{ category: string }> | undefined) ?? []);
    let productIds = input.productIds;
    if (!named) {
      const ids = (key: string) =>
        ((profile[key] as Array<{ productId: string }> | undefined) ?? []).map((c) => c.productId);
      const recommended = ids('recommendations');
      const crossSell = ids('crossSell');
      const recent = (profile['recentProducts'] as string[] | undefined) ?? [];
      const chosen = recommended.length > 0 ? recommended : crossSell;
      productIds = (chosen.length > 0 ? chosen : recent).slice(0, chosen.length > 0 ? pickedProducts : 1);
      if (productIds.length === 0) {
        throw new ValidationError(
          `products: none given, and user ${input.userId} has bought nothing to choose from`,
        );
      }
    }
    return {
      ...input,
      productIds,
      persona: input.persona ?? {
        label: segment?.label[input.language] ?? profile.segmentId,
        interests: interestsOf(categories),
      },
    };
  }
  if (input.segmentId !== undefined) {
    const segment = await audience.segment(input.segmentId);
    if (!segment) throw new NotFoundError(`no segment ${input.segmentId} in the latest profiling run`);
    if (!named) throw new ValidationError('products: give products or productIds for a segment');
    return {
      ...input,
      persona: input.persona ?? {
        label: segment.label[input.language],
        interests: interestsOf(segment.topCategories),
      },
    };
  }
  return input;
}
