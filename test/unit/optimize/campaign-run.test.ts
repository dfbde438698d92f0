import { NotFoundError, ValidationError } from '../../../core/errors';
import { type CampaignGenerateOutput, generateForSegment } from '../../../functions/generate/campaign-task';
import type { ModelPort } from '../../../functions/generate/core';
import type { Product } from '../../../functions/generate/schema';
import { maxPriorStrength } from '../../../functions/optimize/arms';
import { createCampaign } from '../../../functions/optimize/campaign/create';
import { finishCampaign } from '../../../functions/optimize/campaign/finish';
import { writeMessages } from '../../../functions/optimize/campaign/messages';
import { planCampaign } from '../../../functions/optimize/campaign/plan';
import {
  type CampaignRunPorts,
  chunkSize,
  type MessageChunk,
} from '../../../functions/optimize/campaign/ports';
import { campaignStepSchema } from '../../../functions/optimize/campaign/schema';
import { selectVariants } from '../../../functions/optimize/campaign/select';
import { campaignStep } from '../../../functions/optimize/campaign/step';
import { type AllocationSnapshot, CONTROL, type Variant } from '../../../functions/optimize/records';
import { type CampaignSpec, campaignBodySchema } from '../../../functions/optimize/schema';
import { CampaignStore } from '../../../functions/optimize/store';
import { type CampaignPredictOutput, predictForSegment } from '../../../functions/predict/campaign-task';
import type { Prediction } from '../../../functions/predict/core';
import type { Segment } from '../../../functions/profile/segments';
import { type Profile, TableProfileStore } from '../../../functions/profile/store';
import type { Workflow } from '../../../functions/shared/adapters/workflow';
import { completeEmbedded } from '../../../model/embedded';
import { MemoryObjectStore, MemoryTable } from '../../support/memory';

const NOW = new Date('2025-03-10T09:00:00Z');

const segment = (segmentId: string, valueShare: number, size: number): Segment =>
  ({
    segmentId,
    label: { en: `Label ${segmentId}`, zh: `标签 ${segmentId}` },
    size,
    userShare: 0.2,
    valueShare,
    tier: segmentId === 'browsers' ? 'browsers' : 'loyal',
    priceBand: 'mid',
    topCategories: [{ category: 'bags', share: 0.5, en: 'bags', zh: '包袋' }],
    averages: { recencyDays: 20, frequency: 4, monetary: 200, priceIndex: 1 },
    rfm: { r: 3, f: 3, m: 3 },
    tiers: {},
    traits: { en: [], zh: [] },
    centroid: [],
  }) as Segment;

const catalogProducts: Product[] = [
  { productId: 'p1', title: 'Acme Tote', category: 'bags', price: 35 },
  { productId: 'p2', title: 'Acme Lamp', category: 'lighting', price: 60 },
];

/** A workflow that records the executions it is asked to start. */
class FakeWorkflow implements Workflow {
  readonly starts: Array<{ name: string; input: unknown }> = [];
  constructor(private readonly fail = false) {}
  async start(name: string, input: unknown) {
    if (this.fail) throw new Error('throttled');
    this.starts.push({ name, input });
    return { executionArn: `arn:aws:states:eu-west-1:1:execution:campaign:${name}` };
  }
  async describe() {
    return { status: 'RUNNING' };
  }
}

interface Fixture {
  ports: CampaignRunPorts;
  store: CampaignStore;
  objects: MemoryObjectStore;
  profiles: TableProfileStore;
}

async function fixture(
  options: { segments?: Segment[]; profiles?: Record<string, string> } = {},
): Promise<Fixture> {
  const store = new CampaignStore(new MemoryTable(), new MemoryTable(['eventId']));
  const objects = new MemoryObjectStore();
  const profiles = new TableProfileStore(new MemoryTable());
  if (options.segments) await profiles.replaceSegments(options.segments, 'run-1');
  const listed = Object.entries(options.profiles ?? {});
  if (listed.length > 0) {
    await profiles.putProfiles(
      listed.map(([userId, segmentId]) => ({ userId, segmentId, runId: 'run-1' }) as Profile),
    );
  }
  const ports: CampaignRunPorts = {
    store,
    profiles,
    objects,
    catalog: {
      getProducts: async (ids) => catalogProducts.filter((p) => ids.includes(p.productId)),
    },
    now: () => NOW,
  };
  return { ports, store, objects, profiles };
}

