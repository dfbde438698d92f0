/**
 * Targeting on a real randomized experiment: a learned send / which-e-mail policy on the
 * Hillstrom data, its value estimated off-policy from the randomized test rows.
 *
 *   npx tsx bench/optimize-hillstrom-policy.ts [--seed 1] [--test 0.3] [--epochs 5]
 *                                              [--alpha 0.1] [--lambda1 0] [--lambda2 1]
 *
 * Data: shared/data/hillstrom (64,000 customers randomized to a men's e-mail, a women's
 * e-mail or none, one third each; see its README). Split: within each arm, rows shuffled with
 * mulberry32(seed), the first round(test × size) to the test set (70/30 by default, as in
 * bench/predict-hillstrom.ts).
 *
 * Models: two-model (T-learner) FTRL-Proximal logistic regression, one model per arm on the
 * customer features (recency standardized and as a level, log(history) standardized,
 * history_segment, mens, womens, newbie, zip_code, channel), for the visit target and for the
 * conversion target, fitted on the training rows of that arm.
 *
 * Policies, each a choice of arm per test customer:
 *  - learned (visit): the arm with the highest predicted visit probability (no e-mail when
 *    neither e-mail is predicted to raise it);
 *  - learned (conversion): the same with the conversion models;
 *  - everyone the single best e-mail: the e-mail with the higher visit rate on the training rows;
 *  - random: each arm with probability 1/3 (the experiment's own policy);
 *  - no one.
 * Values per customer (visit rate, conversion rate, spend) on the test rows by IPW with the
 * design propensity 1/3 (weights 3 where the logged arm is the policy's, else 0; 1 for the
 * random policy) and by self-normalized IPW; 95% intervals from the normal approximation on
 * the per-row terms (functions/optimize/kernels/ope.ts).
 */
import { parseArgs } from 'node:util';
import { table } from '../cli/output';
import { ipw, type PolicyEstimate, snipw, type TargetPolicy } from '../functions/optimize/kernels/ope';
import { auc } from '../functions/predict/kernels/calibration';
import { FtrlLogisticRegression } from '../functions/predict/kernels/ftrl';
import { RowBuilder, type SparseRow } from '../functions/predict/kernels/hashing';
import { type HillstromCustomer, hillstromFile, readHillstrom, splitByArm } from './lib/hillstrom';
import { progress, timed } from './lib/timing';

/** Arm indices: the action space of the policies. */
const ARMS = ['No E-Mail', 'Mens E-Mail', 'Womens E-Mail'] as const;
const K = ARMS.length;
const PROPENSITY = 1 / 3;
const TARGETS = ['visit', 'conversion'] as const;
const OUTCOMES = ['visit', 'conversion', 'spend'] as const;
type Outcome = (typeof OUTCOMES)[number];

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    test: { type: 'string', default: '0.3' },
    epochs: { type: 'string', default: '5' },
    alpha: { type: 'string', default: '0.1' },
    lambda1: { type: 'string', default: '0' },
    lambda2: { type: 'string', default: '1' },
  },
});
const seed = Number(values.seed);
const testFraction = Number(values.test);
const epochs = Number(values.epochs);
const ftrl = {
  bits: 18,
  alpha: Number(values.alpha),
  beta: 1,
  lambda1: Number(values.lambda1),
  lambda2: Number(values.lambda2),
};
const log = progress();

interface Customer extends HillstromCustomer {
  logHistory: number;
  arm: number;
}

log(`reading ${hillstromFile}`);
const customers: Customer[] = readHillstrom().map((c) => {
  const arm = ARMS.indexOf(c.segment as (typeof ARMS)[number]);
  if (arm < 0) throw new Error(`unknown segment ${c.segment}`);
  return { ...c, logHistory: Math.log(c.history), arm };
});

// Stratified split: within each arm, shuffled, the first round(test × size) to the test set.
const { train, test } = splitByArm(
  customers.map((c) => c.segment),
  ARMS,
  testFraction,
  seed,
);

function standardizer(pick: (c: Customer) => number): (x: number) => number {
  const xs = train.map((i) => pick(customers[i]!));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
  return (x) => (x - mean) / sd;
}
const recency = standardizer((c) => c.recency);
const history = standardizer((c) => c.logHistory);

const builder = new RowBuilder(ftrl.bits);
function featurize(c: Customer): SparseRow {
  return builder
    .numeric('recency', recency(c.recency))
    .numeric('log_history', history(c.logHistory))
    .numeric('mens', c.mens)
    .numeric('womens', c.womens)
    .numeric('newbie', c.newbie)
    .categorical('recency', String(c.recency))
    .categorical('history_segment', c.historySegment)
    .categorical('zip_code', c.zip)
    .categorical('channel', c.channel)
    .build();
}
const rows = customers.map(featurize);

