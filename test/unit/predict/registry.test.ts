import { ConflictError } from '../../../core/errors';
import { PlattCalibrator } from '../../../functions/predict/kernels/calibration';
import { FtrlLogisticRegression, ModelArtifactError } from '../../../functions/predict/kernels/ftrl';
import { ModelRegistry } from '../../../functions/predict/registry';
import { MemoryObjectStore, MemoryTable } from '../../support/memory';

/** A tiny trained model whose predictions tell versions apart. */
function trained(bias: number): Uint8Array {
  const model = new FtrlLogisticRegression({ bits: 4 });
  const row = { indices: new Int32Array([1]), values: new Float32Array([1]) };
  for (let i = 0; i < 200; i++) model.update(row, bias);
  return model.toBytes({ target: 'click' });
}

const row = { indices: new Int32Array([1]), values: new Float32Array([1]) };

function setup() {
  const table = new MemoryTable(['model', 'version']);
  const objects = new MemoryObjectStore();
  let now = Date.UTC(2026, 0, 1);
  const clock = { advance: (ms: number) => (now += ms) };
  const registry = new ModelRegistry(table, objects, { refreshMs: 1000, now: () => new Date(now) });
  return { table, objects, registry, clock };
}

describe('the model registry', () => {
  it('serves nothing until a version is promoted, then that version', async () => {
    const { registry } = setup();
    const v1 = await registry.register('ctr', trained(0.9), { metrics: { auc: 0.7 } });
    expect(await registry.serving('ctr')).toBeUndefined();
    await registry.promote('ctr', v1.version, null);
    const serving = await new ModelRegistry(...registryParts(registry)).serving('ctr');
    expect(serving?.version).toBe(v1.version);
    expect(serving?.model.predict(row)).toBeGreaterThan(0.7);
  });

  it('lets one of two racing promotions win and refuses the other', async () => {
    const { registry } = setup();
    const a = await registry.register('ctr', trained(0.2), { metrics: {} });
    const b = await registry.register('ctr', trained(0.8), { metrics: {} });
    const results = await Promise.allSettled([
      registry.promote('ctr', a.version, null),
      registry.promote('ctr', b.version, null),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(ConflictError) });
  });

  it('keeps a request on the version it read while a promotion lands, then serves the new one', async () => {
    const { registry, clock } = setup();
    const v1 = await registry.register('ctr', trained(0.1), { metrics: {} });
    const v2 = await registry.register('ctr', trained(0.9), { metrics: {} });
    await registry.promote('ctr', v1.version, null);
    const held = await registry.serving('ctr');
    await registry.promote('ctr', v2.version, v1.version);
    // The request scores every variant with the one model it holds: never a mix.
    expect([held?.model.predict(row), held?.model.predict(row)].every((p) => (p ?? 1) < 0.3)).toBe(true);
    clock.advance(2000);
    expect((await registry.serving('ctr'))?.version).toBe(v2.version);
  });

  it('rejects a corrupted artifact on load and keeps serving the loaded version', async () => {
    const { registry, objects, clock } = setup();
    const v1 = await registry.register('ctr', trained(0.1), { metrics: {} });
    const v2 = await registry.register('ctr', trained(0.9), { metrics: {} });
    await registry.promote('ctr', v1.version, null);
    expect((await registry.serving('ctr'))?.version).toBe(v1.version);
    const bytes = objects.objects.get(v2.artifactKey);
    if (!bytes) throw new Error('artifact missing');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await registry.promote('ctr', v2.version, v1.version);
    clock.advance(2000);
    expect((await registry.serving('ctr'))?.version).toBe(v1.version);
  });

  it('loads the calibrator stored with a version and exposes it for scoring', async () => {
    const { registry } = setup();
    const model = new FtrlLogisticRegression({ bits: 4 });
    for (let i = 0; i < 200; i++) model.update(row, 0.9);
    const calibrator = PlattCalibrator.fit(
      Float64Array.from([0.2, 0.4, 0.6, 0.8]),
      Float64Array.from([0, 0, 1, 1]),
    );
    const v1 = await registry.register(
      'ctr',
      model.toBytes({ calibrator: JSON.stringify(calibrator.toJSON()) }),
      { metrics: {} },
    );
    await registry.promote('ctr', v1.version, null);
    const serving = await registry.serving('ctr');
    expect(serving?.calibrator?.apply(0.5)).toBeCloseTo(calibrator.apply(0.5), 12);
  });

  it('refuses to register bytes that are not a model', async () => {
    const { registry } = setup();
    await expect(registry.register('ctr', new Uint8Array([1, 2, 3]), { metrics: {} })).rejects.toBeInstanceOf(
      ModelArtifactError,
    );
  });

  it('lists versions newest first with the serving one named', async () => {
    const { registry, clock } = setup();
    const v1 = await registry.register('cvr', trained(0.3), { metrics: { auc: 0.6 } });
    clock.advance(1000);
    const v2 = await registry.register('cvr', trained(0.4), { metrics: { auc: 0.65 } });
    await registry.promote('cvr', v1.version, null);
    const listed = await registry.versions('cvr');
    expect(listed.serving).toBe(v1.version);
    expect(listed.versions.map((v) => v.version)).toEqual([v2.version, v1.version]);
  });
});

/** A second registry on the same stores: a fresh container. */
function registryParts(registry: ModelRegistry): ConstructorParameters<typeof ModelRegistry> {
  const r = registry as unknown as { table: MemoryTable; objects: MemoryObjectStore };
  return [r.table, r.objects];
}