const specOf = (overrides: Record<string, unknown> = {}): CampaignSpec =>
  campaignBodySchema.parse({
    name: 'spring',
    goal: 'promotion',
    channel: 'email',
    language: 'en',
    productIds: ['p1'],
    ...overrides,
  });

/** Creates campaign `c1` through `POST /campaigns`'s core. */
async function campaign(f: Fixture, overrides: Record<string, unknown> = {}) {
  return createCampaign(specOf(overrides), {
    store: f.store,
    workflow: new FakeWorkflow(),
    now: () => NOW,
    newId: () => 'c1',
  });
}

const threeSegments = [segment('s1', 0.5, 100), segment('browsers', 0, 400), segment('s2', 0.3, 60)];

describe('createCampaign', () => {
  it('records the campaign as creating, starts its run named after it and keeps the execution arn', async () => {
    const f = await fixture();
    const workflow = new FakeWorkflow();
    const created = await createCampaign(specOf(), { store: f.store, workflow, now: () => NOW });
    expect(created.campaignId).toMatch(/^cmp-[0-9a-f]{12}$/);
    expect(workflow.starts).toEqual([
      { name: created.campaignId, input: { campaignId: created.campaignId } },
    ]);
    const stored = await f.store.getCampaign(created.campaignId);
    expect(stored).toMatchObject({
      status: 'creating',
      createdAt: NOW.toISOString(),
      executionArn: `arn:aws:states:eu-west-1:1:execution:campaign:${created.campaignId}`,
    });
    expect(created.executionArn).toBe(stored.executionArn);
  });

  it('gives each campaign a different id', async () => {
    const f = await fixture();
    const workflow = new FakeWorkflow();
    const a = await createCampaign(specOf(), { store: f.store, workflow });
    const b = await createCampaign(specOf(), { store: f.store, workflow });
    expect(a.campaignId).not.toBe(b.campaignId);
  });

  it('marks the campaign failed and rethrows when the run does not start', async () => {
    const f = await fixture();
    const start = createCampaign(specOf(), {
      store: f.store,
      workflow: new FakeWorkflow(true),
      newId: () => 'c9',
    });
    await expect(start).rejects.toThrow('throttled');
    const stored = await f.store.getCampaign('c9');
    expect(stored.status).toBe('failed');
    expect(stored.error?.cause).toContain('throttled');
  });
});

