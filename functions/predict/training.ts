import { type Audience, type SendContext, variantRow } from './features';
import { auc, expectedCalibrationError, IsotonicCalibrator, logLoss } from './kernels/calibration';
import { FtrlLogisticRegression, type FtrlOptions } from './kernels/ftrl';
import { murmur3 } from './kernels/hashing';
import type { ModelRegistry, ModelVersion } from './registry';
import type { VariantInput } from './schema';

/** One observed send and its outcome (a click for the CTR model, a conversion for CVR/uplift). */
export interface TrainingExample {
  readonly exampleId: string;
  readonly variant: VariantInput;
  readonly audience: Audience;
  readonly context: SendContext;
  readonly label: 0 | 1;
  readonly at: string;
}

export interface TrainingOptions {
  readonly bits: number;
  /** Share of examples held out (by a hash of their id, so the split is stable) for calibration and metrics. */
  readonly holdoutShare: number;
  readonly epochs: number;
  readonly seed: number;
  readonly ftrl?: Omit<FtrlOptions, 'bits'>;
}

export const defaultTraining: TrainingOptions = { bits: 20, holdoutShare: 0.2, epochs: 3, seed: 1 };

export interface TrainingOutcome {
  readonly version: ModelVersion;
  readonly promoted: boolean;
  /** Why it was or was not promoted: its held-out metrics against the serving version's. */
  readonly decision: string;
}

const inHoldout = (id: string, share: number) => murmur3(id, 7) / 4_294_967_296 < share;

/**
 * Train a model on examples, calibrate it (isotonic, on the held-out share), register it with
 * its held-out metrics and data window, and promote it only if it beats the serving version on
 * the same held-out examples (higher AUC and no worse log loss), or if nothing serves yet.
 * Promotion is the registry's compare-and-set, so a concurrent promotion wins or this one does.
 */
export async function trainAndMaybePromote(
  name: 'ctr' | 'cvr' | 'uplift',
  examples: readonly TrainingExample[],
  registry: ModelRegistry,
  options: TrainingOptions = defaultTraining,
): Promise<TrainingOutcome> {
  const rows = examples.map((e) => variantRow(e.variant, e.audience, e.context, options.bits));
  const held = examples.map((e) => inHoldout(e.exampleId, options.holdoutShare));
  const trainIdx = examples.flatMap((_, i) => (held[i] ? [] : [i]));
  const testIdx = examples.flatMap((_, i) => (held[i] ? [i] : []));
  if (trainIdx.length === 0 || testIdx.length === 0) {
    throw new RangeError(`${name}: too few examples to hold some out (${examples.length})`);
  }
  const model = new FtrlLogisticRegression({ ...options.ftrl, bits: options.bits });
  model.fit(
    trainIdx.map((i) => rows[i]!),
    trainIdx.map((i) => examples[i]!.label),
    { epochs: options.epochs, seed: options.seed },
  );
  const labels = Float64Array.from(testIdx, (i) => examples[i]!.label);
  const raw = Float64Array.from(testIdx, (i) => model.predict(rows[i]!));
  const calibrator = IsotonicCalibrator.fit(raw, labels);
  const scores = raw.map((p) => calibrator.apply(p));
  const metrics = {
    auc: auc(scores, labels),
    logLoss: logLoss(scores, labels),
    ece: expectedCalibrationError(scores, labels),
    holdout: testIdx.length,
  };
  const times = examples.map((e) => e.at).sort();
  const version = await registry.register(
    name,
    model.toBytes({ target: name, calibrator: JSON.stringify(calibrator.toJSON()) }),
    {
      metrics,
      dataWindow: { from: times[0] ?? '', to: times[times.length - 1] ?? '' },
      rows: trainIdx.length,
    },
  );

  const current = await registry.serving(name);
  if (!current) {
    await registry.promote(name, version.version, null);
    return { version, promoted: true, decision: 'nothing served yet' };
  }
  const incumbent = Float64Array.from(testIdx, (i) => {
    const p = current.model.predict(rows[i]!);
    return current.calibrator ? current.calibrator.apply(p) : p;
  });
  const theirs = { auc: auc(incumbent, labels), logLoss: logLoss(incumbent, labels) };
  const better = metrics.auc > theirs.auc && metrics.logLoss <= theirs.logLoss;
  const decision = `held-out AUC ${metrics.auc.toFixed(4)} vs ${theirs.auc.toFixed(4)}, log loss ${metrics.logLoss.toFixed(5)} vs ${theirs.logLoss.toFixed(5)}`;
  if (better) await registry.promote(name, version.version, current.version);
  return { version, promoted: better, decision };
}
