import { mulberry32 } from '../../../core/random';
import {
  decodeArtifact,
  encodeArtifact,
  FtrlLogisticRegression,
  type ModelArtifact,
  ModelArtifactError,
} from '../../../functions/predict/kernels/ftrl';
import { hashFeature, RowBuilder, type SparseRow } from '../../../functions/predict/kernels/hashing';

const truth = { x0: 1.2, x1: -0.8, x2: 0.5, x3: 0 };
const bias = -0.3;

/** n rows of four standard normal features, labels drawn from the true logistic model. */
function synthetic(n: number, bits: number, seed: number) {
  const random = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const builder = new RowBuilder(bits);
  const rows: SparseRow[] = [];
  const labels = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let margin = bias;
    for (const [name, w] of Object.entries(truth)) {
      const x = gaussian();
      margin += w * x;
      builder.numeric(name, x);
    }
    builder.categorical('noise', `${Math.floor(random() * 4)}`);
    rows.push(builder.build());
    labels[i] = random() < 1 / (1 + Math.exp(-margin)) ? 1 : 0;
  }
  return { rows, labels };
}

const bits = 16;
const data = synthetic(20_000, bits, 7);
const trained = new FtrlLogisticRegression({ bits, alpha: 0.1, lambda1: 0, lambda2: 0 });
trained.fit(data.rows, data.labels, { epochs: 3, seed: 1 });

describe('FtrlLogisticRegression', () => {
  it('converges to the weights that generated synthetic logistic data', () => {
    for (const [name, w] of Object.entries(truth)) {
      expect(Math.abs(trained.weight(hashFeature(name, undefined, bits)) - w)).toBeLessThan(0.1);
    }
    expect(Math.abs(trained.intercept - bias)).toBeLessThan(0.1);
  });

  it('sets weak coordinates to exactly zero under L1', () => {
    const sparse = new FtrlLogisticRegression({ bits, alpha: 0.1, lambda1: 200 });
    sparse.fit(data.rows, data.labels, { epochs: 1, seed: 1 });
    expect(sparse.weight(hashFeature('x3', undefined, bits))).toBe(0);
    expect(sparse.weight(hashFeature('x0', undefined, bits))).toBeGreaterThan(0.5);
  });

  it('reports a progressive log loss that falls below the constant model', () => {
    const model = new FtrlLogisticRegression({ bits });
    const report = model.fit(data.rows, data.labels, { epochs: 2, seed: 3 });
    const rate = data.labels.reduce((s, y) => s + y, 0) / data.labels.length;
    const constant = -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate));
    expect(report.progressiveLogLoss).toHaveLength(2);
    expect(report.progressiveLogLoss[1]!).toBeLessThan(constant - 0.1);
  });

  it('learns a rate from aggregated rows labelled with it', () => {
    const model = new FtrlLogisticRegression({ bits: 8, lambda1: 0, lambda2: 0 });
    const row = new RowBuilder(8).categorical('headline', 'a').build();
    const rows = Array.from({ length: 2000 }, () => row);
    model.fit(rows, new Float64Array(2000).fill(0.2), { weights: new Float64Array(2000).fill(3) });
    expect(model.predict(row)).toBeCloseTo(0.2, 2);
  });

  it('explains a score with contributions that add up to its log-odds, largest first', () => {
    const row = new RowBuilder(bits).numeric('x0', 2).numeric('x1', 0.5).build();
    const contributions = trained.contributions(row);
    const sum = contributions.reduce((s, c) => s + c.contribution, trained.intercept);
    expect(sum).toBeCloseTo(trained.margin(row), 10);
    const sizes = contributions.map((c) => Math.abs(c.contribution));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(contributions[0]!.index).toBe(hashFeature('x0', undefined, bits));
  });

  it('rejects a label outside [0, 1] and a negative weight', () => {
    const model = new FtrlLogisticRegression({ bits: 4 });
    const row = new RowBuilder(4).add(1).build();
    expect(() => model.update(row, 2)).toThrow(RangeError);
    expect(() => model.update(row, 1, -1)).toThrow(RangeError);
    expect(() => new FtrlLogisticRegression({ alpha: 0 })).toThrow(RangeError);
  });
});

describe('model artifacts', () => {
  const artifact = trained.serialize({ target: 'synthetic' });

  it('round-trips to a model with identical predictions', () => {
    const loaded = FtrlLogisticRegression.deserialize(artifact);
    for (const row of data.rows.slice(0, 2000)) expect(loaded.predict(row)).toBe(trained.predict(row));
    expect(loaded.serialize({ target: 'synthetic' }).header.checksum).toBe(artifact.header.checksum);
  });

  it('round-trips through bytes', () => {
    const loaded = FtrlLogisticRegression.fromBytes(trained.toBytes({ target: 'synthetic' }));
    for (const row of data.rows.slice(0, 200)) expect(loaded.predict(row)).toBe(trained.predict(row));
  });

  it('keeps learning after a load, from the saved weights', () => {
    const loaded = FtrlLogisticRegression.deserialize(artifact);
    const row = data.rows[1]!;
    const before = loaded.predict(row);
    loaded.update(row, 1);
    expect(loaded.predict(row)).toBeGreaterThan(before);
    expect(loaded.predict(row) - before).toBeLessThan(0.1);
    expect(loaded.predict(data.rows[2]!)).toBeCloseTo(trained.predict(data.rows[2]!), 1);
  });

  it('rejects every artifact with one byte flipped', () => {
    const small = new FtrlLogisticRegression({ bits: 10 });
    small.fit(synthetic(300, 10, 1).rows, synthetic(300, 10, 1).labels);
    const bytes = small.toBytes({ target: 'flip' });
    expect(() => FtrlLogisticRegression.fromBytes(bytes)).not.toThrow();
    for (let i = 0; i < bytes.length; i++) {
      const damaged = bytes.slice();
      damaged[i] = damaged[i]! ^ 0xff;
      expect(() => FtrlLogisticRegression.fromBytes(damaged)).toThrow(ModelArtifactError);
    }
  });

  it('rejects a weight changed in memory with a checksum error', () => {
    const weights = artifact.weights.slice();
    weights[1] = weights[1]! + 0.5;
    expect(() => FtrlLogisticRegression.deserialize({ ...artifact, weights })).toThrow(/checksum/);
  });

  it.each([
    ['another version', { version: 2 }, /version/],
    ['another hashing scheme', { hash: 'fnv1a' }, /hashed with/],
    ['too many bits', { bits: 30 }, /bits/],
    ['a negative L2', { hyperparameters: { alpha: 0.1, beta: 1, lambda1: 1, lambda2: -1 } }, /lambda2/],
  ])('rejects a header with %s', (_, change, message) => {
    const damaged = { ...artifact, header: { ...artifact.header, ...change } } as ModelArtifact;
    expect(() => FtrlLogisticRegression.deserialize(damaged)).toThrow(ModelArtifactError);
    expect(() => FtrlLogisticRegression.deserialize(damaged)).toThrow(message);
  });

  it('names the error for the caller to keep its current model', () => {
    const error = (() => {
      try {
        decodeArtifact(new Uint8Array(4));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ModelArtifactError);
    expect((error as ModelArtifactError).name).toBe('ModelArtifactError');
    expect(decodeArtifact(encodeArtifact(artifact)).header).toEqual(artifact.header);
  });
});
