import { ConflictError, NotFoundError } from '../../../core/errors';
import { mulberry32 } from '../../../core/random';
import type { CampaignGenerateOutput } from '../../../functions/generate/campaign-task';
import { generateBodySchema, type Product } from '../../../functions/generate/schema';
import { maxPriorStrength } from '../../../functions/optimize/arms';
import {
  type Campaign,
  type CampaignVerdicts,
  CONTROL,
  type Variant,
} from '../../../functions/optimize/records';
import type { EnterResult } from '../../../functions/optimize/reoptimize/enter';
import type { OptimizePorts } from '../../../functions/optimize/reoptimize/ports';
import { getOptimization, startOptimization } from '../../../functions/optimize/reoptimize/run';
import { optimizeStepSchema } from '../../../functions/optimize/reoptimize/schema';
import { optimizeStep } from '../../../functions/optimize/reoptimize/step';
import { getStrategy } from '../../../functions/optimize/reoptimize/strategies';
import type { UpdateResult } from '../../../functions/optimize/reoptimize/update';
import type { StrategiesResult } from '../../../functions/optimize/reoptimize/update-strategies';
import { campaignBodySchema, optimizeRunBodySchema } from '../../../functions/optimize/schema';
import { CampaignStore } from '../../../functions/optimize/store';
import type { CampaignPredictOutput } from '../../../functions/predict/campaign-task';
import { ModelRegistry } from '../../../functions/predict/registry';
import { type ExampleGroup, expandExamples, type RetrainResult } from '../../../functions/predict/retrain';
import type { Segment } from '../../../functions/profile/segments';
import { TableProfileStore } from '../../../functions/profile/store';
import type { Workflow } from '../../../functions/shared/adapters/workflow';
import { MemoryObjectStore, MemoryTable } from '../../support/memory';

const NOW = new Date('2025-03-10T09:00:00Z');

const catalog: Product[] = [{ productId: 'p1', title: 'Acme Tote', category: 'bags', price: 35 }];

const segment = {
  segmentId: 's1',
  label: { en: 'Loyal bag lovers', zh: '忠实包袋客' },
  size: 100,
  userShare: 0.5,
  valueShare: 0.5,
  tier: 'loyal',
  priceBand: 'mid',
  topCategories: [{ category: 'bags', share: 0.6, en: 'bags', zh: '包袋' }],
  averages: { recencyDays: 10, frequency: 5, monetary: 300, priceIndex: 1 },
  rfm: { r: 4, f: 4, m: 4 },
  tiers: {},
  traits: { en: [], zh: [] },
  centroid: [],
} as unknown as Segment;

class FakeWorkflow implements Workflow {
  readonly starts: Array<{ name: string; input: unknown }> = [];
  constructor(private readonly fail = false) {}
  async start(name: string, input: unknown) {
    if (this.fail) throw new Error('throttled');
    this.starts.push({ name, input });
    return { executionArn: `arn:aws:states:eu-west-1:1:execution:optimize:${name}` };
  }
  async describe() {
    return { status: 'RUNNING' };
  }
}

interface Fixture {
  ports: OptimizePorts;
  store: CampaignStore;
  objects: MemoryObjectStore;
  profilesTable: MemoryTable;
  operations: MemoryTable;
  registry: ModelRegistry;
}

async function fixture(options: OptimizePorts['options'] = {}): Promise<Fixture> {
  const store = new CampaignStore(new MemoryTable(), new MemoryTable(['eventId']));
  const objects = new MemoryObjectStore();
  const profilesTable = new MemoryTable();
  const profiles = new TableProfileStore(profilesTable);
  await profiles.replaceSegments([segment], 'run-1');
  const operations = new MemoryTable();
  const registry = new ModelRegistry(new MemoryTable(['model', 'version']), objects, { refreshMs: 0 });
  const ports: OptimizePorts = {
    store,
    operations,
    profilesTable,
    objects,
    registry,
    profiles,
    catalog: { getProducts: async (ids) => catalog.filter((p) => ids.includes(p.productId)) },
    now: () => NOW,
    // Fewer Monte Carlo draws than in production: the verdicts here are far from their thresholds.
    options: {
      verdictDraws: 5000,
      training: { bits: 14, holdoutShare: 0.25, epochs: 2, seed: 1 },
      ...options,
    },
  };
  return { ports, store, objects, profilesTable, operations, registry };
}

