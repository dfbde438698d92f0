/**
 * The predictor's kernels on a real randomized e-mail experiment, side by side with
 * scikit-learn's LogisticRegression on the same split and features, in the same run.
 *
 *   npx tsx bench/predict-hillstrom.ts [--seed 1] [--test 0.3] [--alphas 0.05,0.1,0.2,0.4]
 *                                      [--lambda1s 0,1] [--lambda2s 1,10] [--max-epochs 20] [--beta 1]
 *                                      [--no-reference]
 *
 * Data: shared/data/hillstrom (64,000 customers randomized to a men's e-mail, a women's
 * e-mail or none; see its README). Split: within each arm (`segment`), rows are shuffled
 * with mulberry32(seed) and the first round(test × size) go to the test set: 70/30,
 * stratified by arm, seed 1 by default. The test row indices are written to a temporary
 * file that the reference script reads.
 *
 * Features (hashed here, one-hot in the reference): recency (standardized, and as one of 12
 * levels), log(history) (standardized with the training rows' mean and standard deviation),
 * mens, womens, newbie, zip_code, channel, history_segment; for the response models also
 * the arm and arm × feature crosses.
 *
 * Models, for each target (visit, conversion):
 *  - response: one logistic regression on all arms (features, arm, crosses), trained with
 *    FTRL-Proximal in shuffled passes; alpha, lambda1, lambda2 and the number of passes are
 *    chosen by log loss on a validation part of the training rows (see `selectConfig`), then the
 *    model is refitted on all training rows; AUC, log loss and calibration error on the
 *    test set, against scikit-learn's LogisticRegression(C=1) on the same columns;
 *  - uplift of each e-mail versus none, two ways: two-model (one model per arm on the
 *    features without the arm; uplift = p_email(x) − p_none(x)), and from the single model
 *    (p(x, arm = email) − p(x, arm = none)). Evaluated on the test rows of that e-mail and of
 *    no e-mail: Qini coefficient (scikit-uplift's qini_auc_score) and uplift at the top 10%
 *    and 30% (uplift_at_k, strategy 'overall'), the same for scikit-learn's predictions.
 * Times are of the fits only (not of reading or featurizing); the reference's are its
 * lbfgs fits as it measures them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { table } from '../cli/output';
import { mulberry32 } from '../core/random';
import { auc, expectedCalibrationError, logLoss } from '../functions/predict/kernels/calibration';
import { FtrlLogisticRegression, type FtrlOptions } from '../functions/predict/kernels/ftrl';
import { RowBuilder, type SparseRow } from '../functions/predict/kernels/hashing';
import { qiniCoefficient, upliftAtK } from '../functions/predict/kernels/uplift';
import { type HillstromCustomer, hillstromFile, readHillstrom, splitByArm } from './lib/hillstrom';
import { checkPython, runPythonJson } from './lib/python';
import { progress, ratio, timed } from './lib/timing';

const ARMS = ['Mens E-Mail', 'Womens E-Mail', 'No E-Mail'] as const;
const CONTROL = 'No E-Mail';
const EMAILS = ['Mens E-Mail', 'Womens E-Mail'] as const;
const TARGETS = ['visit', 'conversion'] as const;
type Arm = (typeof ARMS)[number];
type Target = (typeof TARGETS)[number];

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    test: { type: 'string', default: '0.3' },
    alphas: { type: 'string', default: '0.05,0.1,0.2,0.4' },
    lambda1s: { type: 'string', default: '0,1' },
    'max-epochs': { type: 'string', default: '20' },
    lambda2s: { type: 'string', default: '1,10' },
    beta: { type: 'string', default: '1' },
    'no-reference': { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const testFraction = Number(values.test);
const alphas = values.alphas.split(',').map(Number);
const lambda1s = values.lambda1s.split(',').map(Number);
const maxEpochs = Number(values['max-epochs']);
const bits = 20;
const beta = Number(values.beta);
const lambda2s = values.lambda2s.split(',').map(Number);
const log = progress();

interface Customer extends HillstromCustomer {
  arm: Arm;
}

log(`reading ${hillstromFile}`);
const customers: Customer[] = readHillstrom().map((c) => {
  const arm = c.segment as Arm;
  if (!ARMS.includes(arm)) throw new Error(`unknown segment ${arm}`);
  return { ...c, arm };
});

// Stratified split: shuffle each arm's rows (ascending index, then Fisher-Yates) and take
// the first round(test × size) as test rows; the training rows in ascending order.
const split = splitByArm(
  customers.map((c) => c.segment),
  ARMS,
  testFraction,
  seed,
);
const train = split.train.sort((a, b) => a - b);
const test = split.test;

/** Mean and population standard deviation over the training rows (as numpy's std). */
function meanSd(value: (c: Customer) => number): [number, number] {
  let sum = 0;
  for (const i of train) sum += value(customers[i]!);
  const mean = sum / train.length;
  let squares = 0;
  for (const i of train) squares += (value(customers[i]!) - mean) ** 2;
  return [mean, Math.sqrt(squares / train.length)];
}
const recencyStats = meanSd((c) => c.recency);
const historyStats = meanSd((c) => Math.log(c.history));