describe('plan', () => {
  it('targets the current segments without browsers for everyone, one generation request each', async () => {
    const f = await fixture({ segments: threeSegments });
    await campaign(f, { seed: 7, ctaUrl: 'https://shop.test/spring', mustInclude: ['SPRING'] });
    const plan = await planCampaign('c1', f.ports);
    expect(plan.segments.map((s) => s.segmentId)).toEqual(['s1', 's2']);
    expect(plan.chunkCount).toBe(0);
    expect(plan.manifestKey).toBeUndefined();
    expect(plan.segments[1]).toEqual({
      campaignId: 'c1',
      segmentId: 's2',
      generate: {
        segmentId: 's2',
        productIds: ['p1'],
        goal: 'promotion',
        channel: 'email',
        language: 'en',
        tone: 'friendly',
        variants: 6,
        mustInclude: ['SPRING'],
        mustAvoid: [],
        bannedWords: [],
        ctaUrl: 'https://shop.test/spring',
        allowFallback: false,
        seed: 8,
      },
    });
    expect((await f.store.getCampaign('c1')).segments).toEqual([
      { segmentId: 's1', label: { en: 'Label s1', zh: '标签 s1' }, size: 100 },
      { segmentId: 's2', label: { en: 'Label s2', zh: '标签 s2' }, size: 60 },
    ]);
  });

  it('targets the browsers segment when it is the only one', async () => {
    const f = await fixture({ segments: [segment('browsers', 0, 10)] });
    await campaign(f);
    expect((await planCampaign('c1', f.ports)).segments.map((s) => s.segmentId)).toEqual(['browsers']);
  });

  it('targets the pseudo-segment all, without a segment id to generate for, when there are no segments', async () => {
    const f = await fixture();
    await campaign(f);
    const plan = await planCampaign('c1', f.ports);
    expect(plan.segments.map((s) => s.segmentId)).toEqual(['all']);
    expect(plan.segments[0]?.generate).not.toHaveProperty('segmentId');
    expect(plan.segments[0]?.generate).not.toHaveProperty('seed');
  });

  it('asks for candidatesPerSegment variants when given, else twice the kept number up to 8', async () => {
    const f = await fixture();
    await campaign(f, { variantsPerSegment: 2, candidatesPerSegment: 5 });
    expect((await planCampaign('c1', f.ports)).segments[0]?.generate['variants']).toBe(5);
    const g = await fixture();
    await campaign(g, { variantsPerSegment: 5 });
    expect((await planCampaign('c1', g.ports)).segments[0]?.generate['variants']).toBe(8);
  });

  it('generates a category campaign about an inline stand-in product without a price', async () => {
    const f = await fixture();
    await campaign(f, { productIds: undefined, category: 'bags' });
    const plan = await planCampaign('c1', f.ports);
    expect(plan.segments[0]?.generate['products']).toEqual([
      { productId: 'category:bags', title: expect.any(String), category: 'bags', price: 0 },
    ]);
    expect(plan.segments[0]?.generate).not.toHaveProperty('productIds');
  });

  it('throws NotFoundError naming product ids the catalog lacks', async () => {
    const f = await fixture();
    await campaign(f, { productIds: ['p1', 'nope'] });
    await expect(planCampaign('c1', f.ports)).rejects.toThrow(new NotFoundError('unknown product ids: nope'));
  });

  it('throws NotFoundError for an unknown campaign', async () => {
    const f = await fixture();
    await expect(planCampaign('missing', f.ports)).rejects.toThrow(NotFoundError);
  });

  it('targets the segments named', async () => {
    const f = await fixture({ segments: threeSegments });
    await campaign(f, { audience: { kind: 'segments', segmentIds: ['s2', 'browsers'] } });
    const plan = await planCampaign('c1', f.ports);
    expect(plan.segments.map((s) => s.segmentId)).toEqual(['s2', 'browsers']);
  });

  it('throws ValidationError naming a segment the latest profiling run lacks', async () => {
    const f = await fixture({ segments: threeSegments });
    await campaign(f, { audience: { kind: 'segments', segmentIds: ['s1', 's9'] } });
    const plan = planCampaign('c1', f.ports);
    await expect(plan).rejects.toThrow(ValidationError);
    await expect(plan).rejects.toThrow(/s9/);
  });

  it("targets the users' segments, users without a profile in all", async () => {
    const f = await fixture({ segments: threeSegments, profiles: { u1: 's2', u2: 's2', u3: 'gone' } });
    await campaign(f, { audience: { kind: 'users', userIds: ['u1', 'u2', 'u3', 'u4'] } });
    const plan = await planCampaign('c1', f.ports);
    expect(plan.segments.map((s) => s.segmentId)).toEqual(['s2', 'all']);
    expect((await f.store.getCampaign('c1')).segments).toEqual([
      { segmentId: 's2', label: { en: 'Label s2', zh: '标签 s2' }, size: 2 },
      { segmentId: 'all', size: 2 },
    ]);
  });

  it('cuts a user list into a manifest of chunks of at most 500 ids', async () => {
    const f = await fixture({ segments: threeSegments });
    const ids = Array.from({ length: 1201 }, (_, i) => `u${i}`);
    await f.objects.put('lists/spring.json', JSON.stringify([...ids, 'u0']));
    await campaign(f, { audience: { kind: 'userList', key: 'lists/spring.json' } });
    const plan = await planCampaign('c1', f.ports);
    expect(plan.manifestKey).toBe('campaigns/c1/manifest.json');
    expect(plan.chunkCount).toBe(3);
    expect(plan.segments.map((s) => s.segmentId)).toEqual(['s1', 's2']);
    const manifest = JSON.parse(f.objects.text('campaigns/c1/manifest.json')!) as MessageChunk[];
    expect(manifest.map((c) => [c.campaignId, c.chunk, c.userIds.length])).toEqual([
      ['c1', 0, chunkSize],
      ['c1', 1, chunkSize],
      ['c1', 2, 201],
    ]);
    expect(manifest.flatMap((c) => c.userIds)).toEqual(ids);
  });

  it('reads a user list with one id per line', async () => {
    const f = await fixture();
    await f.objects.put('lists/a.txt', 'u1\r\nu2\n\n 42 \n');
    await campaign(f, { audience: { kind: 'userList', key: 'lists/a.txt' } });
    await planCampaign('c1', f.ports);
    const manifest = JSON.parse(f.objects.text('campaigns/c1/manifest.json')!) as MessageChunk[];
    expect(manifest).toEqual([{ campaignId: 'c1', chunk: 0, userIds: ['u1', 'u2', '42'] }]);
  });

  it('throws NotFoundError when the user list is missing', async () => {
    const f = await fixture();
    await campaign(f, { audience: { kind: 'userList', key: 'lists/none.json' } });
    await expect(planCampaign('c1', f.ports)).rejects.toThrow(
      new NotFoundError('no user list at lists/none.json'),
    );
  });

  it('throws ValidationError for a user list that is not a list of ids', async () => {
    const f = await fixture();
    await f.objects.put('lists/bad.json', '[{"id": 1}]');
    await campaign(f, { audience: { kind: 'userList', key: 'lists/bad.json' } });
    await expect(planCampaign('c1', f.ports)).rejects.toThrow(ValidationError);
  });
});