const run = (f: Fixture, input: Record<string, unknown>) =>
  optimizeStep(optimizeStepSchema.parse(input), f.ports);

async function createCampaign(
  f: Fixture,
  campaignId: string,
  overrides: Record<string, unknown> = {},
  status: Campaign['status'] = 'active',
) {
  await f.store.createCampaign({
    campaignId,
    spec: campaignBodySchema.parse({
      name: campaignId,
      goal: 'promotion',
      channel: 'email',
      language: 'en',
      productIds: ['p1'],
      controlShare: 0.1,
      ...overrides,
    }),
    status,
    createdAt: '2025-03-01T00:00:00Z',
    updatedAt: '2025-03-01T00:00:00Z',
  });
}

const variant = (campaignId: string, variantId: string, overrides: Partial<Variant> = {}): Variant => ({
  campaignId,
  segmentId: 's1',
  variantId,
  kind: 'generated',
  status: 'active',
  headline: `Headline ${variantId}`,
  body: `The Acme Tote at 35, copy ${variantId}.`,
  callToAction: 'Shop now',
  tone: 'friendly',
  factsUsed: ['Acme Tote'],
  products: [{ productId: 'p1', category: 'bags', price: 35 }],
  prior: { alpha: 2.5, beta: 47.5 },
  createdAt: '2025-03-01T00:00:00Z',
  ...overrides,
});

const control = (campaignId: string, segmentId = 's1') =>
  variant(campaignId, CONTROL, {
    segmentId,
    kind: 'control',
    headline: '',
    body: '',
    callToAction: '',
    products: [],
    prior: { alpha: 0.005, beta: 49.995 },
  });

/** Bernoulli draws with known rates, counted through the store as feedback would count them. */
async function simulate(
  f: Fixture,
  campaignId: string,
  arms: Array<{ variantId: string; sends: number; click: number; convert: number; segmentId?: string }>,
  seed = 7,
) {
  const random = mulberry32(seed);
  for (const arm of arms) {
    let clicks = 0;
    let conversions = 0;
    for (let i = 0; i < arm.sends; i++) {
      if (random() < arm.click) clicks++;
      if (random() < arm.convert) conversions++;
    }
    await f.store.count(campaignId, arm.segmentId ?? 's1', arm.variantId, {
      sends: arm.sends,
      clicks,
      conversions,
    });
  }
}

/**
 * Campaign c1 in segment s1: two variants with the same true click rate (10%), one clearly worse
 * (3%), and a no-send control.
 */
async function simulatedCampaign(f: Fixture, overrides: Record<string, unknown> = {}) {
  await createCampaign(f, 'c1', overrides);
  await f.store.putVariants([
    variant('c1', 'strong', { tone: 'playful', callToAction: 'Grab it' }),
    variant('c1', 'good', { tone: 'playful', callToAction: 'Grab it' }),
    variant('c1', 'weak', { tone: 'playful' }),
    control('c1'),
  ]);
  await simulate(f, 'c1', [
    { variantId: 'strong', sends: 3000, click: 0.1, convert: 0.02 },
    { variantId: 'good', sends: 3000, click: 0.1, convert: 0.02 },
    { variantId: 'weak', sends: 3000, click: 0.03, convert: 0.01 },
    { variantId: CONTROL, sends: 1000, click: 0, convert: 0.005 },
  ]);
}

