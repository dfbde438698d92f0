/** The campaign run's ports, step results, and the helpers its states share (object keys, clock, store reads in groups). */

import type { Product } from '../../generate/schema';
import type { ProfileStore } from '../../profile/store';
import type { ObjectStore } from '../../shared/ports';
import type { Variant } from '../records';
import type { CampaignStore } from '../store';

/** Most user ids in one chunk of a batch campaign's manifest (one Distributed Map item). */
export const chunkSize = 500;

export interface CampaignRunPorts {
  readonly store: CampaignStore;
  readonly profiles: ProfileStore;
  readonly objects: ObjectStore;
  readonly catalog: { getProducts(ids: readonly string[]): Promise<Product[]> };
  /**
   * Uniform source of the initial allocation's Monte Carlo; default seeded from the campaign,
   * so a retried finish step writes the same snapshot.
   */
  readonly random?: () => number;
  readonly now?: () => Date;
}

/** One Map item of the run: a target segment and the `POST /generate` body for it. */
export interface SegmentJob {
  readonly campaignId: string;
  /** A segment of the latest profiling run, or `all` (everyone, no persona). */
  readonly segmentId: string;
  readonly generate: Record<string, unknown>;
}

/** One Distributed Map item of a batch campaign: up to {@link chunkSize} user ids. */
export interface MessageChunk {
  readonly campaignId: string;
  readonly chunk: number;
  readonly userIds: string[];
}

export interface CampaignPlan {
  readonly campaignId: string;
  readonly segments: SegmentJob[];
  /** The chunk manifest of a userList campaign (a JSON array of {@link MessageChunk}). */
  readonly manifestKey?: string;
  /** Number of chunks in the manifest; 0 when there is none. */
  readonly chunkCount: number;
}

export interface SelectResult {
  readonly segmentId: string;
  /** Generated variants written as arms (the control not counted). */
  readonly kept: number;
  /** Generated variants scored lower than the kept ones, or not scored. */
  readonly dropped: number;
  /** Variants the guardrails refused during generation. */
  readonly refused: number;
  /** Why nothing was kept, when nothing was. */
  readonly reason?: string;
}

export interface MessagesResult {
  readonly chunk: number;
  readonly users: number;
  /** Users sent a variant. */
  readonly sends: number;
  /** Users held out in the control. */
  readonly control: number;
  /** Users for whom no segment had a variant (no line says send). */
  readonly unassigned: number;
  readonly key: string;
}

export interface FinishResult {
  readonly campaignId: string;
  readonly status: 'active' | 'failed';
  /** Generated variants kept over all segments. */
  readonly kept: number;
  readonly segments: number;
  /** Segments that failed or kept nothing. */
  readonly failedSegments: string[];
  readonly messagesPrefix?: string;
}

/** The run framework's clock (the ports' `now`, else the wall clock). */
export { clockOf } from '../../shared/runs';

/** Run `f` over items, `width` at a time (store reads for hundreds of users). */
export async function inGroups<T, R>(
  items: readonly T[],
  width: number,
  f: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(f))));
  return out;
}

export const manifestKeyOf = (campaignId: string) => `campaigns/${campaignId}/manifest.json`;
export const messagesPrefixOf = (campaignId: string) => `campaigns/${campaignId}/messages/`;
export const messagesKeyOf = (campaignId: string, chunk: number) =>
  `${messagesPrefixOf(campaignId)}${String(chunk).padStart(6, '0')}.jsonl`;

/** Active generated (and bred) arms per segment, in variant-id order so draws are reproducible. */
export function armsBySegment(variants: readonly Variant[]): Map<string, Variant[]> {
  const bySegment = new Map<string, Variant[]>();
  for (const v of variants) {
    if (v.status !== 'active' || v.kind === 'control') continue;
    bySegment.set(v.segmentId, [...(bySegment.get(v.segmentId) ?? []), v]);
  }
  for (const arms of bySegment.values()) arms.sort((a, b) => a.variantId.localeCompare(b.variantId));
  return bySegment;
}
