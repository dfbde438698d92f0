import { NotFoundError } from '../../core/errors';
import { priceBand } from '../profile/features';
import type { ProfileStore } from '../profile/store';
import type { Audience } from './features';
import type { PredictInput } from './schema';

/**
 * The audience of a prediction: the user's profile (its segment, RFM tier, price band,
 * favourite category, recency, frequency), or a segment's persona. A user without a profile
 * yet is scored as an unknown user of the segment given, or of no segment.
 */
export async function audienceOf(input: PredictInput, profiles: ProfileStore): Promise<Audience> {
  if (input.userId !== undefined) {
    const profile = await profiles.getProfile(input.userId);
    if (profile) {
      const features = (profile['features'] ?? {}) as Record<string, number>;
      const rfm = (profile['rfm'] ?? {}) as { tier?: string };
      const top = (profile['topCategories'] as Array<{ category: string }> | undefined)?.[0]?.category;
      return {
        segmentId: profile.segmentId,
        tier: rfm.tier,
        priceBand: features['priceIndex'] === undefined ? undefined : priceBand(features['priceIndex']),
        topCategory: top,
        recencyDays: features['recencyDays'],
        frequency: features['frequency'],
        avgOrderValue: features['avgOrderValue'],
      };
    }
  }
  if (input.segmentId !== undefined) {
    const segment = await profiles.getSegment(input.segmentId);
    if (!segment) throw new NotFoundError(`no segment ${input.segmentId} in the latest profiling run`);
    return {
      segmentId: segment.segmentId,
      tier: segment.tier,
      priceBand: segment.priceBand,
      topCategory: segment.topCategories[0]?.category,
      recencyDays: segment.averages.recencyDays,
      frequency: segment.averages.frequency,
      avgOrderValue:
        segment.averages.frequency > 0 ? segment.averages.monetary / segment.averages.frequency : undefined,
    };
  }
  return { segmentId: 'unknown' };
}