describe('collect', () => {
  it('lists every active campaign when none is named', async () => {
    const f = await fixture();
    await createCampaign(f, 'c1');
    await createCampaign(f, 'c2', {}, 'ended');
    await createCampaign(f, 'c3');
    const out = await run(f, { step: 'collect', runId: 'opt-1', breed: true, trigger: 'schedule' });
    expect(out).toEqual({
      runId: 'opt-1',
      breed: true,
      campaigns: [
        { runId: 'opt-1', campaignId: 'c3', breed: true },
        { runId: 'opt-1', campaignId: 'c1', breed: true },
      ],
    });
  });

  it('reads a null list of campaigns as every active campaign', async () => {
    const f = await fixture();
    await createCampaign(f, 'c1');
    const out = await run(f, { step: 'collect', runId: 'opt-1', campaignIds: null, breed: true });
    expect(out).toMatchObject({ campaigns: [{ campaignId: 'c1' }] });
  });

  it('takes the campaigns named, and refuses an unknown one with a 404', async () => {
    const f = await fixture();
    await createCampaign(f, 'c2', {}, 'ended');
    const out = await run(f, { step: 'collect', runId: 'opt-1', campaignIds: ['c2', 'c2'], breed: false });
    expect(out).toMatchObject({ campaigns: [{ campaignId: 'c2', breed: false }] });
    await expect(run(f, { step: 'collect', runId: 'opt-1', campaignIds: ['nope'] })).rejects.toThrow(
      NotFoundError,
    );
  });
});

