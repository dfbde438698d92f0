import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { NotFoundError } from '../../../core/errors';

/**
 * Tracked-link tokens. A token names one impression and what the link does with it, and
 * nothing else: no URL travels in it, so a link can only ever lead to the campaign's own
 * call-to-action URL (no open redirect). It is signed with HMAC-SHA-256 under the deployment's
 * link key; a token that was altered, truncated or signed under another key is refused.
 *
 * Form: `<payload>.<mac>`, both base64url; payload = JSON `[version, kind, campaignId,
 * impressionId]`; mac = the first 16 bytes of HMAC-SHA-256(key, "tailor-link." + payload).
 */
export const linkKinds = ['click', 'open', 'unsubscribe'] as const;
export type LinkKind = (typeof linkKinds)[number];

export interface LinkClaims {
  readonly kind: LinkKind;
  readonly campaignId: string;
  readonly impressionId: string;
}

const version = 1;
const macBytes = 16;
/** Longer tokens are refused before any work: ids are bounded, so a real token never is. */
export const maxTokenLength = 600;
const kindCodes: Record<LinkKind, string> = { click: 'c', open: 'o', unsubscribe: 'u' };
const kindOfCode = new Map(Object.entries(kindCodes).map(([kind, code]) => [code, kind as LinkKind]));

/** A new random link key (32 bytes), for a local data folder or a secret. */
export function newLinkKey(): Buffer {
  return randomBytes(32);
}

function mac(payload: string, key: Uint8Array): Buffer {
  return createHmac('sha256', key).update(`tailor-link.${payload}`).digest().subarray(0, macBytes);
}

export function signLinkToken(claims: LinkClaims, key: Uint8Array): string {
  const payload = Buffer.from(
    JSON.stringify([version, kindCodes[claims.kind], claims.campaignId, claims.impressionId]),
  ).toString('base64url');
  return `${payload}.${mac(payload, key).toString('base64url')}`;
}

/**
 * The claims of a token this deployment signed, for the kind of link being followed.
 * Anything else (malformed, altered, another key, another kind) is one `NotFoundError`: the
 * caller learns only that no such link exists.
 */
export function verifyLinkToken(token: string, key: Uint8Array, kind: LinkKind): LinkClaims {
  const unknown = () => new NotFoundError('no such link');
  if (token.length > maxTokenLength) throw unknown();
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) throw unknown();
  const payload = token.slice(0, dot);
  const macText = token.slice(dot + 1);
  const given = Buffer.from(macText, 'base64url');
  // One spelling per token: base64url's last character carries padding bits the decoder
  // ignores, so a changed token must not verify as the same one.
  if (given.toString('base64url') !== macText) throw unknown();
  const expected = mac(payload, key);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unknown();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw unknown();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw unknown();
  const [v, code, campaignId, impressionId] = parsed as unknown[];
  if (v !== version || typeof campaignId !== 'string' || typeof impressionId !== 'string') throw unknown();
  if (kindOfCode.get(code as string) !== kind) throw unknown();
  return { kind, campaignId, impressionId };
}

/** The tracked links of one message, as the decision answer and the email carry them. */
export interface MessageLinks {
  readonly click: string;
  readonly open: string;
  readonly unsubscribe: string;
}

const routeOf: Record<LinkKind, string> = { click: 'r', open: 'o', unsubscribe: 'u' };

/** The links of an impression under the API's public base URL. */
export function messageLinks(
  baseUrl: string,
  key: Uint8Array,
  ids: { readonly campaignId: string; readonly impressionId: string },
): MessageLinks {
  const base = baseUrl.replace(/\/+$/, '');
  const url = (kind: LinkKind) =>
    `${base}/${routeOf[kind]}/${signLinkToken({ kind, campaignId: ids.campaignId, impressionId: ids.impressionId }, key)}`;
  return { click: url('click'), open: url('open'), unsubscribe: url('unsubscribe') };
}
