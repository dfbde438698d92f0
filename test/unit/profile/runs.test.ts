import { ConflictError } from '../../../core/errors';
import { acceptEvents } from '../../../functions/profile/events';
import {
  assignShard,
  failRun,
  finishRun,
  fitRun,
  getRun,
  prepareRun,
  profileShard,
  type ShardDescriptor,
  startProfilingRun,
} from '../../../functions/profile/runs';
import { TableProfileStore } from '../../../functions/profile/store';
import { MemoryObjectStore, MemoryTable } from '../../support/memory';

const day = 86_400_000;
const start = Date.UTC(2026, 0, 1);

/**
 * A small shop: big spenders buying often and recently, occasional buyers long ago, and
 * browsers; every order with product A also holds product B (a rule to find).
 */
function shopEvents() {
  const events: Array<Record<string, unknown>> = [];
  let order = 0;
  const buy = (userId: string, at: number, items: Array<[string, number, number]>) => {
    const orderId = `o${order++}`;
    for (const [productId, quantity, price] of items) {
      events.push({
        userId,
        type: 'purchase',
        orderId,
        productId,
        quantity,
        price,
        category: productId.startsWith('A') || productId.startsWith('B') ? 'lighting' : 'bags',
        timestamp: new Date(at).toISOString(),
      });
    }
  };
  for (let u = 0; u < 40; u++) {
    for (let o = 0; o < 8; o++) {
      const items: Array<[string, number, number]> =
        o % 2 === 0
          ? [
              ['A1', 2, 30],
              ['B1', 1, 25],
            ]
          : [];
      buy(`vip${u}`, start + (60 + o * 4 + (u % 3)) * day, [...items, [`C${o}`, 1, 40]]);
    }
  }
  for (let u = 0; u < 60; u++) buy(`once${u}`, start + (u % 10) * day, [[`C${u % 5}`, 1, 5]]);
  for (let u = 0; u < 30; u++)
    events.push({
      userId: `look${u}`,
      type: 'view',
      productId: 'C1',
      category: 'bags',
      timestamp: new Date(start + 70 * day).toISOString(),
    });
  events.push({
    userId: 'once0',
    type: 'refund',
    orderId: 'o-r',
    productId: 'C0',
    quantity: 1,
    price: 5,
    timestamp: new Date(start + 20 * day).toISOString(),
  });
  events.push({
    userId: 'guest:x1',
    type: 'purchase',
    orderId: 'g1',
    productId: 'A1',
    quantity: 1,
    price: 30,
    category: 'lighting',
    timestamp: new Date(start + 5 * day).toISOString(),
  });
  return events;
}

async function runPipeline() {
  const objects = new MemoryObjectStore();
  const operations = new MemoryTable();
  const profilesTable = new MemoryTable();
  const catalog = new MemoryTable(['productId']);
  await catalog.put({ productId: 'A1', title: 'Lantern' });
  await catalog.put({ productId: 'B1', title: 'Candle' });
  const ports = {
    objects,
    operations,
    profiles: new TableProfileStore(profilesTable),
    catalog,
    rawPrefix: 'raw/',
    now: () => new Date(start + 100 * day),
    options: { minSupport: 0.05, minConfidence: 0.5, minLift: 1.1 },
  };
  const events = shopEvents();
  for (let i = 0; i < events.length; i += 1000) {
    await acceptEvents(events.slice(i, i + 1000), { ...ports, shards: 4, dedupTtlDays: 1 }, `r${i}`);
  }
  const workflow = { start: jest.fn(async () => ({ executionArn: 'arn:exec' })), describe: jest.fn() };
  const run = await startProfilingRun('api', { operations, workflow, now: ports.now });
  const prepared = await prepareRun(run.runId, ports);
  const manifest = JSON.parse(objects.text(prepared.manifestKey) ?? '[]') as ShardDescriptor[];
  for (const shard of manifest) await profileShard(run.runId, shard, ports);
  await fitRun(run.runId, ports);
  for (const shard of manifest) await assignShard(run.runId, shard, ports);
  await finishRun(run.runId, ports);
  return { ports, run, events, manifest, workflow };
}

