/**
 * The campaign run: `POST /campaigns` records a campaign and starts its state machine, whose
 * task states call {@link campaignStep}:
 *
 *   plan → per segment (inline Map): generate → predict → select → [messages (Distributed Map
 *   over the user-list manifest)] → finish;  any uncaught failure → fail.
 *
 * Every step's input and output stays small (Step Functions caps payloads at 256 KB): copy and
 * predictions travel once, from generate to select; what later steps need they read back from
 * the campaign store.
 */

import { failCampaign, finishCampaign } from './finish';
import { writeMessages } from './messages';
import { planCampaign } from './plan';
import type { CampaignRunPorts } from './ports';
import type { CampaignStepInput } from './schema';
import { selectVariants } from './select';

/** Run one task state of the campaign run. */
export async function campaignStep(input: CampaignStepInput, ports: CampaignRunPorts): Promise<unknown> {
  switch (input.step) {
    case 'plan':
      return planCampaign(input.campaignId, ports);
    case 'select':
      return selectVariants(input, ports);
    case 'messages':
      return writeMessages(input.campaignId, input.chunk, ports);
    case 'finish':
      return finishCampaign(input.campaignId, input.results, ports);
    case 'fail':
      return failCampaign(input.campaignId, input.error, ports);
  }
}