/** Predicted outcome probability of every test customer under every arm, row-major n × K. */
function twoModel(target: (typeof TARGETS)[number]): {
  predictions: Float64Array;
  seconds: number;
  auc: number;
} {
  const predictions = new Float64Array(test.length * K);
  let seconds = 0;
  const observed: number[] = [];
  const labels: number[] = [];
  for (let arm = 0; arm < K; arm++) {
    const fitOn = train.filter((i) => customers[i]!.arm === arm);
    const model = new FtrlLogisticRegression(ftrl);
    seconds += timed(() =>
      model.fit(
        fitOn.map((i) => rows[i]!),
        Float64Array.from(fitOn, (i) => customers[i]![target]),
        { epochs, seed },
      ),
    ).seconds;
    test.forEach((i, t) => {
      const p = model.predict(rows[i]!);
      predictions[t * K + arm] = p;
      if (customers[i]!.arm === arm) {
        observed.push(p);
        labels.push(customers[i]![target]);
      }
    });
  }
  return { predictions, seconds, auc: auc(observed, labels) };
}

const argmax = (predictions: Float64Array, t: number) => {
  let best = 0;
  for (let a = 1; a < K; a++) if (predictions[t * K + a]! > predictions[t * K + best]!) best = a;
  return best;
};

const n = test.length;
const actions = Int32Array.from(test, (i) => customers[i]!.arm);
const propensities = new Float64Array(n).fill(PROPENSITY);
const outcomeOf = (o: Outcome) => Float64Array.from(test, (i) => customers[i]![o]);

const trainRate = (arm: number) => {
  const rowsOfArm = train.filter((i) => customers[i]!.arm === arm);
  return rowsOfArm.reduce((s, i) => s + customers[i]!.visit, 0) / rowsOfArm.length;
};
const bestEmail = trainRate(1) >= trainRate(2) ? 1 : 2;

const policies: Array<{ name: string; policy: TargetPolicy; shares: number[] }> = [];
const modelRows: Array<Array<string | number>> = [];
for (const target of TARGETS) {
  log(`fitting the ${target} models (one per arm, ${epochs} epochs)`);
  const { predictions, seconds, auc: a } = twoModel(target);
  const chosen = Int32Array.from({ length: n }, (_, t) => argmax(predictions, t));
  modelRows.push([target, a.toFixed(4), seconds.toFixed(2)]);
  policies.push({ name: `learned (${target})`, policy: { chosen }, shares: sharesOf(chosen) });
}
const constant = (arm: number) => Int32Array.from({ length: n }, () => arm);
policies.push(
  {
    name: `everyone: ${ARMS[bestEmail]}`,
    policy: { chosen: constant(bestEmail) },
    shares: sharesOf(constant(bestEmail)),
  },
  {
    name: 'random (1/3 each)',
    policy: { probabilities: new Float64Array(n * K).fill(1 / K), actionCount: K },
    shares: [1 / 3, 1 / 3, 1 / 3],
  },
  { name: 'no one', policy: { chosen: constant(0) }, shares: [1, 0, 0] },
);

function sharesOf(chosen: Int32Array): number[] {
  const counts = new Array<number>(K).fill(0);
  for (const a of chosen) counts[a]! += 1;
  return counts.map((c) => c / chosen.length);
}

const fmt = (e: PolicyEstimate, digits: number) =>
  `${e.value.toFixed(digits)} [${e.lower.toFixed(digits)}, ${e.upper.toFixed(digits)}]`;
const valueRows: Array<Array<string | number>> = [];
for (const { name, policy, shares } of policies) {
  for (const [estimator, estimate] of [
    ['IPW', ipw],
    ['SNIPW', snipw],
  ] as const) {
    const cells = OUTCOMES.map((o) =>
      fmt(estimate({ actions, rewards: outcomeOf(o), propensities }, policy), o === 'spend' ? 3 : 4),
    );
    const ess = estimate({ actions, rewards: outcomeOf('visit'), propensities }, policy).effectiveSampleSize;
    valueRows.push([
      name,
      shares.map((s) => `${(100 * s).toFixed(0)}%`).join(' / '),
      estimator,
      ...cells,
      ess.toFixed(0),
    ]);
  }
}

console.log(
  `\nHillstrom e-mail experiment: ${customers.length.toLocaleString('en')} customers, ` +
    `${train.length.toLocaleString('en')} train / ${n.toLocaleString('en')} test (${Math.round(testFraction * 100)}% of each arm, seed ${seed})\n` +
    `Two-model FTRL-Proximal (one per arm): 2^${ftrl.bits} hashed features, alpha ${ftrl.alpha}, lambda1 ${ftrl.lambda1}, ` +
    `lambda2 ${ftrl.lambda2}, ${epochs} epochs\n` +
    `Values per test customer, by inverse propensity weighting with the design propensity 1/3; ` +
    `95% intervals: normal approximation on the per-row terms\n`,
);
console.log(
  table(['target', 'AUC on the test rows (model of the logged arm)', 'fit s (3 models)'], modelRows),
);
console.log();
console.log(
  table(
    ['policy', 'none / mens / womens', 'estimator', 'visit rate', 'conversion rate', 'spend ($)', 'ESS'],
    valueRows,
  ),
);
