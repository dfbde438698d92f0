import { NotFoundError } from '../../core/errors';
import { catalog, linkKey, objects, port, profileStore, publicApiUrl, settings, tables } from '../container';
import { ModelRegistry } from '../predict/registry';
import { parseUserList } from './campaign/create';
import type { CampaignRunPorts } from './campaign/ports';
import type { DecisionPorts } from './decision/decide';
import { acceptFeedback, type FeedbackPorts, type FeedbackResult } from './feedback/accept';
import type { LinkPorts } from './links/follow';
import { messageLinks } from './links/token';
import type { OptimizePorts } from './reoptimize/ports';
import { campaignReport } from './report/campaign';
import { writeCampaignReport } from './report/write';
import { CampaignStore } from './store';
import { SuppressionStore } from './suppression/store';

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

/** The suppression list, under the deployment's link key (its entries are keyed hashes). */
export async function suppressions(): Promise<SuppressionStore> {
  return new SuppressionStore(tables.campaigns(), await linkKey()());
}

export async function decisionPorts(): Promise<DecisionPorts> {
  const key = await linkKey()();
  const baseUrl = publicApiUrl();
  const suppressionList = new SuppressionStore(tables.campaigns(), key);
  return {
    store: campaignStore(),
    profiles: profileStore(),
    impressionTtlDays: settings().IMPRESSION_TTL_DAYS,
    userList,
    suppression: async (userId) => (await suppressionList.get(userId))?.reason,
    links: (ids) => messageLinks(baseUrl, key, ids),
  };
}

/**
 * The tracked links' ports: impressions and campaigns from the campaign store; a followed link
 * is counted through `acceptFeedback` (its event id is one per impression and kind, so it
 * counts once); an unsubscribe also puts the user on the suppression list.
 */
export async function linkPorts(): Promise<LinkPorts> {
  const key = await linkKey()();
  const store = campaignStore();
  const suppressionList = new SuppressionStore(tables.campaigns(), key);
  return {
    key,
    impression: (impressionId) => store.getImpression(impressionId),
    campaign: async (campaignId) => {
      try {
        const { spec } = (await store.getState(campaignId)).campaign;
        return { ...(spec.ctaUrl ? { ctaUrl: spec.ctaUrl } : {}), ...(spec.utm ? { utm: spec.utm } : {}) };
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    },
    record: async (event) => {
      const result = await acceptFeedback([event], feedbackPorts());
      const problem = result.unknown[0] ?? result.rejected[0];
      // The impression was just read, so this is a lost race with its expiry or a bug: say so.
      if (problem) throw new NotFoundError(`the link's event was not counted: ${problem.reason}`);
    },
    suppress: async (userId, reason, source) => {
      await suppressionList.suppress(userId, reason, new Date(), source.campaignId);
    },
    now: () => new Date(),
  };
}

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