describe('update', () => {
  it('stops the clear loser, keeps the control and the others, and snapshots an allocation that sums to 1', async () => {
    const f = await fixture();
    await simulatedCampaign(f);
    const out = (await run(f, {
      step: 'update',
      runId: 'opt-1',
      campaignId: 'c1',
      breed: false,
    })) as UpdateResult;
    expect(out.segments).toEqual([
      expect.objectContaining({ segmentId: 's1', leader: 'strong', activeArms: 3, breedSkipped: null }),
    ]);
    expect(out.segments[0]?.stopped.map((s) => s.variantId)).toEqual(['weak']);
    expect(out.challengers).toEqual([]);

    const state = await f.store.getState('c1');
    const status = Object.fromEntries(state.variants.map((v) => [v.variantId, v.status]));
    expect(status).toEqual({ control: 'active', good: 'active', strong: 'active', weak: 'stopped' });
    const weak = state.variants.find((v) => v.variantId === 'weak')!;
    expect(weak.stoppedAt).toBe(NOW.toISOString());
    expect(weak.stopReason).toMatch(/P\(beats leader strong\) = .* ≤ 0.01 with \d+\/3000/);

    expect(out.snapshotAt).toBe(NOW.toISOString());
    const snapshot = state.snapshots.find((s) => s.at === out.snapshotAt)!;
    const arms = snapshot.segments['s1']!;
    expect(arms.map((a) => a.variantId).sort()).toEqual(['control', 'good', 'strong']);
    expect(arms.reduce((s, a) => s + a.share, 0)).toBeCloseTo(1, 5);
    expect(arms.find((a) => a.variantId === CONTROL)?.share).toBeCloseTo(0.1, 6);
    const strong = arms.find((a) => a.variantId === 'strong')!;
    expect(strong.share).toBeGreaterThan(arms.find((a) => a.variantId === 'good')!.share);
    // (The control's posterior is so skewed that its mean may lie above its 97.5% quantile.)
    for (const a of arms.filter((x) => x.variantId !== CONTROL))
      expect(a.low <= a.mean && a.mean <= a.high).toBe(true);
    expect(strong.sends).toBe(3000);
  });

  it('stores verdicts that state their method: among messages, and against the no-send control', async () => {
    const f = await fixture();
    await simulatedCampaign(f);
    await run(f, { step: 'update', runId: 'opt-1', campaignId: 'c1', breed: false });
    const meta = (await f.store.getCampaign('c1')) as Campaign & { verdicts: CampaignVerdicts };
    const verdict = meta.verdicts.segments['s1']!;
    expect(meta.verdicts.runId).toBe('opt-1');
    expect(verdict.messages?.reference).toBe('strong');
    expect(verdict.messages?.method).toMatch(
      /Beta\(1, 1\) prior.*clear loser when P\(it beats the leader\) ≤ 0.01/,
    );
    const weak = verdict.messages?.arms.find((a) => a.variantId === 'weak');
    expect(weak).toMatchObject({ status: 'loser', trials: 3000 });
    expect(weak!.probabilityBest).toBeLessThan(0.001);
    expect(weak!.expectedLoss).toBeGreaterThan(0.05);
    expect(verdict.control?.reference).toBe(CONTROL);
    expect(verdict.control?.method).toMatch(/Conversions per send .* no-send control/);
    expect(verdict.control?.arms.map((a) => a.variantId).sort()).toEqual(['control', 'good', 'strong']);
    const strong = verdict.control?.arms.find((a) => a.variantId === 'strong');
    expect(strong!.probabilityBeatsReference).toBeGreaterThan(0.9);
    expect(verdict.stopped.map((s) => s.variantId)).toEqual(['weak']);
  });

  it('never stops the control or the last message variant, however they do', async () => {
    const f = await fixture({ minTrials: 500 });
    await createCampaign(f, 'c1', { objective: 'conversion' });
    await f.store.putVariants([variant('c1', 'only'), control('c1')]);
    await simulate(f, 'c1', [
      { variantId: 'only', sends: 3000, click: 0.05, convert: 0.001 },
      { variantId: CONTROL, sends: 3000, click: 0, convert: 0.05 },
    ]);
    const out = (await run(f, {
      step: 'update',
      runId: 'opt-1',
      campaignId: 'c1',
      breed: false,
    })) as UpdateResult;
    expect(out.segments[0]?.stopped).toEqual([]);
    const state = await f.store.getState('c1');
    expect(state.variants.every((v) => v.status === 'active')).toBe(true);
  });

  it('splits the message share evenly for an even traffic split', async () => {
    const f = await fixture();
    await simulatedCampaign(f, { trafficSplit: 'even' });
    const out = (await run(f, {
      step: 'update',
      runId: 'opt-1',
      campaignId: 'c1',
      breed: false,
    })) as UpdateResult;
    const snapshot = (await f.store.getState('c1')).snapshots.find((s) => s.at === out.snapshotAt)!;
    expect(Object.fromEntries(snapshot.segments['s1']!.map((a) => [a.variantId, a.share]))).toEqual({
      strong: 0.45,
      good: 0.45,
      control: 0.1,
    });
  });

  it('returns a challenger job bred from the leader’s traits when breeding', async () => {
    const f = await fixture();
    await simulatedCampaign(f);
    const out = (await run(f, {
      step: 'update',
      runId: 'opt-1',
      campaignId: 'c1',
      breed: true,
    })) as UpdateResult;
    expect(out.challengers).toHaveLength(1);
    const [job] = out.challengers;
    expect(job).toMatchObject({ runId: 'opt-1', campaignId: 'c1', segmentId: 's1', parents: ['strong'] });
    expect(generateBodySchema.parse(job!.generate)).toMatchObject({
      segmentId: 's1',
      productIds: ['p1'],
      tone: 'playful',
      mustInclude: ['Grab it'],
      variants: 1,
      goal: 'promotion',
      channel: 'email',
      language: 'en',
    });
  });

  it('breeds nothing for a campaign that is no longer active', async () => {
    const f = await fixture();
    await simulatedCampaign(f);
    await f.store.updateCampaign('c1', { status: 'ended' });
    const out = (await run(f, {
      step: 'update',
      runId: 'opt-1',
      campaignId: 'c1',
      breed: true,
    })) as UpdateResult;
    expect(out.challengers).toEqual([]);
    expect(out.segments[0]?.breedSkipped).toBe('campaign is ended');
  });
});

const generated = (ids: string[]): CampaignGenerateOutput => ({
  segmentId: 's1',
  promptVersion: 'copy-v2',
  backend: 'embedded',
  seed: 42,
  variants: ids.map((variantId) => ({
    variantId,
    headline: `Headline ${variantId}`,
    body: `The Acme Tote at 35, copy ${variantId}.`,
    callToAction: 'Grab it',
    factsUsed: ['Acme Tote'],
    rendered: { channel: 'email', subject: `Headline ${variantId}`, html: '<p></p>', text: 'text' },
    checks: [{ rule: 'length', passed: true }],
  })),
  dropped: [],
  products: [{ productId: 'p1', category: 'bags', price: 35 }],
});

