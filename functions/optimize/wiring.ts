import { NotFoundError } from '../../core/errors';
import { catalog, objects, port, profileStore, settings, tables } from '../container';
import { ModelRegistry } from '../predict/registry';
import { parseUserList } from './campaign/create';
import type { CampaignRunPorts } from './campaign/ports';
import type { DecisionPorts } from './decision/decide';
import type { FeedbackPorts, FeedbackResult } from './feedback/accept';
import type { OptimizePorts } from './reoptimize/ports';
import { campaignReport } from './report/campaign';
import { writeCampaignReport } from './report/write';
import { CampaignStore } from './store';

/**
 * The optimize group's port bundles, assembled from the composition root (`functions/container.ts`)
 * for each use case. The handler's route and step tables call these and the cores, and hold no
 * logic of their own.
 */

/** One store per container: the decision's short-lived campaign-state cache lives on it. */
export const campaignStore = port(() => new CampaignStore(tables.campaigns(), tables.feedback()));

/** A user-list audience's ids, read from the data bucket. */
export async function userList(key: string): Promise<string[]> {
  const text = await objects().getText(key);
  if (text === undefined) throw new NotFoundError(`no user list at ${key} in the data bucket`);
  return parseUserList(text, key);
}

export const decisionPorts = (): DecisionPorts => ({
  store: campaignStore(),
  profiles: profileStore(),
  impressionTtlDays: settings().IMPRESSION_TTL_DAYS,
  userList,
});

export const feedbackPorts = (): FeedbackPorts => ({
  store: campaignStore(),
  ttlDays: settings().FEEDBACK_TTL_DAYS,
});

export const campaignRunPorts = (): CampaignRunPorts => ({
  store: campaignStore(),
  profiles: profileStore(),
  objects: objects(),
  catalog: catalog(),
});

export const optimizePorts = (): OptimizePorts => ({
  store: campaignStore(),
  operations: tables.operations(),
  profilesTable: tables.profiles(),
  objects: objects(),
  // A registry per run, as before: the retrain step promotes versions and compares with the
  // serving one, which a container-wide cache could hold from an earlier invocation.
  registry: new ModelRegistry(tables.models(), objects()),
  profiles: profileStore(),
  catalog: catalog(),
});

/** `GET /campaigns/{id}/report`: the Markdown now, and where the last re-optimization wrote it with its charts. */
export async function currentReport(campaignId: string, language?: 'en' | 'zh') {
  const state = await campaignStore().getState(campaignId);
  return {
    key: state.campaign.reportKey ?? null,
    markdown: campaignReport(state, { language: language ?? state.campaign.spec.language }).markdown,
  };
}

/** The re-optimization's report step: the campaign's report and charts written after its update. */
export async function writeReport(campaignId: string) {
  const campaigns = campaignStore();
  const state = await campaigns.getState(campaignId);
  const written = await writeCampaignReport(state, objects(), { language: state.campaign.spec.language });
  await campaigns.updateCampaign(campaignId, { reportKey: written.key });
  return { campaignId, ...written };
}

/**
 * `POST /feedback`'s answer: 404 when events name an impression, campaign or variant that does
 * not exist (the others were processed), 400 when every event was rejected, else 200.
 */
export function feedbackAnswer(result: FeedbackResult) {
  if (result.unknown.length > 0) {
    throw new NotFoundError(
      `${result.unknown.length} event(s) name an impression, campaign or variant that does not exist; the other events were processed`,
      result,
    );
  }
  const invalid = result.rejected.length > 0 && result.accepted + result.duplicates === 0;
  return { statusCode: invalid ? 400 : 200, body: result };
}