// ---------------------------------------------------------------------------------------------

const estimate = (p: number) => ({ p, low: p / 2, high: p * 1.5 });
const predictionOf = (variantId: string, ctr: number, cvr: number): Prediction => ({
  variantId,
  ctr: estimate(ctr),
  cvr: estimate(cvr),
  expectedValue: ctr * cvr * 35,
  uplift: estimate(ctr * cvr * 0.2),
  send: true,
  source: { ctr: 'prior', cvr: 'prior', uplift: 'prior' },
  reasons: [{ feature: 'channel=email', effect: 0, text: 'prior' }],
});

const generatedOf = (segmentId: string, ids: string[]): CampaignGenerateOutput => ({
  segmentId,
  promptVersion: 'copy-v2',
  backend: 'tailor-embedded',
  seed: 3,
  variants: ids.map((variantId) => ({
    variantId,
    headline: `Headline ${variantId}`,
    body: `Body ${variantId}`,
    callToAction: 'Shop now',
    factsUsed: ['Acme Tote'],
    rendered: { channel: 'email', subject: `Headline ${variantId}`, html: '<p>x</p>', text: 'x' },
    checks: [{ rule: 'length', passed: true }],
  })),
  dropped: [{ headline: 'Best ever', reason: 'banned_words: "best ever"' }],
  products: [{ productId: 'p1', category: 'bags', price: 35 }],
});

// click ranking: v1 > v2 > v3 > v4; conversion (ctr × cvr) ranking: v4 > v3 > v2 > v1.
const predicted = (segmentId: string): CampaignPredictOutput => ({
  segmentId,
  predictions: [
    predictionOf('v1', 0.05, 0.01),
    predictionOf('v2', 0.04, 0.02),
    predictionOf('v3', 0.03, 0.04),
    predictionOf('v4', 0.02, 0.08),
  ],
});

async function select(f: Fixture, segmentId: string, ids = ['v1', 'v2', 'v3', 'v4']) {
  return selectVariants(
    { campaignId: 'c1', segmentId, generated: generatedOf(segmentId, ids), predicted: predicted(segmentId) },
    f.ports,
  );
}

const variantsOf = async (f: Fixture, segmentId: string) =>
  (await f.store.getState('c1')).variants.filter((v) => v.segmentId === segmentId);

