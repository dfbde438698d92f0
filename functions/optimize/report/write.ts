/** The campaign report written to S3: Markdown and its SVG charts under one prefix. */

import { ValidationError } from '../../../core/errors';
import type { ObjectStore } from '../../shared/ports';
import type { CampaignState } from '../records';
import { type CampaignReportOptions, campaignReport } from './campaign';

/** Where a campaign's report is written; its charts lie beside it. */
export const campaignReportPrefix = (campaignId: string) => `reports/campaigns/${campaignId}/`;

/**
 * Write the report to `reports/campaigns/<campaignId>/report.md` with its charts beside it,
 * the charts first so that the Markdown never links to a chart not yet written.
 *
 * @throws ValidationError when the campaign id cannot be one path segment of a key.
 */
export async function writeCampaignReport(
  state: CampaignState,
  objects: ObjectStore,
  options: CampaignReportOptions = {},
): Promise<{ key: string; charts: string[] }> {
  const id = state.campaign.campaignId;
  if (!id || id.includes('/') || id === '.' || id === '..') {
    throw new ValidationError(`campaign id ${JSON.stringify(id)} cannot name a report folder`);
  }
  const prefix = campaignReportPrefix(id);
  const { markdown, charts } = campaignReport(state, options);
  const chartKeys = await Promise.all(
    Object.entries(charts).map(async ([name, svg]) => {
      await objects.put(`${prefix}${name}`, svg, 'image/svg+xml');
      return `${prefix}${name}`;
    }),
  );
  const key = `${prefix}report.md`;
  await objects.put(key, markdown, 'text/markdown; charset=utf-8');
  return { key, charts: chartKeys };
}