describe('a profiling run, step by step', () => {
  let result: Awaited<ReturnType<typeof runPipeline>>;
  beforeAll(async () => {
    result = await runPipeline();
  });

  it('succeeds with figures, every shard aggregated and assigned', async () => {
    const record = await getRun(result.run.runId, result.ports.operations);
    expect(record).toMatchObject({ status: 'succeeded', phase: 'done', shardsDone: result.manifest.length });
    expect(record.shardsAssigned).toBe(result.manifest.length);
    expect(record.figures).toMatchObject({ users: 130, buyers: 100, snapshotDate: '2026-04-02' });
    expect(record.figures?.cleaning).toMatchObject({ guestEvents: 1, returns: 1 });
  });

  it('stores each buyer’s recommendations, discoveries and interests, and each segment’s picks', async () => {
    const profile = await result.ports.profiles.getProfile('vip1');
    const bought = new Set(
      result.events
        .filter((e) => e['userId'] === 'vip1' && e['type'] === 'purchase')
        .map((e) => e['productId']),
    );
    const recommendations = profile?.['recommendations'] as Array<{ productId: string; source: string }>;
    const discover = profile?.['discover'] as Array<{ productId: string }>;
    const interest = profile?.['interest'] as Array<{ category: string; probability: number }>;
    expect(recommendations.length).toBeGreaterThan(0);
    expect(recommendations.some((r) => bought.has(r.productId))).toBe(true);
    for (const r of discover) expect(bought.has(r.productId)).toBe(false);
    expect(interest[0]?.probability).toBeGreaterThan(0);
    const browser = await result.ports.profiles.getProfile('look1');
    expect(browser?.['recommendations']).toBeUndefined();
    const segments = await result.ports.profiles.listSegments();
    const vip = segments.find((s) => s.segmentId === profile?.segmentId) as unknown as {
      picks: Array<{ productId: string; buyers: number }>;
    };
    expect(vip.picks.length).toBeGreaterThan(0);
    expect(vip.picks[0]!.buyers).toBeGreaterThanOrEqual(vip.picks.at(-1)!.buyers);
  });

  it('computes RFM as an independent computation does', async () => {
    for (const userId of ['vip3', 'once0', 'once7']) {
      const mine = result.events.filter((e) => e['userId'] === userId);
      const purchases = mine.filter((e) => e['type'] === 'purchase');
      const refunds = mine.filter((e) => e['type'] === 'refund');
      const value = (list: typeof mine) =>
        list.reduce((s, e) => s + Number(e['quantity']) * Number(e['price']), 0);
      const lastEventAt = Math.max(...result.events.map((e) => Date.parse(String(e['timestamp']))));
      const snapshot = (Math.floor(lastEventAt / day) + 1) * day;
      const lastPurchase = Math.max(...purchases.map((e) => Date.parse(String(e['timestamp']))));
      const profile = await result.ports.profiles.getProfile(userId);
      expect(profile?.['features']).toMatchObject({
        recencyDays: (snapshot - lastPurchase) / day,
        frequency: new Set(purchases.map((e) => e['orderId'])).size,
        monetary: value(purchases) - value(refunds),
      });
    }
  });

  it('separates frequent recent spenders from one-off buyers and puts non-buyers in browsers', async () => {
    const segmentOf = async (userId: string) => (await result.ports.profiles.getProfile(userId))?.segmentId;
    const vip = await segmentOf('vip1');
    const once = await segmentOf('once1');
    expect(vip).toMatch(/^seg-\d+$/);
    expect(once).not.toBe(vip);
    expect(await segmentOf('look1')).toBe('browsers');
    const segments = await result.ports.profiles.listSegments();
    const vipSegment = segments.find((s) => s.segmentId === vip);
    expect(vipSegment?.label.en).toMatch(/lovers/);
    expect(vipSegment?.label.zh).toMatch(/偏爱/);
    expect(vipSegment?.valueShare).toBeGreaterThan(0.5);
  });

  it('finds the planted rule and suggests it for cross-sell', async () => {
    const rules = await result.ports.profiles.rules({ productId: 'A1', limit: 10 });
    expect(rules.find((r) => r.antecedent.length === 1 && r.consequent[0] === 'B1')).toMatchObject({
      antecedent: ['A1'],
      titles: { B1: 'Candle' },
    });
    const profile = await result.ports.profiles.getProfile('vip2');
    expect(profile?.['recentProducts']).toEqual(expect.arrayContaining(['A1', 'B1']));
  });

  it('writes a report with its charts', () => {
    const report = result.ports.objects.text(`runs/${result.run.runId}/report.md`) ?? '';
    expect(report).toContain('## Segments');
    expect(report).toContain('Lantern (A1)');
    expect(result.ports.objects.text(`runs/${result.run.runId}/rfm-grid.svg`)).toMatch(/^<svg/);
  });

  it('keeps segment ids when the next run finds the same clusters', async () => {
    const before = await result.ports.profiles.listSegments();
    const { ports } = result;
    const run = await startProfilingRun('schedule', {
      operations: ports.operations,
      workflow: result.workflow,
      now: ports.now,
    });
    const prepared = await prepareRun(run.runId, ports);
    const manifest = JSON.parse(ports.objects.text(prepared.manifestKey) ?? '[]') as ShardDescriptor[];
    for (const shard of manifest) await profileShard(run.runId, shard, ports);
    await fitRun(run.runId, ports);
    for (const shard of manifest) await assignShard(run.runId, shard, ports);
    await finishRun(run.runId, ports);
    const after = await ports.profiles.listSegments();
    expect(after.map((s) => s.segmentId).sort()).toEqual(before.map((s) => s.segmentId).sort());
  });
});

describe('run bookkeeping', () => {
  it('refuses a second run while one is under way', async () => {
    const operations = new MemoryTable();
    const workflow = { start: jest.fn(async () => ({ executionArn: 'arn' })), describe: jest.fn() };
    await startProfilingRun('api', { operations, workflow });
    await expect(startProfilingRun('schedule', { operations, workflow })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('records the error of a failed run and frees the next run', async () => {
    const operations = new MemoryTable();
    const workflow = { start: jest.fn(async () => ({ executionArn: 'arn' })), describe: jest.fn() };
    const run = await startProfilingRun('api', { operations, workflow });
    const ports = {
      objects: new MemoryObjectStore(),
      operations,
      profiles: new TableProfileStore(new MemoryTable()),
      catalog: new MemoryTable(['productId']),
      rawPrefix: 'raw/',
    };
    await failRun(run.runId, { Error: 'ShardReadError', Cause: 'could not read' }, ports);
    expect(await getRun(run.runId, operations)).toMatchObject({
      status: 'failed',
      error: 'ShardReadError: could not read',
    });
    await expect(startProfilingRun('api', { operations, workflow })).resolves.toMatchObject({
      status: 'starting',
    });
  });
});
