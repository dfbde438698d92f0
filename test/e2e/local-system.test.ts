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
});