const predicted = (ids: string[]): CampaignPredictOutput => ({
  segmentId: 's1',
  predictions: ids.map((variantId) => ({
    variantId,
    ctr: { p: 0.05, low: 0.04, high: 0.06 },
    cvr: { p: 0.1, low: 0.08, high: 0.12 },
    expectedValue: 0.175,
    uplift: { p: 0.001, low: 0, high: 0.002 },
    send: true,
    source: { ctr: 'prior', cvr: 'prior', uplift: 'prior' },
    reasons: [],
  })),
});

describe('enter', () => {
  const enter = (ids: string[], extra: Record<string, unknown> = {}) => ({
    step: 'enter',
    runId: 'opt-1',
    campaignId: 'c1',
    segmentId: 's1',
    parents: ['strong'],
    generate: { tone: 'playful' },
    generated: generated(ids),
    predicted: predicted(ids),
    traits: { ignored: true },
    ...extra,
  });

  it('adds bred variants as active challengers with priors from their predictions and their parents', async () => {
    const f = await fixture();
    await simulatedCampaign(f);
    const out = (await run(f, enter(['new1']))) as EnterResult;
    expect(out).toEqual({
      runId: 'opt-1',
      campaignId: 'c1',
      segmentId: 's1',
      entered: ['new1'],
      skipped: [],
    });
    const added = (await f.store.getState('c1')).variants.find((v) => v.variantId === 'new1')!;
    expect(added).toMatchObject({
      kind: 'challenger',
      status: 'active',
      parents: ['strong'],
      tone: 'playful',
      callToAction: 'Grab it',
      products: [{ productId: 'p1', category: 'bags', price: 35 }],
      generation: { promptVersion: 'copy-v2', backend: 'embedded', seed: 42 },
    });
    expect(added.prior.alpha).toBeCloseTo(0.05 * maxPriorStrength, 9);
    expect(added.prior.beta).toBeCloseTo(0.95 * maxPriorStrength, 9);
    expect(added.prediction?.ctr.p).toBe(0.05);
  });

  it('uses conversions per send for the prior of a conversion campaign', async () => {
    const f = await fixture();
    await simulatedCampaign(f, { objective: 'conversion' });
    await run(f, enter(['new1']));
    const added = (await f.store.getState('c1')).variants.find((v) => v.variantId === 'new1')!;
    expect(added.prior.alpha).toBeCloseTo(0.005 * maxPriorStrength, 9);
  });

  it('skips variants already in the segment, so a retried step adds nothing twice', async () => {
    const f = await fixture();
    await simulatedCampaign(f);
    const first = (await run(f, enter(['strong', 'new1']))) as EnterResult;
    expect(first.entered).toEqual(['new1']);
    expect(first.skipped).toEqual([{ variantId: 'strong', reason: 'already in the segment' }]);
    const again = (await run(f, enter(['strong', 'new1']))) as EnterResult;
    expect(again.entered).toEqual([]);
    expect(again.skipped.map((s) => s.variantId)).toEqual(['strong', 'new1']);
    const state = await f.store.getState('c1');
    expect(state.variants.filter((v) => v.variantId === 'new1')).toHaveLength(1);
    expect(state.variants.find((v) => v.variantId === 'strong')?.kind).toBe('generated');
  });

  it('skips variants beyond the most active arms of a segment, and those without a prediction', async () => {
    const f = await fixture({ breed: { maxActiveArms: 5 } });
    await simulatedCampaign(f);
    const out = (await run(f, {
      ...enter(['n1', 'n2', 'n3']),
      predicted: predicted(['n1', 'n3']),
    })) as EnterResult;
    expect(out.entered).toEqual(['n1']);
    expect(out.skipped).toEqual([
      { variantId: 'n2', reason: 'not predicted' },
      { variantId: 'n3', reason: 'the segment has 5 active arms, the most allowed is 5' },
    ]);
  });
});