/** The customer's own features as (name, value) pairs: what both models see. */
function baseFeatures(c: Customer): Array<[string, number]> {
  return [
    ['recency', (c.recency - recencyStats[0]) / recencyStats[1]],
    ['log_history', (Math.log(c.history) - historyStats[0]) / historyStats[1]],
    ['mens', c.mens],
    ['womens', c.womens],
    ['newbie', c.newbie],
    [`recency=${c.recency}`, 1],
    [`history_segment=${c.historySegment}`, 1],
    [`zip_code=${c.zip}`, 1],
    [`channel=${c.channel}`, 1],
  ];
}

const builder = new RowBuilder(bits);
/** Base features only (two-model), or with the arm and arm × feature crosses (single model). */
function featurize(c: Customer, arm?: Arm): SparseRow {
  const base = baseFeatures(c);
  for (const [name, x] of base) builder.numeric(name, x);
  if (arm !== undefined) {
    const armName = `arm=${arm}`;
    builder.numeric(armName, 1);
    for (const [name, x] of base) builder.cross(armName, name, x);
  }
  return builder.build();
}

const featurizing = timed(() => ({
  single: customers.map((c) => featurize(c, c.arm)),
  base: customers.map((c) => featurize(c)),
}));
const rows = featurizing.value;
log(`featurized ${customers.length.toLocaleString('en')} rows twice in ${featurizing.seconds.toFixed(2)} s`);

// Run the reference first: it takes a while, and runs alone so timings are not shared.
const python = checkPython(['numpy', 'sklearn'], 'apt-get install -y python3-sklearn');
interface ReferenceUplift {
  qini: number;
  at10: number;
  at30: number;
}
interface ReferenceTarget {
  singleFitSeconds: number;
  twoModelFitSeconds: number;
  auc: number;
  logLoss: number;
  uplift: Record<string, Record<'twoModel' | 'single', ReferenceUplift>>;
}
interface ReferenceRun {
  sklearn: string;
  numpy: string;
  stats: { recency: [number, number]; log_history: [number, number] };
  targets: Record<Target, ReferenceTarget>;
}
type ReferencePredictions = Record<
  Target,
  { test: number[]; uplift: Record<string, Record<'twoModel' | 'single', number[]>> }
