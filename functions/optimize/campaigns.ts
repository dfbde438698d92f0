import { NotFoundError } from '../shared/errors';
import type { Table } from '../shared/ports';

export const campaignKey = (campaignId: string) => ({ pk: `CAMPAIGN#${campaignId}`, sk: 'META' });

/** A campaign with its variants (items `VARIANT#...` in the campaign's partition). */
export async function getCampaign(campaignId: string, campaigns: Table) {
  const items = await campaigns.query('pk', campaignKey(campaignId).pk);
  const meta = items.find((item) => item['sk'] === 'META');
  if (!meta) throw new NotFoundError(`no campaign ${campaignId}`);
  const strip = ({ pk: _pk, sk: _sk, ...rest }: Record<string, unknown>) => rest;
  const variants = items.filter((item) => String(item['sk']).startsWith('VARIANT#')).map(strip);
  return { ...strip(meta), variants };
}