/** Campaign c1: discount copy clicks at 15%, plain copy at 3%; conversions among clicks and a control. */
async function trainingCampaign(f: Fixture, scale = 1) {
  await createCampaign(f, 'c1');
  await f.store.putVariants([
    variant('c1', 'discount', { headline: 'Flash sale: 20% off the Acme Tote' }),
    variant('c1', 'plain', { headline: 'Our Acme Tote is here' }),
    control('c1'),
  ]);
  await simulate(f, 'c1', [
    { variantId: 'discount', sends: 3000 * scale, click: 0.15, convert: 0.03 },
    { variantId: 'plain', sends: 3000 * scale, click: 0.03, convert: 0.01 },
    { variantId: CONTROL, sends: 700 * scale, click: 0, convert: 0.002 },
  ]);
}

describe('retrain', () => {
  it('trains every model on expanded counters and promotes each, nothing serving yet', async () => {
    const f = await fixture();
    await trainingCampaign(f);
    const out = (await run(f, { step: 'retrain', runId: 'opt-1' })) as RetrainResult;
    const state = await f.store.getState('c1');
    const counter = (id: string) => state.counters.find((c) => c.variantId === id)!;
    expect(out.available.ctr).toBe(6000);
    expect(out.available.cvr).toBe(counter('discount').clicks + counter('plain').clicks);
    expect(out.available.uplift).toBe(6700);
    expect(out.sampled).toEqual({ ctr: 1, cvr: 1, uplift: 1 });
    expect(out.models.map((m) => m.model)).toEqual(['ctr', 'cvr', 'uplift']);
    for (const model of out.models) {
      expect(model).toMatchObject({
        promoted: true,
        decision: 'nothing served yet',
        version: expect.any(String),
      });
    }
    const ctr = out.models[0]!;
    expect(ctr.positives).toBe(counter('discount').clicks + counter('plain').clicks);
    const serving = await f.registry.serving('ctr');
    expect(serving?.version).toBe('version' in ctr ? ctr.version : undefined);
    const versions = await f.registry.versions('ctr');
    expect(versions.versions[0]?.metrics['auc']).toBeGreaterThan(0.65);
  });

  it('skips every model, with the reason, when there are too few examples', async () => {
    const f = await fixture();
    await createCampaign(f, 'c1');
    await f.store.putVariants([variant('c1', 'a'), control('c1')]);
    await f.store.count('c1', 's1', 'a', { sends: 300, clicks: 30, conversions: 2 });
    const out = (await run(f, { step: 'retrain', runId: 'opt-1' })) as RetrainResult;
    expect(out.models).toEqual([
      { model: 'ctr', skipped: '300 examples; 500 needed', examples: 300, positives: 30 },
      { model: 'cvr', skipped: '30 examples; 500 needed', examples: 30, positives: 2 },
      { model: 'uplift', skipped: '300 examples; 500 needed', examples: 300, positives: 2 },
    ]);
    expect(await f.registry.serving('ctr')).toBeUndefined();
  });

  it('samples whole counts proportionally above the cap, keeping each group’s rate', () => {
    const base = {
      variant: {
        headline: 'h',
        body: '',
        callToAction: '',
        goal: 'promotion' as const,
        channel: 'email' as const,
        language: 'en' as const,
        tone: 'friendly',
        products: [],
      },
      audience: { segmentId: 's1' },
      at: '2025-03-01T00:00:00Z',
      treated: 1 as const,
    };
    const groups: ExampleGroup[] = [
      { ...base, key: 'a', trials: 40_000, positives: 4_000 },
      { ...base, key: 'b', trials: 20_000, positives: 200 },
    ];
    const { examples, factor } = expandExamples(groups, 6_000, mulberry32(3));
    expect(factor).toBeCloseTo(0.1, 9);
    const of = (key: string) => examples.filter((e) => e.exampleId.startsWith(`${key}#`));
    expect(of('a').length).toBeGreaterThanOrEqual(3_998);
    expect(of('a').length).toBeLessThanOrEqual(4_002);
    expect(of('b').length).toBeGreaterThanOrEqual(1_998);
    expect(of('b').length).toBeLessThanOrEqual(2_002);
    const positives = (key: string) => of(key).filter((e) => e.label === 1).length;
    expect(positives('a')).toBe(400);
    expect(positives('b')).toBe(20);
  });
});

