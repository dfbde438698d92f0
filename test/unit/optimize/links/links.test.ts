import { NotFoundError } from '../../../../core/errors';
import {
  followClick,
  followOpen,
  followUnsubscribe,
  type LinkFeedback,
  type LinkImpression,
  type LinkPorts,
  linkEventId,
  pixelGif,
  withUtm,
} from '../../../../functions/optimize/links/follow';
import {
  maxTokenLength,
  messageLinks,
  newLinkKey,
  signLinkToken,
  verifyLinkToken,
} from '../../../../functions/optimize/links/token';

const key = Buffer.alloc(32, 7);
const claims = { kind: 'click' as const, campaignId: 'cmp-1', impressionId: 'imp-1' };

describe('link tokens', () => {
  it('verifies a token it signed and returns its claims', () => {
    expect(verifyLinkToken(signLinkToken(claims, key), key, 'click')).toEqual(claims);
  });

  it('refuses a token with any character changed', () => {
    const token = signLinkToken(claims, key);
    for (let i = 0; i < token.length; i++) {
      const c = token[i] === 'A' ? 'B' : 'A';
      const tampered = token.slice(0, i) + c + token.slice(i + 1);
      if (tampered === token) continue;
      expect(() => verifyLinkToken(tampered, key, 'click')).toThrow(NotFoundError);
    }
  });

  it('refuses every other spelling of the signature, padding bits included', () => {
    const token = signLinkToken(claims, key);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const c of alphabet) {
      const respelled = token.slice(0, -1) + c;
      if (respelled === token) continue;
      expect(() => verifyLinkToken(respelled, key, 'click')).toThrow(NotFoundError);
    }
  });

  it('refuses a token signed under another key', () => {
    expect(() => verifyLinkToken(signLinkToken(claims, newLinkKey()), key, 'click')).toThrow(NotFoundError);
  });

  it('refuses a click token used as an unsubscribe link', () => {
    expect(() => verifyLinkToken(signLinkToken(claims, key), key, 'unsubscribe')).toThrow(NotFoundError);
  });

  it('refuses malformed and oversized tokens', () => {
    for (const bad of ['', '.', 'abc', 'a.b.c', `${'a'.repeat(maxTokenLength)}.b`, 'bm90IGpzb24.AAAA']) {
      expect(() => verifyLinkToken(bad, key, 'click')).toThrow(NotFoundError);
    }
  });

  it('builds the three links of a message under the base URL, each verifiable for its own kind', () => {
    const links = messageLinks('https://api.example.com/', key, claims);
    expect(links.click).toMatch(/^https:\/\/api\.example\.com\/r\/[\w-]+\.[\w-]+$/);
    expect(links.open).toMatch(/^https:\/\/api\.example\.com\/o\//);
    expect(links.unsubscribe).toMatch(/^https:\/\/api\.example\.com\/u\//);
    const token = links.unsubscribe.split('/u/')[1]!;
    expect(verifyLinkToken(token, key, 'unsubscribe').impressionId).toBe('imp-1');
  });
});

describe('following links', () => {
  const impression: LinkImpression = {
    impressionId: 'imp-1',
    campaignId: 'cmp-1',
    segmentId: 'seg-1',
    variantId: 'v-2',
    userId: 'u-9',
  };

  function ports(overrides: Partial<LinkPorts> = {}) {
    const recorded: LinkFeedback[] = [];
    const suppressed: string[] = [];
    const value: LinkPorts = {
      key,
      impression: async (id) => (id === 'imp-1' ? impression : undefined),
      campaign: async () => ({ ctaUrl: 'https://shop.example.com/sale?ref=mail', utm: { source: 'tailor' } }),
      record: async (event) => {
        recorded.push(event);
      },
      suppress: async (userId) => {
        suppressed.push(userId);
      },
      now: () => new Date('2026-12-03T10:00:00Z'),
      ...overrides,
    };
    return { value, recorded, suppressed };
  }

  it('records a click with an id derived from the impression and redirects to the campaign URL', async () => {
    const { value, recorded } = ports();
    const token = signLinkToken(claims, key);
    const first = await followClick(token, value);
    const second = await followClick(token, value);
    expect(first.location).toBe('https://shop.example.com/sale?ref=mail&utm_source=tailor&utm_content=v-2');
    expect(second).toEqual(first);
    expect(recorded.map((e) => e.eventId)).toEqual([linkEventId(claims), linkEventId(claims)]);
    expect(recorded[0]).toMatchObject({ type: 'click', impressionId: 'imp-1', campaignId: 'cmp-1' });
  });

  it('answers 404 for a token naming an impression that does not exist, recording nothing', async () => {
    const { value, recorded } = ports();
    const token = signLinkToken({ ...claims, impressionId: 'imp-404' }, key);
    await expect(followClick(token, value)).rejects.toThrow(NotFoundError);
    expect(recorded).toEqual([]);
  });

  it('answers 404 when the impression belongs to another campaign than the token names', async () => {
    const { value } = ports();
    await expect(followClick(signLinkToken({ ...claims, campaignId: 'cmp-2' }, key), value)).rejects.toThrow(
      NotFoundError,
    );
  });

  it('answers 404 when the campaign has no call-to-action URL', async () => {
    const { value } = ports({ campaign: async () => ({}) });
    await expect(followClick(signLinkToken(claims, key), value)).rejects.toThrow(/no call-to-action URL/);
  });

  it('records an open as the message impression', async () => {
    const { value, recorded } = ports();
    await followOpen(signLinkToken({ ...claims, kind: 'open' }, key), value);
    expect(recorded[0]).toMatchObject({ type: 'impression', eventId: 'link:open:imp-1' });
  });

  it('unsubscribes: counts it on the arm and suppresses the user', async () => {
    const { value, recorded, suppressed } = ports();
    await followUnsubscribe(signLinkToken({ ...claims, kind: 'unsubscribe' }, key), value);
    expect(recorded[0]).toMatchObject({ type: 'unsubscribe', eventId: 'link:unsubscribe:imp-1' });
    expect(suppressed).toEqual(['u-9']);
  });

  it('keeps UTM parameters already in the URL and adds only the missing ones', () => {
    expect(withUtm('https://x.test/p?utm_source=own', { source: 'tailor', medium: 'email' }, 'v1')).toBe(
      'https://x.test/p?utm_source=own&utm_medium=email&utm_content=v1',
    );
    expect(withUtm('https://x.test/p', undefined, 'v1')).toBe('https://x.test/p');
  });

  it('serves a 1x1 GIF as the pixel', () => {
    expect(pixelGif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(pixelGif.readUInt16LE(6)).toBe(1);
    expect(pixelGif.readUInt16LE(8)).toBe(1);
  });
});
