import { createHmac } from 'node:crypto';
import { suppressionKeys } from '../../shared/keys';
import type { Table } from '../../shared/ports';

/**
 * The suppression list: users no campaign sends to (decisions, batch messages and email all
 * ask it). Each entry is keyed by a keyed hash of the user id (HMAC-SHA-256 under the
 * deployment's link key, with its own label), so the list can be checked for any user while
 * an entry whose user was erased names nobody.
 */
export const suppressionReasons = ['unsubscribe', 'bounce', 'complaint', 'manual'] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];

export interface Suppression {
  readonly hash: string;
  readonly reason: SuppressionReason;
  readonly at: string;
  /** The user, until their data is erased. */
  readonly userId?: string;
  /** The campaign whose message the user unsubscribed from, when there was one. */
  readonly campaignId?: string;
}

/** The keyed hash a user's suppression is stored under. */
export function suppressionHash(key: Uint8Array, userId: string): string {
  return createHmac('sha256', key).update(`tailor-suppression.${userId}`).digest('base64url');
}

export class SuppressionStore {
  constructor(
    private readonly table: Table,
    private readonly key: Uint8Array,
  ) {}

  hashOf(userId: string): string {
    return suppressionHash(this.key, userId);
  }

  /** The user's suppression, if any. */
  async get(userId: string): Promise<Suppression | undefined> {
    const item = await this.table.get(suppressionKeys.user(this.hashOf(userId)));
    if (!item) return undefined;
    return {
      hash: String(item['sk']),
      reason: item['reason'] as SuppressionReason,
      at: String(item['at']),
      ...(typeof item['userId'] === 'string' ? { userId: item['userId'] } : {}),
      ...(typeof item['campaignId'] === 'string' ? { campaignId: item['campaignId'] } : {}),
    };
  }

  /** Suppress the user; a later suppression of the same user replaces the reason. */
  async suppress(
    userId: string,
    reason: SuppressionReason,
    at: Date,
    campaignId?: string,
  ): Promise<Suppression> {
    const hash = this.hashOf(userId);
    const entry: Suppression = {
      hash,
      reason,
      at: at.toISOString(),
      userId,
      ...(campaignId !== undefined ? { campaignId } : {}),
    };
    await this.table.put({ ...suppressionKeys.user(hash), ...entry });
    return entry;
  }
}