describe('strategies', () => {
  it('writes each segment’s best channel and send hour across campaigns', async () => {
    const f = await fixture();
    await createCampaign(f, 'c1', { channel: 'email' });
    await createCampaign(f, 'c2', { channel: 'push' });
    await f.store.putVariants([
      variant('c1', 'e1', { tone: 'calm' }),
      variant('c2', 'p1', { tone: 'playful' }),
    ]);
    const random = mulberry32(11);
    const send = async (campaignId: string, variantId: string, n: number, rate: number, hour: number) => {
      for (let i = 0; i < n; i++) {
        await f.store.count(campaignId, 's1', variantId, { sends: 1, clicks: random() < rate ? 1 : 0 }, hour);
      }
    };
    await send('c1', 'e1', 400, 0.12, 9);
    await send('c1', 'e1', 400, 0.04, 20);
    await send('c2', 'p1', 400, 0.03, 9);
    await send('c2', 'p1', 400, 0.01, 20);
    const out = (await run(f, { step: 'strategies', runId: 'opt-1' })) as StrategiesResult;
    expect(out.strategies).toEqual([
      { segmentId: 's1', objective: 'click', channel: 'email', hour: '9', tone: 'calm', products: ['p1'] },
    ]);
    const stored = await getStrategy(f.profilesTable, 's1');
    expect(stored?.channel.options.map((o) => o.value)).toEqual(['email', 'push']);
    expect(stored?.hour.options.find((o) => o.value === '9')?.sends).toBe(800);
    expect(stored?.runId).toBe('opt-1');
  });
});

describe('export', () => {
  it('writes DPO lines for the significant pairs', async () => {
    const f = await fixture();
    await simulatedCampaign(f);
    const out = await run(f, { step: 'export', runId: 'opt-1' });
    expect(out).toMatchObject({ runId: 'opt-1', key: 'preferences/opt-1.jsonl' });
    const lines = f.objects
      .text('preferences/opt-1.jsonl')!
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const pairs = lines.map((l) => `${l.evidence.chosen.variantId}>${l.evidence.rejected.variantId}`);
    expect(pairs).toEqual(expect.arrayContaining(['strong>weak', 'good>weak']));
    for (const line of lines) {
      expect(line.evidence.probability).toBeGreaterThanOrEqual(0.9);
      expect(line.evidence.chosen.mean).toBeGreaterThan(line.evidence.rejected.mean);
    }
  });
});

describe('export thresholds set by the run', () => {
  it('uses the defaults (P ≥ 0.9, ≥ 200 sends) when the run states none, and says which it used', async () => {
    const f = await fixture();
    await simulatedCampaign(f);
    const out = await run(f, { step: 'export', runId: 'opt-1' });
    expect(out).toMatchObject({ thresholds: { minProbability: 0.9, minSends: 200 } });
  });

  it('takes the thresholds the run was started with from its record', async () => {
    const f = await fixture();
    await simulatedCampaign(f);
    await startOptimization({ breed: false, preferences: { minProbability: 0.999999, minSends: 1 } }, 'api', {
      operations: f.operations,
      workflow: new FakeWorkflow(),
      now: () => NOW,
      newId: () => 'opt-strict',
    });
    expect(await getOptimization('opt-strict', f.operations)).toMatchObject({
      preferences: { minProbability: 0.999999, minSends: 1 },
    });
    const strict = await run(f, { step: 'export', runId: 'opt-strict' });
    const loose = await run(f, { step: 'export', runId: 'opt-1' });
    expect(strict).toMatchObject({ thresholds: { minProbability: 0.999999, minSends: 1 } });
    expect((strict as { pairs: number }).pairs).toBeLessThan((loose as { pairs: number }).pairs);
  });

  it('rejects thresholds that cannot be a preference, and unknown fields', () => {
    expect(optimizeRunBodySchema.safeParse({ preferences: { minProbability: 0.5 } }).success).toBe(false);
    expect(optimizeRunBodySchema.safeParse({ preferences: { minSends: 0 } }).success).toBe(false);
    expect(optimizeRunBodySchema.safeParse({ preferences: { minSend: 10 } }).success).toBe(false);
    expect(optimizeRunBodySchema.parse({ preferences: { minProbability: 0.8, minSends: 50 } })).toEqual({
      breed: true,
      preferences: { minProbability: 0.8, minSends: 50 },
    });
  });
});

