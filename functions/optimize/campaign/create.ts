/** `POST /campaigns`: record the campaign and start its run; user lists of a batch audience parsed here. */

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../../../core/errors';
import type { Workflow } from '../../shared/adapters/workflow';
import { launch } from '../../shared/runs';
import type { Campaign } from '../records';
import type { CampaignSpec } from '../schema';
import type { CampaignStore } from '../store';
import { clockOf } from './ports';

/** A campaign id, also the execution's name (letters, digits and '-' only). */
export const newCampaignId = () => `cmp-${randomUUID().replaceAll('-', '').slice(0, 12)}`;

/**
 * Record a campaign (status `creating`) and start its run, named after the campaign so a
 * campaign has one run. A failed start marks the campaign failed and is rethrown.
 */
export async function createCampaign(
  spec: CampaignSpec,
  ports: { store: CampaignStore; workflow: Workflow; now?: () => Date; newId?: () => string },
): Promise<Campaign> {
  const now = clockOf(ports).toISOString();
  const campaignId = (ports.newId ?? newCampaignId)();
  const campaign: Campaign = { campaignId, spec, status: 'creating', createdAt: now, updatedAt: now };
  await ports.store.createCampaign(campaign);
  const { executionArn } = await launch(
    ports.workflow,
    campaignId,
    { campaignId },
    {
      started: (arn) => ports.store.updateCampaign(campaignId, { executionArn: arn }),
      failed: ({ name, message }) =>
        ports.store.updateCampaign(campaignId, {
          status: 'failed',
          error: {
            error: name || 'Error',
            cause: `the campaign run did not start: ${message}`.slice(0, 2000),
          },
        }),
    },
  );
  return { ...campaign, executionArn };
}

/** A user list's ids: a JSON array of ids, or one id per line (blank lines skipped), deduplicated. */
export function parseUserList(text: string, key: string): string[] {
  const trimmed = text.trim();
  let ids: string[];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new ValidationError(`user list ${key} is not valid JSON: ${(error as Error).message}`);
    }
    const list = z.array(z.union([z.string().trim().min(1), z.number().int()])).safeParse(parsed);
    if (!list.success) throw new ValidationError(`user list ${key} must be an array of user ids`);
    ids = list.data.map(String);
  } else {
    ids = trimmed
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
  }
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw new ValidationError(`user list ${key} holds no user ids`);
  return unique;
}