describe('select', () => {
  it('keeps the best variantsPerSegment by predicted click rate', async () => {
    const f = await fixture();
    await campaign(f, { variantsPerSegment: 2 });
    expect(await select(f, 's1')).toEqual({ segmentId: 's1', kept: 2, dropped: 2, refused: 1 });
    const kept = (await variantsOf(f, 's1')).filter((v) => v.kind === 'generated');
    expect(kept.map((v) => v.variantId).sort()).toEqual(['v1', 'v2']);
  });

  it('keeps the best by predicted conversions per send for a conversion objective', async () => {
    const f = await fixture();
    await campaign(f, { variantsPerSegment: 2, objective: 'conversion' });
    await select(f, 's1');
    const kept = (await variantsOf(f, 's1')).filter((v) => v.kind === 'generated');
    expect(kept.map((v) => v.variantId).sort()).toEqual(['v3', 'v4']);
  });

  it('writes each kept variant as an active arm with a prior centred on its prediction', async () => {
    const f = await fixture();
    await campaign(f, { variantsPerSegment: 1 });
    await select(f, 's1');
    const v1 = (await variantsOf(f, 's1')).find((v) => v.variantId === 'v1')!;
    expect(v1).toMatchObject({
      campaignId: 'c1',
      kind: 'generated',
      status: 'active',
      headline: 'Headline v1',
      tone: 'friendly',
      products: [{ productId: 'p1', category: 'bags', price: 35 }],
      rendered: { channel: 'email' },
      generation: { promptVersion: 'copy-v2', backend: 'tailor-embedded', seed: 3 },
      prediction: { ctr: { p: 0.05 }, send: true },
      createdAt: NOW.toISOString(),
    });
    expect(v1.prior.alpha + v1.prior.beta).toBeCloseTo(maxPriorStrength, 9);
    expect(v1.prior.alpha / (v1.prior.alpha + v1.prior.beta)).toBeCloseTo(0.05, 9);
  });

  it("writes the segment's control arm with empty copy when the campaign holds out a control", async () => {
    const f = await fixture();
    await campaign(f, { controlShare: 0.2 });
    await select(f, 's1');
    const control = (await variantsOf(f, 's1')).find((v) => v.variantId === CONTROL)!;
    expect(control).toMatchObject({
      kind: 'control',
      status: 'active',
      headline: '',
      body: '',
      callToAction: '',
    });
    expect(control.prior).toEqual({ alpha: 1, beta: 1 });
  });

  it('writes no control arm when the control share is 0', async () => {
    const f = await fixture();
    await campaign(f, { controlShare: 0 });
    await select(f, 's1');
    expect((await variantsOf(f, 's1')).map((v) => v.kind)).not.toContain('control');
  });

  it('answers kept 0 with a reason, writing nothing, when the guardrails refused every variant', async () => {
    const f = await fixture();
    await campaign(f);
    const result = await select(f, 's1', []);
    expect(result).toMatchObject({ segmentId: 's1', kept: 0, refused: 1 });
    expect(result.reason).toContain('banned_words');
    expect(await variantsOf(f, 's1')).toEqual([]);
  });

  it('parses its input with the step schema, refusing a malformed prediction', () => {
    const input = {
      step: 'select',
      campaignId: 'c1',
      segmentId: 's1',
      generated: generatedOf('s1', ['v1']),
      predicted: { segmentId: 's1', predictions: [{ variantId: 'v1', ctr: 0.1 }] },
    };
    expect(campaignStepSchema.safeParse(input).success).toBe(false);
    expect(campaignStepSchema.safeParse({ ...input, predicted: predicted('s1') }).success).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

const arm = (segmentId: string, variantId: string, prior: { alpha: number; beta: number }): Variant => ({
  campaignId: 'c1',
  segmentId,
  variantId,
  kind: variantId === CONTROL ? 'control' : 'generated',
  status: 'active',
  headline: variantId === CONTROL ? '' : `Headline ${variantId}`,
  body: '',
  callToAction: '',
  tone: 'friendly',
  factsUsed: [],
  products: [],
  ...(variantId === CONTROL
    ? {}
    : { rendered: { channel: 'email', subject: `Headline ${variantId}`, html: '', text: variantId } }),
  prior,
  createdAt: NOW.toISOString(),
});

/** A batch campaign `c1` with arms in s1 (a strong and a weak one) and s2, and a control in each. */
async function batchFixture(controlShare = 0.1, weak = { alpha: 1, beta: 49 }) {
  const profiles: Record<string, string> = {};
  for (let i = 0; i < 2000; i++) if (i % 4 === 0) profiles[`u${i}`] = 's2';
  const f = await fixture({ segments: [segment('s1', 0.6, 10), segment('s2', 0.4, 10)], profiles });
  await f.objects.put('lists/all.txt', 'u1');
  await campaign(f, { controlShare, audience: { kind: 'userList', key: 'lists/all.txt' } });
  await f.store.updateCampaign('c1', { segments: [{ segmentId: 's1' }, { segmentId: 's2' }] });
  await f.store.putVariants([
    arm('s1', 'strong', { alpha: 40, beta: 10 }),
    arm('s1', 'weak', weak),
    arm('s2', 'only', { alpha: 2, beta: 48 }),
    ...(controlShare > 0
      ? [arm('s1', CONTROL, { alpha: 1, beta: 1 }), arm('s2', CONTROL, { alpha: 1, beta: 1 })]
      : []),
  ]);
  return f;
}

const chunksOf = (n: number): MessageChunk[] =>
  Array.from({ length: Math.ceil(n / chunkSize) }, (_, c) => ({
    campaignId: 'c1',
    chunk: c,
    userIds: Array.from(
      { length: Math.min(chunkSize, n - c * chunkSize) },
      (_, i) => `u${c * chunkSize + i}`,
    ),
  }));

interface Line {
  userId: string;
  segmentId: string | null;
  variantId: string | null;
  send: boolean;
  channel: string;
  rendered?: { subject: string };
}
const linesOf = (f: Fixture, chunk: number): Line[] =>
  f.objects
    .text(`campaigns/c1/messages/${String(chunk).padStart(6, '0')}.jsonl`)!
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Line);

describe('messages', () => {
  it('writes one line per user of the chunk, with the copy of the arm it sends', async () => {
    const f = await batchFixture();
    const result = await campaignStep(
      campaignStepSchema.parse({ step: 'messages', campaignId: 'c1', chunk: chunksOf(500)[0] }),
      f.ports,
    );
    const lines = linesOf(f, 0);
    expect(lines.map((l) => l.userId)).toEqual(chunksOf(500)[0]!.userIds);
    expect(result).toMatchObject({ chunk: 0, users: 500 });
    for (const line of lines) {
      expect(line.channel).toBe('email');
      if (line.send) {
        expect(line.rendered?.subject).toBe(`Headline ${line.variantId}`);
      } else {
        expect(line).toMatchObject({ variantId: CONTROL, send: false });
        expect(line).not.toHaveProperty('rendered');
      }
    }
  });

  it("puts users in their profile's segment, others in the first targeted segment", async () => {
    const f = await batchFixture(0);
    await writeMessages('c1', chunksOf(500)[0]!, f.ports);
    for (const line of linesOf(f, 0)) {
      const n = Number(line.userId.slice(1));
      expect(line.segmentId).toBe(n % 4 === 0 ? 's2' : 's1');
      expect(line.variantId).toMatch(n % 4 === 0 ? /^only$/ : /^(strong|weak)$/);
    }
  });

  it('holds out about the control share of 2,000 users and sends the rest, mostly the strong arm', async () => {
    const f = await batchFixture(0.1);
    const results = [];
    for (const chunk of chunksOf(2000)) results.push(await writeMessages('c1', chunk, f.ports));
    const control = results.reduce((s, r) => s + r.control, 0);
    const sends = results.reduce((s, r) => s + r.sends, 0);
    expect(control + sends).toBe(2000);
    expect(control / 2000).toBeGreaterThan(0.07);
    expect(control / 2000).toBeLessThan(0.13);
    const lines = [0, 1, 2, 3].flatMap((c) => linesOf(f, c)).filter((l) => l.segmentId === 's1' && l.send);
    expect(lines.filter((l) => l.variantId === 'strong').length / lines.length).toBeGreaterThan(0.95);
  });

  it('counts the sends of each arm, the control held out users, once per arm', async () => {
    const f = await batchFixture(0.1);
    const counted: string[] = [];
    const count = f.store.count.bind(f.store);
    f.store.count = async (campaignId, segmentId, variantId, delta, hour) => {
      counted.push(`${segmentId}#${variantId}`);
      return count(campaignId, segmentId, variantId, delta, hour);
    };
    const result = await writeMessages('c1', chunksOf(500)[0]!, f.ports);
    expect(new Set(counted).size).toBe(counted.length);
    const { counters } = await f.store.getState('c1');
    const sent = counters.filter((c) => c.variantId !== CONTROL).reduce((s, c) => s + c.sends, 0);
    const held = counters.filter((c) => c.variantId === CONTROL).reduce((s, c) => s + c.sends, 0);
    expect({ sent, held }).toEqual({ sent: result.sends, held: result.control });
    const lines = linesOf(f, 0);
    expect(counters.find((c) => c.segmentId === 's2' && c.variantId === 'only')?.sends).toBe(
      lines.filter((l) => l.variantId === 'only').length,
    );
  });

  it('writes the same file for the same chunk', async () => {
    // two arms with the same prior: each draw is a coin flip
    const even = { alpha: 40, beta: 10 };
    const a = await batchFixture(0.1, even);
    const b = await batchFixture(0.1, even);
    await writeMessages('c1', chunksOf(500)[0]!, a.ports);
    await writeMessages('c1', chunksOf(500)[0]!, b.ports);
    expect(a.objects.text('campaigns/c1/messages/000000.jsonl')).toBe(
      b.objects.text('campaigns/c1/messages/000000.jsonl'),
    );
    await writeMessages('c1', { ...chunksOf(500)[0]!, chunk: 1 }, a.ports);
    expect(a.objects.text('campaigns/c1/messages/000001.jsonl')).not.toBe(
      a.objects.text('campaigns/c1/messages/000000.jsonl'),
    );
  });

  it('sends nothing, saying so per user, when no segment kept variants', async () => {
    const f = await fixture();
    await campaign(f);
    const result = await writeMessages('c1', { campaignId: 'c1', chunk: 0, userIds: ['u1', 'u2'] }, f.ports);
    expect(result).toMatchObject({ users: 2, sends: 0, control: 0, unassigned: 2 });
    expect(linesOf(f, 0).map((l) => l.send)).toEqual([false, false]);
  });
});

// ---------------------------------------------------------------------------------------------

const snapshotOf = async (f: Fixture): Promise<AllocationSnapshot> => {
  const { snapshots } = await f.store.getState('c1');
  expect(snapshots).toHaveLength(1);
  return snapshots[0]!;
};

describe('finish', () => {
  it('activates the campaign with an initial allocation that keeps the control share', async () => {
    const f = await fixture();
    await campaign(f, { controlShare: 0.1 });
    const selected = [await select(f, 's1'), await select(f, 's2')];
    const result = await finishCampaign(
      'c1',
      [...selected, { segmentId: 's3', error: { Error: 'UpstreamError' } }],
      f.ports,
    );
    expect(result).toEqual({
      campaignId: 'c1',
      status: 'active',
      kept: 6,
      segments: 3,
      failedSegments: ['s3'],
    });
    expect((await f.store.getCampaign('c1')).status).toBe('active');
    const snapshot = await snapshotOf(f);
    expect(snapshot.at).toBe(NOW.toISOString());
    expect(Object.keys(snapshot.segments).sort()).toEqual(['s1', 's2']);
    const s1 = snapshot.segments['s1']!;
    expect(s1.map((a) => a.variantId).sort()).toEqual([CONTROL, 'v1', 'v2', 'v3']);
    expect(s1.reduce((s, a) => s + a.share, 0)).toBeCloseTo(1, 5);
    expect(s1.find((a) => a.variantId === CONTROL)?.share).toBeCloseTo(0.1, 9);
    // the best predicted arm gets the largest share
    const byShare = s1.filter((a) => a.variantId !== CONTROL).sort((a, b) => b.share - a.share);
    expect(byShare[0]?.variantId).toBe('v1');
    for (const a of s1) expect(a.low <= a.mean && a.mean <= a.high).toBe(true);
  });

  it('splits evenly for an even traffic split', async () => {
    const f = await fixture();
    await campaign(f, { controlShare: 0.1, trafficSplit: 'even' });
    await finishCampaign('c1', [await select(f, 's1')], f.ports);
    const shares = (await snapshotOf(f)).segments['s1']!.filter((a) => a.variantId !== CONTROL).map(
      (a) => a.share,
    );
    expect(shares).toEqual([0.3, 0.3, 0.3]);
  });

  it('records where a batch campaign wrote its messages', async () => {
    const f = await batchFixture();
    const result = await finishCampaign(
      'c1',
      [{ segmentId: 's1', kept: 2, dropped: 0, refused: 0 }],
      f.ports,
    );
    expect(result.messagesPrefix).toBe('campaigns/c1/messages/');
    expect((await f.store.getCampaign('c1')).messagesPrefix).toBe('campaigns/c1/messages/');
  });

  it('fails the campaign, saying why for each segment, when no segment kept a variant', async () => {
    const f = await fixture();
    await campaign(f);
    const input = campaignStepSchema.parse({
      step: 'finish',
      campaignId: 'c1',
      results: [
        { segmentId: 's1', kept: 0, reason: 'the guardrails refused every variant' },
        {
          segmentId: 's2',
          generate: { goal: 'promotion' },
          error: { Error: 'UpstreamError', Cause: '{"errorMessage":"endpoint down"}' },
        },
      ],
    });
    expect(await campaignStep(input, f.ports)).toMatchObject({
      status: 'failed',
      kept: 0,
      failedSegments: ['s1', 's2'],
    });
    const stored = await f.store.getCampaign('c1');
    expect(stored.status).toBe('failed');
    expect(stored.error?.error).toBe('NoVariants');
    expect(stored.error?.cause).toContain('s1: the guardrails refused every variant');
    expect(stored.error?.cause).toContain('s2: UpstreamError: endpoint down');
    expect((await f.store.getState('c1')).snapshots).toEqual([]);
  });
});

describe('fail', () => {
  it('marks the campaign failed with the error name and the message of a Lambda error', async () => {
    const f = await fixture();
    await campaign(f);
    const input = campaignStepSchema.parse({
      step: 'fail',
      campaignId: 'c1',
      error: {
        Error: 'NotFound',
        Cause: JSON.stringify({ errorType: 'NotFoundError', errorMessage: 'no user list at x' }),
      },
    });
    const answer = { error: 'NotFound', cause: 'no user list at x' };
    expect(await campaignStep(input, f.ports)).toEqual({ campaignId: 'c1', status: 'failed', error: answer });
    expect(await f.store.getCampaign('c1')).toMatchObject({ status: 'failed', error: answer });
  });

  it('keeps a cause that is not JSON as it is', async () => {
    const f = await fixture();
    await campaign(f);
    await campaignStep(
      campaignStepSchema.parse({
        step: 'fail',
        campaignId: 'c1',
        error: { Error: 'States.Timeout', Cause: 'timed out' },
      }),
      f.ports,
    );
    expect((await f.store.getCampaign('c1')).error).toEqual({ error: 'States.Timeout', cause: 'timed out' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('a campaign run through its steps', () => {
  it('plans, generates, predicts and selects per segment with the embedded generator, then finishes active', async () => {
    const f = await fixture({ segments: threeSegments });
    await campaign(f, { seed: 11, controlShare: 0.1 });
    const plan = await planCampaign('c1', f.ports);
    const model: ModelPort = {
      invoke: async (request) => new TextEncoder().encode(JSON.stringify(completeEmbedded(request))),
    };
    const results = [];
    for (const job of plan.segments) {
      const generated = await generateForSegment(job.generate, {
        catalog: f.ports.catalog,
        model,
        audience: {
          profile: (id) => f.profiles.getProfile(id),
          segment: (id) => f.profiles.getSegment(id),
        },
      });
      const predictedOut = await predictForSegment(
        { segmentId: job.segmentId, ...job.generate, generated },
        {
          audience: async () => ({ segmentId: job.segmentId, tier: 'loyal' }),
          serving: async () => undefined,
          bits: 12,
        },
      );
      const step = campaignStepSchema.parse({
        step: 'select',
        campaignId: 'c1',
        segmentId: job.segmentId,
        generated: JSON.parse(JSON.stringify(generated)),
        predicted: JSON.parse(JSON.stringify(predictedOut)),
      });
      results.push(await campaignStep(step, f.ports));
    }
    const finish = await campaignStep(
      campaignStepSchema.parse({ step: 'finish', campaignId: 'c1', results }),
      f.ports,
    );
    expect(finish).toMatchObject({ status: 'active', failedSegments: [] });
    const { variants } = await f.store.getState('c1');
    expect(variants.filter((v) => v.kind === 'generated').length).toBeGreaterThanOrEqual(2);
    expect(
      variants
        .filter((v) => v.kind === 'control')
        .map((v) => v.segmentId)
        .sort(),
    ).toEqual(['s1', 's2']);
  });
});
