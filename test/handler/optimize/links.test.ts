import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { api } from '../../../functions/optimize/handler';
import { pixelGif } from '../../../functions/optimize/links/follow';
import { messageLinks, signLinkToken } from '../../../functions/optimize/links/token';
import { suppressionHash } from '../../../functions/optimize/suppression/store';
import { resetClients } from '../../../functions/shared/clients';
import { resetConfig } from '../../../functions/shared/config';
import { apiEvent, lambdaContext } from '../../support/fixtures';

const dynamo = mockClient(DynamoDBDocumentClient);
const context = lambdaContext('optimize');
const keyText = 'k'.repeat(48);
const key = Buffer.from(keyText, 'utf8');
const base = 'https://api.example.test';
/** A transaction cancelled because its marker already exists: the event was counted before. */
const alreadyCounted = Object.assign(new Error('Transaction cancelled'), {
  name: 'TransactionCanceledException',
  CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
});

/** The feedback markers the handler tried to write: each transaction's conditional put. */
const markers = () =>
  dynamo
    .commandCalls(TransactWriteCommand)
    .flatMap((c) => c.args[0].input.TransactItems ?? [])
    .map((item) => item.Put)
    .filter((put) => put?.TableName === 'feedback')
    .map((put) => ({ eventId: put?.Item?.['eventId'], type: put?.Item?.['type'] }));

const impression = {
  eventId: 'IMPRESSION#imp-1',
  impressionId: 'imp-1',
  campaignId: 'c1',
  segmentId: 'all',
  variantId: 'v1',
  userId: 'u1',
  at: '2025-03-10T09:30:00.000Z',
};
const campaignMeta = {
  pk: 'CAMPAIGN#c1',
  sk: 'META',
  campaignId: 'c1',
  status: 'active',
  spec: {
    ctaUrl: 'https://shop.example.test/spring?ref=mail',
    utm: { source: 'tailor', medium: 'email' },
  },
};

const tokenOf = (url: string) => url.split('/').at(-1)!;
const raw = (result: unknown) => result as APIGatewayProxyStructuredResultV2;

beforeAll(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tailor-links-'));
  writeFileSync(path.join(dir, 'link-key'), `${keyText}\n`);
  Object.assign(process.env, {
    CAMPAIGNS_TABLE: 'campaigns',
    FEEDBACK_TABLE: 'feedback',
    PROFILES_TABLE: 'profiles',
    OPERATIONS_TABLE: 'ops',
    LINK_KEY_FILE: path.join(dir, 'link-key'),
    PUBLIC_API_URL: base,
  });
  resetConfig();
  resetClients();
});

beforeEach(() => {
  dynamo.reset();
  dynamo.on(GetCommand, { TableName: 'feedback', Key: { eventId: 'IMPRESSION#imp-1' } }).resolves({
    Item: impression,
  });
  dynamo.on(QueryCommand, { TableName: 'campaigns' }).resolves({ Items: [campaignMeta] });
  dynamo.on(UpdateCommand).resolves({ Attributes: {} });
});