>;
let reference: { run: ReferenceRun; predictions: ReferencePredictions } | undefined;
if (values['no-reference']) {
  console.log('\nscikit-learn comparison skipped (--no-reference)\n');
} else if (python.ok) {
  const folder = mkdtempSync(join(tmpdir(), 'tailor-hillstrom-'));
  try {
    const split = join(folder, 'split.json');
    const out = join(folder, 'predictions.json');
    writeFileSync(split, JSON.stringify({ seed, testFraction, test }));
    log(`scikit-learn ${python.version}: fitting LogisticRegression (4 models per target) ...`);
    const run = runPythonJson<ReferenceRun>(join(import.meta.dirname, 'reference', 'predict_hillstrom.py'), [
      hillstromFile,
      split,
      out,
    ]);
    reference = { run, predictions: JSON.parse(readFileSync(out, 'utf8')) as ReferencePredictions };
    log('scikit-learn done');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
} else {
  console.log(`\nscikit-learn comparison skipped: ${python.reason}\n`);
}

interface Evaluation {
  auc: number;
  logLoss: number;
  ece: number;
}
function evaluate(predictions: ArrayLike<number>, labels: ArrayLike<number>): Evaluation {
  return {
    auc: auc(predictions, labels),
    logLoss: logLoss(predictions, labels),
    ece: expectedCalibrationError(predictions, labels),
  };
}
interface UpliftFigures {
  qini: number;
  at10: number;
  at30: number;
}
function upliftFigures(outcomes: ArrayLike<number>, uplift: ArrayLike<number>, treated: ArrayLike<number>) {
  return {
    qini: qiniCoefficient(outcomes, uplift, treated),
    at10: upliftAtK(outcomes, uplift, treated, 0.1),
    at30: upliftAtK(outcomes, uplift, treated, 0.3),
  };
}

interface Config extends FtrlOptions {
  epochs: number;
}

/**
 * Picks alpha, lambda1, lambda2 and the number of epochs by log loss on a validation part of the
 * training rows (20% of each arm's, seed + 1): the test rows play no part.
 */
function selectConfig(target: Target): { config: Config; validationLogLoss: number; seconds: number } {
  const shuffled = mulberry32(seed + 1);
  const validation = new Set<number>();
  for (const arm of ARMS) {
    const rows = train.filter((i) => customers[i]!.arm === arm);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(shuffled() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    for (const i of rows.slice(0, Math.round(0.2 * rows.length))) validation.add(i);
  }
  const fitOn = train.filter((i) => !validation.has(i));
  const validateOn = [...validation].sort((a, b) => a - b);
  const fitRows = fitOn.map((i) => rows.single[i]!);
  const fitLabels = Float64Array.from(fitOn, (i) => customers[i]![target]);
  const validateRows = validateOn.map((i) => rows.single[i]!);
  const validateLabels = Float64Array.from(validateOn, (i) => customers[i]![target]);
  let best = {
    config: { bits, beta, alpha: 0, lambda1: 0, lambda2: 0, epochs: 0 } as Config,
    validationLogLoss: Infinity,
  };
  const { seconds } = timed(() => {
    for (const alpha of alphas) {
      for (const lambda1 of lambda1s) {
        for (const lambda2 of lambda2s) {
          const model = new FtrlLogisticRegression({ bits, alpha, beta, lambda1, lambda2 });
          for (let epoch = 1; epoch <= maxEpochs; epoch++) {
            model.fit(fitRows, fitLabels, { epochs: 1, seed: seed + epoch });
            const loss = logLoss(model.predictBatch(validateRows), validateLabels);
            if (loss < best.validationLogLoss) {
              best = {
                config: { bits, alpha, beta, lambda1, lambda2, epochs: epoch },
                validationLogLoss: loss,
              };
            }
          }
        }
      }
    }
  });
  return { ...best, seconds };
}

type Cell = string | number;
const selectionRows: Cell[][] = [];
const responseRows: Cell[][] = [];
const upliftRows: Cell[][] = [];
const checks: string[] = [];
const loadAtStart = loadavg()[0]!;
const fmt = (x: number, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

for (const target of TARGETS) {
  const label = (i: number) => customers[i]![target];
  const testLabels = Float64Array.from(test, label);

  log(`${target}: choosing alpha, lambda1, lambda2 and epochs on a validation part of the training rows ...`);
  const selection = selectConfig(target);
  const { epochs, ...options } = selection.config;
  selectionRows.push([
    target,
    options.alpha!,
    options.lambda1!,
    options.lambda2!,
    epochs,
    fmt(selection.validationLogLoss, 5),
    selection.seconds.toFixed(1),
  ]);

  log(`${target}: FTRL single model, ${epochs} epochs ...`);
  const single = new FtrlLogisticRegression(options);
  const singleRows = train.map((i) => rows.single[i]!);
  const singleFit = timed(() => single.fit(singleRows, Float64Array.from(train, label), { epochs, seed }));
  const ours = evaluate(
    test.map((i) => single.predict(rows.single[i]!)),
    testLabels,
  );

  log(`${target}: FTRL two-model (one per arm) ...`);
  const perArm = new Map<Arm, FtrlLogisticRegression>();
  let twoModelSeconds = 0;
  for (const arm of ARMS) {
    const armRows = train.filter((i) => customers[i]!.arm === arm);
    const model = new FtrlLogisticRegression(options);
    const armRowsBase = armRows.map((i) => rows.base[i]!);
    const armLabels = Float64Array.from(armRows, label);
    twoModelSeconds += timed(() => model.fit(armRowsBase, armLabels, { epochs, seed })).seconds;
    perArm.set(arm, model);
  }

  const ref = reference?.run.targets[target];
  const refPredictions = reference?.predictions[target];
  const theirs = refPredictions ? evaluate(refPredictions.test, testLabels) : undefined;
  if (ref && theirs) {
    checks.push(
      `${target}: AUC and log loss of scikit-learn's predictions, ours vs sklearn.metrics: ` +
        `|Δ| ${Math.abs(theirs.auc - ref.auc).toExponential(1)}, ${Math.abs(theirs.logLoss - ref.logLoss).toExponential(1)}`,
    );
  }
  const rate = testLabels.reduce((s, y) => s + y, 0) / testLabels.length;
  const constant = logLoss(
    testLabels.map(() => rate),
    testLabels,
  );
  responseRows.push(
    [
      target,
      'ours: FTRL-Proximal',
      fmt(ours.auc),
      fmt(ours.logLoss, 5),
      fmt(ours.ece),
      singleFit.seconds.toFixed(3),
      ratio(singleFit.seconds, ref?.singleFitSeconds),
    ],
    [
      target,
      'scikit-learn LogisticRegression',
      theirs ? fmt(theirs.auc) : '–',
      theirs ? fmt(theirs.logLoss, 5) : '–',
      theirs ? fmt(theirs.ece) : '–',
      ref ? ref.singleFitSeconds.toFixed(3) : '–',
      ref ? '1.00×' : '–',
    ],
    [target, 'constant (test base rate)', '0.5000', fmt(constant, 5), '0.0000', '', ''],
    [
      target,
      'ours: two-model fits (3 arms)',
      '',
      '',
      '',
      twoModelSeconds.toFixed(3),
      ratio(twoModelSeconds, ref?.twoModelFitSeconds),
    ],
    [
      target,
      'scikit-learn: two-model fits',
      '',
      '',
      '',
      ref ? ref.twoModelFitSeconds.toFixed(3) : '–',
      ref ? '1.00×' : '–',
    ],
  );

  for (const email of EMAILS) {
    const evalRows = test.filter((i) => customers[i]!.arm === email || customers[i]!.arm === CONTROL);
    const outcomes = Float64Array.from(evalRows, label);
    const treated = Float64Array.from(evalRows, (i) => (customers[i]!.arm === email ? 1 : 0));
    const twoModel = Float64Array.from(
      evalRows,
      (i) => perArm.get(email)!.predict(rows.base[i]!) - perArm.get(CONTROL)!.predict(rows.base[i]!),
    );
    const fromSingle = Float64Array.from(
      evalRows,
      (i) =>
        single.predict(featurize(customers[i]!, email)) - single.predict(featurize(customers[i]!, CONTROL)),
    );
    let treatedCount = 0;
    let treatedResponses = 0;
    let controlResponses = 0;
    for (let k = 0; k < evalRows.length; k++) {
      treatedCount += treated[k]!;
      if (treated[k]) treatedResponses += outcomes[k]!;
      else controlResponses += outcomes[k]!;
    }
    const everyone = treatedResponses / treatedCount - controlResponses / (evalRows.length - treatedCount);
    const arms = `${email.replace(' E-Mail', '')} vs none`;
    const row = (method: string, f: UpliftFigures | undefined): Cell[] => [
      target,
      arms,
      method,
      f ? fmt(f.qini) : '–',
      f ? fmt(f.at10) : '–',
      f ? fmt(f.at30) : '–',
    ];
    const reference2 = refPredictions?.uplift[email];
    upliftRows.push(
      row('ours: two-model', upliftFigures(outcomes, twoModel, treated)),
      row('scikit-learn: two-model', reference2 && upliftFigures(outcomes, reference2.twoModel, treated)),
      row('ours: single model + crosses', upliftFigures(outcomes, fromSingle, treated)),
      row(
        'scikit-learn: single model + crosses',
        reference2 && upliftFigures(outcomes, reference2.single, treated),
      ),
      [target, arms, 'everyone (no targeting)', '0', fmt(everyone), fmt(everyone)],
    );
    if (ref && reference2) {
      const mine = upliftFigures(outcomes, reference2.twoModel, treated);
      const py = ref.uplift[email]!.twoModel;
      const delta = Math.max(
        Math.abs(mine.qini - py.qini),
        Math.abs(mine.at10 - py.at10),
        Math.abs(mine.at30 - py.at30),
      );
      checks.push(
        `${target}, ${arms}: Qini and uplift@k of scikit-learn's two-model, ours vs the reference's: max |Δ| ${delta.toExponential(1)}`,
      );
    }
  }
}

const nTest = test.length;
console.log(
  `\nHillstrom e-mail experiment: ${customers.length.toLocaleString('en')} customers, ` +
    `${train.length.toLocaleString('en')} train / ${nTest.toLocaleString('en')} test ` +
    `(${Math.round(testFraction * 100)}% of each arm, seed ${seed})\n` +
    `FTRL-Proximal: beta ${beta}, 2^${bits} hashed features; alpha, lambda1, lambda2 and epochs chosen per target ` +
    `by validation log loss (scikit-learn's C=1 is lambda2 = 1)` +
    (reference
      ? `\nscikit-learn ${reference.run.sklearn}: LogisticRegression(C=1, lbfgs) on the same features one-hot encoded`
      : '') +
    '\n',
);
console.log('Chosen FTRL settings (validation: 20% of the training rows of each arm)\n');
console.log(
  table(
    ['target', 'alpha', 'lambda1', 'lambda2', 'epochs', 'validation log loss', 'search s'],
    selectionRows,
  ),
);
console.log('\nResponse models on the test set (fit seconds; time ratio = ours ÷ scikit-learn)\n');
console.log(
  table(['target', 'model', 'AUC', 'log loss', 'ECE (10 bins)', 'fit s', 'time ratio'], responseRows),
);
console.log(
  `\nUplift of each e-mail versus none, on the test rows of both arms: Qini coefficient ` +
    `(scikit-uplift's qini_auc_score) and uplift at the top k% by predicted uplift\n` +
    `(treated response rate − control response rate among them, strategy 'overall')\n`,
);
console.log(table(['target', 'arms', 'method', 'Qini coef.', 'uplift@10%', 'uplift@30%'], upliftRows));
console.log(
  '\nPublished (data README): scikit-uplift pipeline example, Womens E-Mail vs No E-Mail, visit, 50/50 split, ' +
    'class transformation\non gradient-boosted trees of depth 2: uplift@30% = 0.0661 (another split and model; context only).',
);
for (const check of checks) console.log(`check: ${check}`);
console.log(
  `${cpus().length} CPUs; 1-minute load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`,
);
