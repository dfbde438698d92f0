import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type LocalSystem, startLocal } from '../../local/runtime';

/**
 * The local system end to end: real emulators on free ports, the synthesized app, the real
 * handlers. One request through API → handler → DynamoDB/S3, one file through S3 → EventBridge
 * → ingestion, a profiling run through Step Functions (Distributed Map), a scheduled event,
 * and a generation through the SageMaker protocol.
 */
jest.setTimeout(180_000);

let system: LocalSystem;
let profilingRunId: string;
// biome-ignore lint/suspicious/noExplicitAny: decision answers as the API gives them.
let decided: any[] = [];
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

async function api(method: string, path: string, body?: unknown, raw?: string) {
  const response = await fetch(`${system.apiUrl}${path}`, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  const started = performance.now();
  system = await startLocal({
    inMemory: true,
    schedules: false,
    ports: { api: 0, dynamodb: 0, s3: 0, stepfunctions: 0, model: 0 },
  });
  console.log(`local system up in ${Math.round(performance.now() - started)} ms at ${system.apiUrl}`);
});

afterAll(async () => {
  await system?.close();
});

describe('the local system', () => {
  it('answers GET /health after checking the table and the bucket', async () => {
    const { status, body } = await api('GET', '/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', checks: { table: { ok: true }, bucket: { ok: true } } });
  });

  it('accepts events through the API, reports bad ones by index, and counts a resend once', async () => {
    const events = [
      {
        eventId: 'e2e-1',
        userId: 'alice',
        type: 'purchase',
        productId: 'p1',
        orderId: 'o1',
        quantity: 1,
        price: 20,
        timestamp: '2026-01-02T10:00:00Z',
      },
      { userId: 'bob', type: 'view', productId: 'p2', timestamp: 'last tuesday' },
    ];
    const first = await api('POST', '/events', { events });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 1, reason: expect.stringMatching(/^timestamp: /) }],
    });
    const again = await api('POST', '/events', { events: [events[0]] });
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('answers malformed input with a 400 naming the problem, and never a stack', async () => {
    const notJson = await api('POST', '/events', undefined, '{"events": [');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toMatch(/not valid JSON/);
    const wrongShape = await api('POST', '/products', { products: 'none' });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.error.message).toMatch(/^body\.products: /);
    for (const r of [notJson, wrongShape]) expect(r.text).not.toMatch(/\n\s+at /);
  });

  it('answers 404 for an unknown route and for an unknown id', async () => {
    expect((await api('GET', '/nowhere')).status).toBe(404);
    const campaign = await api('GET', '/campaigns/missing');
    expect(campaign).toMatchObject({ status: 404, body: { error: { code: 'NotFound' } } });
  });

  it('ingests a file uploaded to S3: good rows stored, bad rows reported by line, counts adding up', async () => {
    const created = await api('POST', '/uploads', { fileName: 'events.csv' });
    expect(created.status).toBe(201);
    const csv = [
      'eventId,userId,type,productId,orderId,timestamp,quantity,price',
      'e2e-1,alice,purchase,p1,o1,2026-01-02T10:00:00Z,1,20',
      ',alice,purchase,p2,o1,2026-01-02T10:00:00Z,1,12',
      ',carol,view,p3,,2026-01-02T11:00:00Z,,',
      ',dave,purchase,p4,o9,not-a-date,1,5',
      ',carol,purchase,p3,o2,1767261600000,2,7.5',
      ',carol,purchase,p1,o3,2026-01-03T09:00:00Z,1,20',
      ',carol,purchase,p2,o3,2026-01-03T09:00:00Z,1,12',
      ',erin,purchase,p1,o4,2026-01-03T12:00:00Z,1,20',
      ',erin,purchase,p2,o4,2026-01-03T12:00:00Z,1,12',
    ].join('\n');
    const put = await fetch(created.body.uploadUrl, { method: 'PUT', body: csv });
    expect(put.status).toBe(200);
    const done = await until(
      () => api('GET', `/uploads/${created.body.uploadId}`),
      (r) => ['succeeded', 'failed'].includes(r.body?.status),
    );
    expect(done.body).toMatchObject({
      status: 'succeeded',
      rowsRead: 9,
      accepted: 8,
      rejected: 1,
      duplicates: 0,
    });
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: system.endpoints.s3,
      forcePathStyle: true,
      credentials,
    });
    const report = await s3.send(
      new GetObjectCommand({ Bucket: system.bucket, Key: done.body.rejectionReportKey }),
    );
    expect(JSON.parse((await report.Body?.transformToString()) ?? '{}')).toMatchObject({ line: 5 });
    profilingRunId = done.body.profilingRunId;
    expect(profilingRunId).toMatch(/^run-/);
  });

  it('profiles the new data in the run the upload started: segments, profiles and rules', async () => {
    const run = await until(
      () => api('GET', `/profiles/runs/${profilingRunId}`),
      (r) => ['succeeded', 'failed'].includes(r.body?.status),
    );
    expect(run.body).toMatchObject({ status: 'succeeded', trigger: 'ingestion', phase: 'done' });
    // alice's first purchase came through the API and again in the file: counted once.
    expect(run.body.figures).toMatchObject({ users: 3, buyers: 3, cleaning: { duplicates: 1 } });
    expect(run.body.shardsAssigned).toBe(run.body.shardCount);

    const segments = await api('GET', '/segments');
    expect(segments.body.segments.length).toBeGreaterThan(0);
    const first = segments.body.segments[0];
    expect((await api('GET', `/segments/${first.segmentId}`)).body).toMatchObject({
      label: { en: expect.any(String), zh: expect.any(String) },
    });
    const profile = await api('GET', '/profiles/alice');
    expect(profile.body).toMatchObject({
      userId: 'alice',
      features: { frequency: 1, monetary: 32 },
      rfm: { tier: expect.any(String) },
    });
    expect((await api('GET', '/profiles/nobody')).status).toBe(404);
    const rules = await api('GET', '/rules?productId=p1');
    expect(rules.body.rules[0]).toMatchObject({ antecedent: ['p1'], consequent: ['p2'] });
    expect((await api('GET', '/rules?limit=0')).status).toBe(400);

    // Recommendations: alice bought p1 and p2; carol also bought p3.
    const recommended = await api('GET', '/recommendations?userId=alice&limit=3');
    expect(recommended.status).toBe(200);
    expect(recommended.body.userId).toBe('alice');
    expect(recommended.body.items.length).toBeGreaterThan(0);
    for (const item of recommended.body.items) {
      expect(item).toMatchObject({
        productId: expect.any(String),
        score: expect.any(Number),
        reason: expect.any(String),
        source: expect.any(String),
      });
    }
    const discover = await api('GET', '/recommendations?userId=alice&exclude=purchased');
    expect(discover.status).toBe(200);
    for (const item of discover.body.items) expect(['p1', 'p2']).not.toContain(item.productId);
    expect(discover.body.items.map((i: { productId: string }) => i.productId)).toContain('p3');
    const unknown = await api('GET', '/recommendations?userId=nobody');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/nobody/);
    expect((await api('GET', '/recommendations?userId=alice&limit=0')).status).toBe(400);
    expect((await api('GET', '/profiles/alice')).body.interest[0]).toMatchObject({
      category: expect.any(String),
      probability: expect.any(Number),
    });
  });

  it('runs a profiling run on request, through the state machine', async () => {
    const started = await api('POST', '/profiles/runs', {});
    expect(started.status).toBe(202);
    const run = await until(
      () => api('GET', `/profiles/runs/${started.body.runId}`),
      (r) => ['succeeded', 'failed'].includes(r.body?.status),
    );
    expect(run.body).toMatchObject({ status: 'succeeded', trigger: 'api' });
  });

  it('starts a profiling run when the schedule fires', async () => {
    const rule = system.events.rules.find((r) => r.schedule);
    expect(rule).toBeDefined();
    system.events.fire(rule?.name ?? '');
    await system.settle();
    const sfn = new SFNClient({ region: 'us-east-1', endpoint: system.endpoints.stepfunctions, credentials });
    const [machine] = [...system.stepFunctions.machines.keys()];
    const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }));
    expect(executions?.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('generates copy through the SageMaker protocol', async () => {
    const { status, body } = await api('POST', '/generate', {
      products: [{ productId: 'p1', title: 'Linen Shirt', category: 'shirts', price: 39.9 }],
      goal: 'promotion',
      channel: 'push',
      language: 'en',
      variants: 2,
      seed: 7,
    });
    expect(status).toBe(200);
    expect(body.variants).toHaveLength(2);
    expect(body.variants[0].headline.length).toBeGreaterThan(0);
  });

  it('writes copy aimed at a profiled user, with products chosen from their profile', async () => {
    const products = ['p1', 'p2', 'p3'].map((productId, i) => ({
      productId,
      title: `Linen Shirt ${i + 1}`,
      category: 'shirts',
      price: 20 + i,
    }));
    expect((await api('POST', '/products', { products })).body).toMatchObject({ upserted: 3 });
    const { status, body } = await api('POST', '/generate', {
      userId: 'carol',
      goal: 'recommendation',
      channel: 'email',
      language: 'en',
      variants: 2,
      seed: 3,
    });
    expect(status).toBe(200);
    expect(body.variants.length).toBeGreaterThan(0);
    expect(body.variants[0].rendered).toMatchObject({
      subject: expect.any(String),
      html: expect.stringContaining('<'),
    });
  });

  it('predicts click, conversion and uplift for a profiled user, with reasons', async () => {
    const { status, body } = await api('POST', '/predict', {
      userId: 'alice',
      variants: [{ headline: 'Linen shirts are back', goal: 'new_arrival', channel: 'push', language: 'en' }],
    });
    expect(status).toBe(200);
    expect(body.audience.segmentId).toMatch(/^seg-|^browsers$/);
    expect(body.predictions[0]).toMatchObject({
      ctr: { p: expect.any(Number), low: expect.any(Number), high: expect.any(Number) },
      source: { ctr: 'prior' },
    });
    expect((await api('POST', '/predict', { variants: [] })).status).toBe(400);
  });

  it('lists the model registry', async () => {
    const { status, body } = await api('GET', '/models');
    expect(status).toBe(200);
    expect(body.models.map((m: { model: string }) => m.model)).toEqual(['ctr', 'cvr', 'uplift']);
  });
  describe('the campaign loop', () => {
    let campaignId: string;
    const audienceIds = Array.from({ length: 30 }, (_, i) => `shopper-${i}`);

    it('creates a campaign: per segment, variants generated, predicted and selected by the campaign run', async () => {
      const products = ['p1', 'p2'].map((productId, i) => ({
        productId,
        title: `Linen Shirt ${i + 1}`,
        category: 'shirts',
        price: 20 + i,
      }));
      expect((await api('POST', '/products', { products })).status).toBe(200);
      const bad = await api('POST', '/campaigns', { name: 'x', goal: 'promotion', channel: 'email' });
      expect(bad.status).toBe(400);
      const created = await api('POST', '/campaigns', {
        name: 'Linen week',
        goal: 'promotion',
        channel: 'email',
        language: 'en',
        productIds: ['p1', 'p2'],
        // Profiled users land in their segments, the others in `all`.
        audience: { kind: 'users', userIds: ['alice', 'carol', ...audienceIds] },
        variantsPerSegment: 2,
        controlShare: 0.2,
        seed: 11,
        ctaUrl: 'https://shop.example.test/linen?ref=mail',
        utm: { source: 'tailor', medium: 'email' },
      });
      expect(created.status).toBe(202);
      campaignId = created.body.campaignId;
      const state = await until(
        async () => (await api('GET', `/campaigns/${campaignId}`)).body,
        (s) => s.campaign.status !== 'creating',
      );
      expect(state.campaign.status).toBe('active');
      const segments: string[] = state.campaign.segments.map((x: { segmentId: string }) => x.segmentId);
      expect(segments.length).toBeGreaterThan(0);
      for (const segmentId of segments) {
        const arms = state.variants.filter((v: { segmentId: string }) => v.segmentId === segmentId);
        expect(arms.filter((v: { kind: string }) => v.kind === 'generated')).toHaveLength(2);
        expect(arms.filter((v: { kind: string }) => v.kind === 'control')).toHaveLength(1);
        for (const v of arms.filter((a: { kind: string }) => a.kind === 'generated')) {
          expect(v.prediction.ctr.p).toBeGreaterThan(0);
          expect(v.prior.alpha).toBeGreaterThan(0);
        }
      }
      expect(state.snapshots).toHaveLength(1);
      const listed = await api('GET', '/campaigns');
      expect(listed.body.campaigns.map((c: { campaignId: string }) => c.campaignId)).toContain(campaignId);
    });

    it('decides per user, counts feedback once per event id, and answers 404 for unknown ids', async () => {
      const decisions = await Promise.all(
        ['alice', 'carol', ...audienceIds, 'nobody'].map(
          async (userId) => (await api('GET', `/campaigns/${campaignId}/decision?userId=${userId}`)).body,
        ),
      );
      const sent = decisions.filter((d) => d.send);
      for (const d of decisions.slice(0, -1)) expect(['thompson', 'control']).toContain(d.reason);
      expect(decisions.at(-1)).toMatchObject({ send: false, reason: 'not-in-audience' });
      // 32 users, each held out with probability 0.2: some are sent a message.
      expect(sent.length).toBeGreaterThan(10);
      const [first] = sent;
      const event = {
        eventId: `click-${first.impressionId}`,
        type: 'click',
        impressionId: first.impressionId,
      };
      const once = await api('POST', '/feedback', { events: [event, event] });
      expect(once.body).toMatchObject({ accepted: 1, duplicates: 1 });
      expect((await api('POST', '/feedback', event)).body).toMatchObject({ accepted: 0, duplicates: 1 });
      const unknown = await api('POST', '/feedback', {
        eventId: 'e-unknown',
        type: 'click',
        campaignId,
        variantId: 'no-such-variant',
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.message).toMatch(/does not exist/);
      expect((await api('POST', '/feedback', { eventId: 'e', type: 'like' })).status).toBe(400);
      // One conversion sent 20 times at once, each its own request: one commits (a transaction
      // of marker and counter shard), 19 are duplicates, the arm's counters move once.
      const second = sent[1];
      const conversion = {
        eventId: `conv-${second.impressionId}`,
        type: 'conversion',
        impressionId: second.impressionId,
        value: 30,
      };
      const burst = await Promise.all(Array.from({ length: 20 }, () => api('POST', '/feedback', conversion)));
      expect(burst.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(burst.reduce((n, r) => n + r.body.accepted, 0)).toBe(1);
      expect(burst.reduce((n, r) => n + r.body.duplicates, 0)).toBe(19);
      const state = (await api('GET', `/campaigns/${campaignId}`)).body;
      const counterOf = (d: { segmentId: string; variantId: string }) =>
        state.counters.find(
          (c: { segmentId: string; variantId: string }) =>
            c.segmentId === d.segmentId && c.variantId === d.variantId,
        );
      const counter = counterOf(first);
      expect(counter.clicks).toBe(1);
      expect(counter.sends).toBeGreaterThanOrEqual(1);
      const converted = state.counters.filter((c: { conversions: number }) => c.conversions > 0);
      expect(converted).toHaveLength(1);
      expect(converted[0]).toMatchObject({
        segmentId: second.segmentId,
        variantId: second.variantId,
        conversions: 1,
        value: 30,
      });
      const users = ['alice', 'carol', ...audienceIds, 'nobody'];
      decided = decisions.map((d, i) => ({ ...d, userId: users[i] }));
    });

    it('follows tracked links: one click however often, the pixel, a refused tampered link, an unsubscribe that stops sends', async () => {
      const sent = decided.filter((d) => d.send);
      const held = decided.find((d) => d.reason === 'control');
      if (held) expect(held.links).toBeUndefined();
      const message = sent[1];
      expect(message.links.click).toMatch(new RegExp(`^${system.apiUrl}/r/`));
      const arm = async () =>
        (await api('GET', `/campaigns/${campaignId}`)).body.counters.find(
          (c: { segmentId: string; variantId: string }) =>
            c.segmentId === message.segmentId && c.variantId === message.variantId,
        );
      const before = await arm();
      for (let i = 0; i < 3; i++) {
        const followed = await fetch(message.links.click, { redirect: 'manual' });
        expect(followed.status).toBe(302);
        const location = new URL(String(followed.headers.get('location')));
        expect(`${location.origin}${location.pathname}`).toBe('https://shop.example.test/linen');
        expect(location.searchParams.get('ref')).toBe('mail');
        expect(location.searchParams.get('utm_source')).toBe('tailor');
        expect(location.searchParams.get('utm_content')).toBe(message.variantId);
      }
      const tampered = message.links.click.replace(/.$/, (c: string) => (c === 'A' ? 'B' : 'A'));
      const refused = await fetch(tampered, { redirect: 'manual' });
      expect(refused.status).toBe(404);
      expect(refused.headers.get('location')).toBeNull();
      for (const url of [message.links.open, message.links.open, `${system.apiUrl}/o/forged`]) {
        const pixel = await fetch(url);
        expect(pixel.status).toBe(200);
        expect(pixel.headers.get('content-type')).toBe('image/gif');
        expect((await pixel.arrayBuffer()).byteLength).toBe(42);
      }
      const page = await fetch(message.links.unsubscribe, { headers: { 'accept-language': 'zh-CN' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('退订');
      const unsubscribed = await fetch(message.links.unsubscribe, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(unsubscribed.status).toBe(200);
      const after = await arm();
      expect(after.clicks - before.clicks).toBe(1);
      expect(after.impressions - before.impressions).toBe(1);
      expect(after.unsubscribes - before.unsubscribes).toBe(1);
      const next = await api('GET', `/campaigns/${campaignId}/decision?userId=${message.userId}`);
      expect(next.body).toMatchObject({ send: false, reason: 'unsubscribed' });
    });

    it('re-optimizes through its state machine: verdicts, snapshot, report, strategies', async () => {
      const started = await api('POST', '/optimize/runs', { campaignIds: [campaignId], breed: false });
      expect(started.status).toBe(202);
      const run = await until(
        async () => (await api('GET', `/optimize/runs/${started.body.runId}`)).body,
        (r) => r.status !== 'running',
      );
      expect(run.status).toBe('succeeded');
      const state = (await api('GET', `/campaigns/${campaignId}`)).body;
      expect(state.snapshots).toHaveLength(2);
      expect(state.campaign.verdicts.runId).toBe(run.runId);
      expect(state.campaign.reportKey).toBe(`reports/campaigns/${campaignId}/report.md`);
      const report = await api('GET', `/campaigns/${campaignId}/report`);
      expect(report.body.markdown).toContain('Linen week');
      const s3 = new S3Client({
        endpoint: system.endpoints.s3,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials,
      });
      const object = await s3.send(
        new GetObjectCommand({ Bucket: system.bucket, Key: state.campaign.reportKey }),
      );
      expect(await object.Body?.transformToString()).toContain('# ');
      const segmentId = state.campaign.segments[0].segmentId;
      if (segmentId !== 'all') {
        const segment = await api('GET', `/segments/${segmentId}`);
        expect(segment.body.strategy).toMatchObject({ segmentId });
      }
    });
  });
});