describe('tracked links (GET /r, /o, /u; POST /u)', () => {
  const links = messageLinks(base, key, { campaignId: 'c1', impressionId: 'imp-1' });

  it('redirects a click to the campaign’s URL with its UTM parameters and counts it once', async () => {
    dynamo.on(TransactWriteCommand).resolvesOnce({}).rejects(alreadyCounted);
    const params = { pathParameters: { token: tokenOf(links.click) } };
    const first = raw(await api(apiEvent('GET /r/{token}', params), context));
    const again = raw(await api(apiEvent('GET /r/{token}', params), context));
    for (const result of [first, again]) {
      expect(result.statusCode).toBe(302);
      const location = new URL(String(result.headers?.['location']));
      expect(`${location.origin}${location.pathname}`).toBe('https://shop.example.test/spring');
      expect(Object.fromEntries(location.searchParams)).toEqual({
        ref: 'mail',
        utm_source: 'tailor',
        utm_medium: 'email',
        utm_content: 'v1',
      });
    }
    // Both follows try the marker under the link's own event id in one transaction with the
    // counter; the second is refused by the marker's condition, so the counter moved once.
    expect(markers()).toEqual([
      { eventId: 'FEEDBACK#link:click:imp-1', type: 'click' },
      { eventId: 'FEEDBACK#link:click:imp-1', type: 'click' },
    ]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('refuses a tampered, foreign or wrong-kind token with 404 and no Location', async () => {
    const click = tokenOf(links.click);
    const tampered = `${click.slice(0, -2)}${click.endsWith('AA') ? 'BB' : 'AA'}`;
    const foreign = signLinkToken(
      { kind: 'click', campaignId: 'c1', impressionId: 'imp-1' },
      Buffer.from('x'.repeat(48)),
    );
    const openToken = tokenOf(links.open);
    for (const token of [tampered, foreign, openToken, 'https%3A%2F%2Fevil.test']) {
      const result = raw(await api(apiEvent('GET /r/{token}', { pathParameters: { token } }), context));
      expect(result.statusCode).toBe(404);
      expect(result.headers?.['location']).toBeUndefined();
    }
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });

  it('refuses a token naming another campaign than its impression’s', async () => {
    const token = signLinkToken({ kind: 'click', campaignId: 'c2', impressionId: 'imp-1' }, key);
    const result = raw(await api(apiEvent('GET /r/{token}', { pathParameters: { token } }), context));
    expect(result.statusCode).toBe(404);
    expect(result.headers?.['location']).toBeUndefined();
  });

  it('answers the open pixel’s GIF whether or not the token is real, counting only a real one', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    for (const token of [tokenOf(links.open), 'garbage']) {
      const result = raw(await api(apiEvent('GET /o/{token}', { pathParameters: { token } }), context));
      expect(result.statusCode).toBe(200);
      expect(result.headers?.['content-type']).toBe('image/gif');
      expect(result.isBase64Encoded).toBe(true);
      expect(Buffer.from(String(result.body), 'base64')).toEqual(pixelGif);
    }
    expect(markers().map((m) => m.eventId)).toEqual(['FEEDBACK#link:open:imp-1']);
  });

  it('shows the unsubscribe confirmation in Chinese, without unsubscribing on GET', async () => {
    const token = tokenOf(links.unsubscribe);
    const event = apiEvent('GET /u/{token}', { pathParameters: { token } });
    event.headers['accept-language'] = 'zh-CN,zh;q=0.9,en;q=0.8';
    const result = raw(await api(event, context));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(result.body).toContain('<form method="post"');
    expect(result.body).toContain('退订');
    expect(dynamo).not.toHaveReceivedCommand(PutCommand);
  });

  it('answers an unknown unsubscribe link with a 404 page', async () => {
    const result = raw(
      await api(apiEvent('GET /u/{token}', { pathParameters: { token: 'nope.nope' } }), context),
    );
    expect(result.statusCode).toBe(404);
    expect(result.body).toContain('Link not found');
  });

  it('unsubscribes on the one-click POST (form body), counts it and suppresses the user', async () => {
    dynamo.on(PutCommand).resolves({});
    const event = apiEvent('POST /u/{token}', {
      pathParameters: { token: tokenOf(links.unsubscribe) },
      body: 'List-Unsubscribe=One-Click',
    });
    event.headers['content-type'] = 'application/x-www-form-urlencoded';
    const result = raw(await api(event, context));
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('You are unsubscribed');
    expect(markers()).toEqual([{ eventId: 'FEEDBACK#link:unsubscribe:imp-1', type: 'unsubscribe' }]);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'campaigns',
      Item: expect.objectContaining({
        pk: 'SUPPRESSIONS',
        sk: suppressionHash(key, 'u1'),
        reason: 'unsubscribe',
        campaignId: 'c1',
      }),
    });
  });
});
