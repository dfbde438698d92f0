import { NotFoundError } from '../../../core/errors';
import { type LinkClaims, type LinkKind, verifyLinkToken } from './token';

/**
 * Following a tracked link: the use cases behind `GET /r/{token}` (click), `GET /o/{token}`
 * (open pixel) and `POST /u/{token}` (unsubscribe). Each verifies the token, finds the
 * impression it names and records one feedback event whose id is derived from the impression
 * and the kind, so the feedback path's exactly-once rule counts a link followed five times
 * once.
 */

/** The UTM parameters a campaign asks for on its call-to-action URL. */
export interface Utm {
  readonly source?: string;
  readonly medium?: string;
  readonly campaign?: string;
  /** Default: the variant id, so analytics can tell the copies apart. */
  readonly content?: string;
}

export interface LinkImpression {
  readonly impressionId: string;
  readonly campaignId: string;
  readonly segmentId: string;
  readonly variantId: string;
  readonly userId: string;
}

export interface LinkCampaign {
  readonly ctaUrl?: string;
  readonly utm?: Utm;
}

/** The feedback event a followed link becomes; the feedback path counts it once. */
export interface LinkFeedback {
  readonly eventId: string;
  readonly type: 'click' | 'impression' | 'unsubscribe';
  readonly impressionId: string;
  readonly campaignId: string;
  readonly timestamp: string;
}

export interface LinkPorts {
  readonly key: Uint8Array;
  impression(impressionId: string): Promise<LinkImpression | undefined>;
  campaign(campaignId: string): Promise<LinkCampaign | undefined>;
  record(event: LinkFeedback): Promise<void>;
  /** Suppress the user everywhere (every campaign's decisions and sends). */
  suppress(userId: string, reason: 'unsubscribe', source: LinkImpression): Promise<void>;
  now(): Date;
}

const feedbackType: Record<LinkKind, LinkFeedback['type']> = {
  click: 'click',
  open: 'impression',
  unsubscribe: 'unsubscribe',
};

/** The event id of a link's feedback: one per impression and kind. */
export function linkEventId(claims: Pick<LinkClaims, 'kind' | 'impressionId'>): string {
  return `link:${claims.kind}:${claims.impressionId}`;
}

async function follow(token: string, kind: LinkKind, ports: LinkPorts) {
  const claims = verifyLinkToken(token, ports.key, kind);
  const impression = await ports.impression(claims.impressionId);
  // An expired impression (TTL) and a forged one look the same from outside.
  if (!impression || impression.campaignId !== claims.campaignId) throw new NotFoundError('no such link');
  await ports.record({
    eventId: linkEventId(claims),
    type: feedbackType[kind],
    impressionId: impression.impressionId,
    campaignId: impression.campaignId,
    timestamp: ports.now().toISOString(),
  });
  return impression;
}

/**
 * A click: recorded once, then the campaign's own call-to-action URL with its UTM parameters.
 * A campaign without a URL has nowhere to send the reader: 404, no Location.
 */
export async function followClick(token: string, ports: LinkPorts): Promise<{ location: string }> {
  const impression = await follow(token, 'click', ports);
  const campaign = await ports.campaign(impression.campaignId);
  if (!campaign?.ctaUrl) throw new NotFoundError('this campaign has no call-to-action URL');
  return { location: withUtm(campaign.ctaUrl, campaign.utm, impression.variantId) };
}

/** An open (the email's pixel): recorded once as the impression of that message. */
export async function followOpen(token: string, ports: LinkPorts): Promise<void> {
  await follow(token, 'open', ports);
}

/** A confirmed unsubscribe: counted against the arm once, and the user suppressed everywhere. */
export async function followUnsubscribe(token: string, ports: LinkPorts): Promise<LinkImpression> {
  const impression = await follow(token, 'unsubscribe', ports);
  await ports.suppress(impression.userId, 'unsubscribe', impression);
  return impression;
}

/** Checks that an unsubscribe token is real before the confirmation page is shown. */
export async function unsubscribeTarget(token: string, ports: LinkPorts): Promise<LinkImpression> {
  const claims = verifyLinkToken(token, ports.key, 'unsubscribe');
  const impression = await ports.impression(claims.impressionId);
  if (!impression || impression.campaignId !== claims.campaignId) throw new NotFoundError('no such link');
  return impression;
}

/** The URL with the campaign's UTM parameters added; parameters already in the URL are kept. */
export function withUtm(url: string, utm: Utm | undefined, variantId: string): string {
  if (!utm) return url;
  const target = new URL(url);
  const params: Array<[string, string | undefined]> = [
    ['utm_source', utm.source],
    ['utm_medium', utm.medium],
    ['utm_campaign', utm.campaign],
    ['utm_content', utm.content ?? variantId],
  ];
  for (const [name, value] of params) {
    if (value && !target.searchParams.has(name)) target.searchParams.set(name, value);
  }
  return target.toString();
}

/** A transparent 1×1 GIF: what the open pixel answers, whatever happened. */
export const pixelGif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
