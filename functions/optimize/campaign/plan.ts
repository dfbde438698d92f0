/** The run's first state: resolve the audience to target segments, one generation job each. */

import { NotFoundError, ValidationError } from '../../../core/errors';
import { maxVariants } from '../../../model/contract';
import { browsersSegment, type Segment } from '../../profile/segments';
import type { ProfileStore } from '../../profile/store';
import { ALL_SEGMENT } from '../../shared/schemas';
import { categoryProduct } from '../arms';
import type { CampaignSpec } from '../schema';
import { parseUserList } from './create';
import {
  type CampaignPlan,
  type CampaignRunPorts,
  chunkSize,
  inGroups,
  type MessageChunk,
  manifestKeyOf,
} from './ports';

interface Target {
  readonly segmentId: string;
  readonly label?: { en: string; zh: string };
  readonly size?: number;
}

const allTarget: Target = { segmentId: ALL_SEGMENT };
const targetOf = (s: Segment): Target => ({ segmentId: s.segmentId, label: s.label, size: s.size });

/**
 * The latest profiling run's segments, without `browsers` (people who never bought) when there
 * are others; the `all` pseudo-segment when there are none.
 */
async function currentTargets(profiles: ProfileStore): Promise<Target[]> {
  const current = await profiles.listSegments();
  const chosen = current.length > 1 ? current.filter((s) => s.segmentId !== browsersSegment) : current;
  return chosen.length > 0 ? chosen.map(targetOf) : [allTarget];
}

/** The `POST /generate` body for the segment at `index` of the run. */
function generateBody(spec: CampaignSpec, segmentId: string, index: number): Record<string, unknown> {
  return {
    ...(segmentId !== ALL_SEGMENT ? { segmentId } : {}),
    ...(spec.productIds
      ? { productIds: spec.productIds }
      : { products: [categoryProduct(spec.category ?? '', spec.language)] }),
    goal: spec.goal,
    channel: spec.channel,
    language: spec.language,
    tone: spec.tone,
    variants: spec.candidatesPerSegment ?? Math.min(maxVariants, 2 * spec.variantsPerSegment),
    mustInclude: spec.mustInclude,
    mustAvoid: spec.mustAvoid,
    bannedWords: spec.bannedWords,
    ...(spec.ctaUrl !== undefined ? { ctaUrl: spec.ctaUrl } : {}),
    allowFallback: spec.allowFallback,
    ...(spec.seed !== undefined ? { seed: (spec.seed + index) % 2 ** 32 } : {}),
  };
}

/**
 * Resolve the campaign's audience to target segments, one Map item each, and store them on the
 * campaign:
 * - everyone: the current segments ({@link currentTargets});
 * - segments: those named (one the latest run lacks is a ValidationError naming it);
 * - users: the segments of their profiles, users without one in `all`;
 * - userList: the current segments; the list (JSON array or one id per line; a missing object
 *   is a NotFoundError) is cut into chunks of {@link chunkSize} written as the manifest the
 *   messages Map reads.
 * Product ids the catalog lacks are a NotFoundError here, before any copy is generated.
 */
export async function planCampaign(campaignId: string, ports: CampaignRunPorts): Promise<CampaignPlan> {
  const campaign = await ports.store.getCampaign(campaignId);
  const { spec } = campaign;
  const audience = spec.audience;

  if (spec.productIds) {
    const ids = [...new Set(spec.productIds)];
    const found = new Set((await ports.catalog.getProducts(ids)).map((p) => p.productId));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new NotFoundError(`unknown product ids: ${missing.join(', ')}`, { productIds: missing });
    }
  }

  let targets: Target[];
  let manifestKey: string | undefined;
  let chunkCount = 0;
  switch (audience.kind) {
    case 'everyone':
      targets = await currentTargets(ports.profiles);
      break;
    case 'segments': {
      const current = new Map((await ports.profiles.listSegments()).map((s) => [s.segmentId, s]));
      const ids = [...new Set(audience.segmentIds)];
      const unknown = ids.filter((id) => !current.has(id));
      if (unknown.length > 0) {
        throw new ValidationError(
          `audience.segmentIds: no segment ${unknown.join(', ')} in the latest profiling run`,
          { segmentIds: unknown },
        );
      }
      targets = ids.map((id) => targetOf(current.get(id)!));
      break;
    }
    case 'users': {
      const segments = await ports.profiles.listSegments();
      const known = new Set(segments.map((s) => s.segmentId));
      const userIds = [...new Set(audience.userIds)];
      const of = await inGroups(userIds, 25, async (userId) => {
        const profile = await ports.profiles.getProfile(userId);
        return profile && known.has(profile.segmentId) ? profile.segmentId : ALL_SEGMENT;
      });
      const sizes = new Map<string, number>();
      for (const id of of) sizes.set(id, (sizes.get(id) ?? 0) + 1);
      targets = [
        ...segments
          .filter((s) => sizes.has(s.segmentId))
          .map((s) => ({ ...targetOf(s), size: sizes.get(s.segmentId) })),
        ...(sizes.has(ALL_SEGMENT) ? [{ segmentId: ALL_SEGMENT, size: sizes.get(ALL_SEGMENT) }] : []),
      ];
      break;
    }
    case 'userList': {
      const text = await ports.objects.getText(audience.key);
      if (text === undefined) throw new NotFoundError(`no user list at ${audience.key}`);
      const userIds = parseUserList(text, audience.key);
      const chunks: MessageChunk[] = [];
      for (let i = 0; i < userIds.length; i += chunkSize) {
        chunks.push({ campaignId, chunk: chunks.length, userIds: userIds.slice(i, i + chunkSize) });
      }
      manifestKey = manifestKeyOf(campaignId);
      await ports.objects.put(manifestKey, JSON.stringify(chunks), 'application/json');
      chunkCount = chunks.length;
      targets = await currentTargets(ports.profiles);
      break;
    }
  }

  await ports.store.updateCampaign(campaignId, {
    segments: targets.map((t) => ({
      segmentId: t.segmentId,
      ...(t.label ? { label: t.label } : {}),
      ...(t.size !== undefined ? { size: t.size } : {}),
    })),
  });
  return {
    campaignId,
    segments: targets.map((t, i) => ({
      campaignId,
      segmentId: t.segmentId,
      generate: generateBody(spec, t.segmentId, i),
    })),
    ...(manifestKey ? { manifestKey } : {}),
    chunkCount,
  };
}
