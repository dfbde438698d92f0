import { profilesKeys } from '../shared/keys';
import type { Table } from '../shared/ports';
import type { Segment } from './segments';

/** A rule as stored and served: ranks are the run's order (lift, then confidence). */
export interface StoredRule {
  readonly rank: number;
  readonly antecedent: string[];
  readonly consequent: string[];
  readonly support: number;
  readonly confidence: number;
  readonly lift: number;
  readonly count: number;
  /** Product titles by id, where the catalog knows them. */
  readonly titles: Record<string, string>;
}

export type Profile = Record<string, unknown> & { userId: string; segmentId: string; runId: string };

/**
 * Profiles, segments and rules in the profiles table. Access patterns:
 * - a user's profile: get `USER#<userId>` / `PROFILE` (the latest run's, overwritten per run);
 * - the current segments: get `CURRENT` / `SEGMENTS` → run id, then query `SEGMENTS#<runId>`;
 * - one segment: get `SEGMENTS#<runId>` / `<segmentId>` of the current run;
 * - the current rules: `CURRENT` / `RULES` → run id; all of them ranked: query
 *   `RULES#<runId>`; those for a product: query `RULE#<runId>#<productId>` (one item per
 *   antecedent product).
 * A run writes its segments and rules under its own id and then moves the `CURRENT` pointer,
 * so readers see one run's set or the next one's, never a mix.
 */
export interface ProfileStore {
  putProfiles(profiles: Profile[]): Promise<void>;
  getProfile(userId: string): Promise<Profile | undefined>;
  listSegments(): Promise<Segment[]>;
  getSegment(segmentId: string): Promise<Segment | undefined>;
  replaceSegments(segments: readonly Segment[], runId: string): Promise<void>;
  replaceRules(rules: readonly StoredRule[], runId: string): Promise<void>;
  rules(options: { productId?: string; limit: number }): Promise<StoredRule[]>;
}

export const segmentsPartition = profilesKeys.segmentsPartition;
const pad = profilesKeys.ruleRank;
const strip = ({ pk: _pk, sk: _sk, ...rest }: Record<string, unknown>) => rest;

export class TableProfileStore implements ProfileStore {
  constructor(private readonly table: Table) {}

  async putProfiles(profiles: Profile[]): Promise<void> {
    await this.table.batchPut(profiles.map((p) => ({ ...profilesKeys.profile(p.userId), ...p })));
  }

  async getProfile(userId: string): Promise<Profile | undefined> {
    const item = await this.table.get(profilesKeys.profile(userId));
    return item ? (strip(item) as Profile) : undefined;
  }

  private async current(kind: 'SEGMENTS' | 'RULES'): Promise<string | undefined> {
    const pointer = await this.table.get(profilesKeys.current(kind));
    return pointer?.['runId'] as string | undefined;
  }

  async listSegments(): Promise<Segment[]> {
    const runId = await this.current('SEGMENTS');
    if (!runId) return [];
    const items = await this.table.query('pk', segmentsPartition(runId));
    return items.map((item) => strip(item) as unknown as Segment).sort((a, b) => b.valueShare - a.valueShare);
  }

  async getSegment(segmentId: string): Promise<Segment | undefined> {
    const runId = await this.current('SEGMENTS');
    if (!runId) return undefined;
    const item = await this.table.get(profilesKeys.segment(runId, segmentId));
    return item ? (strip(item) as unknown as Segment) : undefined;
  }

  async replaceSegments(segments: readonly Segment[], runId: string): Promise<void> {
    await this.table.batchPut(
      segments.map((s) => ({ pk: segmentsPartition(runId), sk: s.segmentId, runId, ...s })),
    );
    await this.table.put({ ...profilesKeys.current('SEGMENTS'), runId });
  }

  async replaceRules(rules: readonly StoredRule[], runId: string): Promise<void> {
    const items = rules.flatMap((rule) => [
      { pk: profilesKeys.rulesPartition(runId), sk: pad(rule.rank), ...rule },
      ...rule.antecedent.map((productId) => ({
        pk: profilesKeys.productRulesPartition(runId, productId),
        sk: pad(rule.rank),
        ...rule,
      })),
    ]);
    await this.table.batchPut(items);
    await this.table.put({ ...profilesKeys.current('RULES'), runId, count: rules.length });
  }

  async rules(options: { productId?: string; limit: number }): Promise<StoredRule[]> {
    const runId = await this.current('RULES');
    if (!runId) return [];
    const pk = options.productId
      ? profilesKeys.productRulesPartition(runId, options.productId)
      : profilesKeys.rulesPartition(runId);
    const items = await this.table.query('pk', pk, options.limit);
    return items.map((item) => strip(item) as unknown as StoredRule);
  }
}