describe('the run record', () => {
  it('records a running run and starts the execution named by its id', async () => {
    const f = await fixture();
    const workflow = new FakeWorkflow();
    const started = await startOptimization({ campaignIds: ['c1'], breed: true }, 'api', {
      operations: f.operations,
      workflow,
      now: () => NOW,
      newId: () => 'opt-1',
    });
    expect(started).toMatchObject({
      runId: 'opt-1',
      status: 'running',
      trigger: 'api',
      executionArn: 'arn:aws:states:eu-west-1:1:execution:optimize:opt-1',
    });
    expect(workflow.starts).toEqual([
      { name: 'opt-1', input: { runId: 'opt-1', campaignIds: ['c1'], breed: true, trigger: 'api' } },
    ]);
    expect(await getOptimization('opt-1', f.operations)).toMatchObject({ status: 'running', breed: true });
  });

  it('starts the execution with a null campaign list when none is named', async () => {
    const f = await fixture();
    const workflow = new FakeWorkflow();
    await startOptimization({ breed: false }, 'schedule', {
      operations: f.operations,
      workflow,
      newId: () => 'opt-1',
    });
    expect(workflow.starts[0]?.input).toEqual({
      runId: 'opt-1',
      campaignIds: null,
      breed: false,
      trigger: 'schedule',
    });
  });

  it('keeps a summary too large for the run record as its size only', async () => {
    const f = await fixture();
    await run(f, { step: 'finish', runId: 'opt-1', summary: { text: 'x'.repeat(200_000) } });
    expect((await getOptimization('opt-1', f.operations)).summary).toEqual({
      omitted: expect.stringMatching(/too large to keep/),
    });
  });

  it('refuses a second run while one is under way, and allows one after it finished', async () => {
    const f = await fixture();
    const start = (id: string) =>
      startOptimization({ breed: false }, 'schedule', {
        operations: f.operations,
        workflow: new FakeWorkflow(),
        now: () => NOW,
        newId: () => id,
      });
    await start('opt-1');
    await expect(start('opt-2')).rejects.toThrow(ConflictError);
    const finished = await run(f, { step: 'finish', runId: 'opt-1', summary: { campaigns: 2 } });
    expect(finished).toEqual({ runId: 'opt-1', status: 'succeeded', finishedAt: NOW.toISOString() });
    expect(await getOptimization('opt-1', f.operations)).toMatchObject({
      status: 'succeeded',
      finishedAt: NOW.toISOString(),
      summary: { campaigns: 2 },
    });
    await expect(start('opt-2')).resolves.toMatchObject({ runId: 'opt-2' });
  });

  it('records why a run failed, with the Lambda error’s message', async () => {
    const f = await fixture();
    await startOptimization({ breed: true }, 'api', {
      operations: f.operations,
      workflow: new FakeWorkflow(),
      now: () => NOW,
      newId: () => 'opt-1',
    });
    const cause = JSON.stringify({ errorType: 'NotFoundError', errorMessage: 'no campaign c9' });
    await run(f, { step: 'fail', runId: 'opt-1', error: { Error: 'NotFoundError', Cause: cause } });
    expect(await getOptimization('opt-1', f.operations)).toMatchObject({
      status: 'failed',
      error: 'NotFoundError: no campaign c9',
    });
  });

  it('marks the run failed when the execution does not start', async () => {
    const f = await fixture();
    const ports = {
      operations: f.operations,
      workflow: new FakeWorkflow(true),
      now: () => NOW,
      newId: () => 'opt-1',
    };
    await expect(startOptimization({ breed: true }, 'api', ports)).rejects.toThrow('throttled');
    expect(await getOptimization('opt-1', f.operations)).toMatchObject({ status: 'failed' });
  });

  it('answers 404 for an unknown run', async () => {
    const f = await fixture();
    await expect(getOptimization('nope', f.operations)).rejects.toThrow(NotFoundError);
  });
});
