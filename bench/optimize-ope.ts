/**
 * Off-policy evaluation on real logged bandit data: the Open Bandit Dataset's small sample
 * (ZOZOTOWN fashion recommendations, Men's and Women's campaigns, 10,000 impressions each
 * under a uniform-random policy and under Bernoulli Thompson sampling, with the logging
 * propensities; see shared/data/open-bandit-dataset/README.md).
 *
 *   npx tsx bench/optimize-ope.ts [--seed 1] [--epsilon 0.1] [--epochs 3] [--alpha 0.05]
 *                                 [--lambda1 0] [--lambda2 1]
 *
 * An action is an item; the slot (position 1–3) is part of the context, as in the logged
 * propensities (the probability of that item in that slot).
 *
 * (a) Validation of the estimators, per campaign:
 *   - BTS evaluated on the random logs. The data has BTS's propensity only for the item BTS
 *     showed, and it drifts over the week (BTS's posterior was resampled), so BTS's action
 *     distribution on a random-log impression is not known. It is estimated from BTS's own
 *     logs: π(item | position) = the share of BTS impressions in that slot that showed the
 *     item. The estimates are compared with the BTS logs' on-policy CTR.
 *   - The reverse: the uniform policy (1/K per item) evaluated on the BTS logs, whose
 *     propensities are logged per row, against the random logs' on-policy CTR.
 *   DR's reward model on the random logs is cross-fitted (each half is scored by the model
 *   fitted on the other half); on the BTS logs it is the model fitted on half A.
 *
 * (b) A learned policy: the random logs are split in two halves (shuffled with
 * mulberry32(seed)). FTRL-Proximal logistic regression (Tailor's click model) is fitted on
 * half A as a reward model q̂(x, item) with hashed features: the four user features, the
 * position, the item id, the item's features, the user's affinity to the item, and crosses of
 * the item with the position and with each user feature. The policy scores every item for
 * the impression's slot and shows the best (greedy) or does so with probability 1 − ε and a
 * uniform item otherwise (ε-greedy). It is evaluated on half B with IPW, SNIPW and DR (q̂
 * from half A), against the logged policies' own CTRs; the same with the halves swapped.
 *
 * Intervals are 95%, normal approximation on the per-row terms (functions/optimize/kernels/ope.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { table } from '../cli/output';
import { mulberry32 } from '../core/random';
import {
  doublyRobust,
  ipw,
  type LoggedFeedback,
  onPolicyValue,
  type PolicyEstimate,
  type RewardPredictions,
  snipw,
  type TargetPolicy,
} from '../functions/optimize/kernels/ope';
import { auc } from '../functions/predict/kernels/calibration';
import { FtrlLogisticRegression } from '../functions/predict/kernels/ftrl';
import { RowBuilder, type SparseRow } from '../functions/predict/kernels/hashing';
import { progress, timed } from './lib/timing';

const DATA = join(import.meta.dirname, '..', '..', 'shared', 'data', 'open-bandit-dataset');
const CAMPAIGNS = ['men', 'women'] as const;
type Campaign = (typeof CAMPAIGNS)[number];

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    epsilon: { type: 'string', default: '0.1' },
    epochs: { type: 'string', default: '3' },
    alpha: { type: 'string', default: '0.05' },
    lambda1: { type: 'string', default: '0' },
    lambda2: { type: 'string', default: '1' },
  },
});
const seed = Number(values.seed);
const epsilon = Number(values.epsilon);
const epochs = Number(values.epochs);
const ftrl = {
  bits: 18,
  alpha: Number(values.alpha),
  beta: 1,
  lambda1: Number(values.lambda1),
  lambda2: Number(values.lambda2),
};
const log = progress();

interface Impression {
  item: number;
  position: number;
  click: number;
  propensity: number;
  user: string[];
  affinity: Float64Array;
}
interface Item {
  numeric: number;
  categories: string[];
}

function readCsv(path: string): Array<Record<string, string>> {
  return parse(readFileSync(path, 'utf8'), { columns: true }) as Array<Record<string, string>>;
}

function readLogs(policy: 'random' | 'bts', campaign: Campaign, itemCount: number): Impression[] {
  return readCsv(join(DATA, policy, campaign, `${campaign}.csv`)).map((r) => ({
    item: Number(r['item_id']),
    position: Number(r['position']),
    click: Number(r['click']),
    propensity: Number(r['propensity_score']),
    user: [0, 1, 2, 3].map((k) => r[`user_feature_${k}`]!),
    affinity: Float64Array.from({ length: itemCount }, (_, a) => Number(r[`user-item_affinity_${a}`])),
  }));
}

function readItems(campaign: Campaign): Item[] {
  return readCsv(join(DATA, 'random', campaign, 'item_context.csv'))
    .sort((a, b) => Number(a['item_id']) - Number(b['item_id']))
    .map((r) => ({
      numeric: Number(r['item_feature_0']),
      categories: [1, 2, 3].map((k) => r[`item_feature_${k}`]!),
    }));
}

const builder = new RowBuilder(ftrl.bits);
/** The features of showing `item` on impression `x` (its user and slot). */
function featurize(x: Impression, item: number, items: Item[]): SparseRow {
  const itemName = `item=${item}`;
  const slot = `position=${x.position}`;
  builder.numeric(itemName, 1).numeric(slot, 1).cross(itemName, slot);
  for (let k = 0; k < x.user.length; k++) {
    const user = `u${k}=${x.user[k]}`;
    builder.numeric(user, 1).cross(itemName, user);
  }
  const it = items[item]!;
  builder.numeric('item_feature_0', it.numeric);
  for (let k = 0; k < it.categories.length; k++) {
    const category = `i${k + 1}=${it.categories[k]}`;
    builder.numeric(category, 1).cross(category, slot);
  }
  builder.numeric('affinity', Math.log1p(x.affinity[item]!));
  return builder.build();
}

function logged(rows: Impression[]): LoggedFeedback {
  return {
    actions: Int32Array.from(rows, (r) => r.item),
    rewards: Float64Array.from(rows, (r) => r.click),
    propensities: Float64Array.from(rows, (r) => r.propensity),
  };
}

function fitRewardModel(rows: Impression[], items: Item[]): FtrlLogisticRegression {
  const model = new FtrlLogisticRegression(ftrl);
  model.fit(
    rows.map((r) => featurize(r, r.item, items)),
    Float64Array.from(rows, (r) => r.click),
    { epochs, seed },
  );
  return model;
}

/** q̂(x, item) for every row and item, row-major. */
function predictAll(model: FtrlLogisticRegression, rows: Impression[], items: Item[]): RewardPredictions {
  const k = items.length;
  const predictions = new Float64Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) {
    for (let a = 0; a < k; a++) predictions[i * k + a] = model.predict(featurize(rows[i]!, a, items));
  }
  return { predictions, actionCount: k };
}

/** Greedy choice per row, and the ε-greedy probabilities around it. */
function policiesFrom(q: RewardPredictions, n: number): { greedy: TargetPolicy; soft: TargetPolicy } {
  const k = q.actionCount;
  const chosen = new Int32Array(n);
  const probabilities = new Float64Array(n * k).fill(epsilon / k);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let a = 1; a < k; a++) if (q.predictions[i * k + a]! > q.predictions[i * k + best]!) best = a;
    chosen[i] = best;
    probabilities[i * k + best] = 1 - epsilon + epsilon / k;
  }
  return { greedy: { chosen }, soft: { probabilities, actionCount: k } };
}

/** BTS's average action distribution per slot, from its own logs: π(item | position). */
function slotShares(bts: Impression[], k: number): Map<number, Float64Array> {
  const shares = new Map<number, Float64Array>();
  for (const r of bts) {
    const row = shares.get(r.position) ?? new Float64Array(k);
    row[r.item]! += 1;
    shares.set(r.position, row);
  }
  for (const row of shares.values()) {
    const total = row.reduce((s, c) => s + c, 0);
    for (let a = 0; a < k; a++) row[a] = row[a]! / total;
  }
  return shares;
}

function slotPolicy(rows: Impression[], shares: Map<number, Float64Array>, k: number): TargetPolicy {
  const probabilities = new Float64Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) probabilities.set(shares.get(rows[i]!.position)!, i * k);
  return { probabilities, actionCount: k };
}

/** Rows i of `all` concatenated from two halves' predictions, in the halves' order. */
function concat(a: RewardPredictions, b: RewardPredictions): RewardPredictions {
  const predictions = new Float64Array(a.predictions.length + b.predictions.length);
  predictions.set(a.predictions as Float64Array);
  predictions.set(b.predictions as Float64Array, a.predictions.length);
  return { predictions, actionCount: a.actionCount };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(3)}%` : '–');
type Cell = string | number;
function row(
  campaign: string,
  policy: string,
  data: string,
  e: PolicyEstimate,
  reference?: PolicyEstimate,
): Cell[] {
  return [
    campaign,
    policy,
    data,
    e.estimator.toUpperCase(),
    pct(e.value),
    `[${pct(e.lower)}, ${pct(e.upper)}]`,
    e.effectiveSampleSize.toFixed(0),
    e.maxWeight.toFixed(1),
    reference ? (e.lower <= reference.value && reference.value <= e.upper ? 'yes' : 'no') : '',
  ];
}

const validationRows: Cell[][] = [];
const policyRows: Cell[][] = [];
const modelRows: Cell[][] = [];
const head = [
  'campaign',
  'policy',
  'evaluated on',
  'estimator',
  'CTR',
  '95% CI',
  'ESS',
  'max w',
  'covers logged CTR',
];

for (const campaign of CAMPAIGNS) {
  log(`${campaign}: reading logs`);
  const items = readItems(campaign);
  const k = items.length;
  const random = readLogs('random', campaign, k);
  const bts = readLogs('bts', campaign, k);

  const order = random.map((_, i) => i);
  const shuffle = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const half = Math.floor(order.length / 2);
  const A = order.slice(0, half).map((i) => random[i]!);
  const B = order.slice(half).map((i) => random[i]!);

  log(`${campaign}: fitting FTRL on each half (${A.length} rows, ${epochs} epochs)`);
  const fitA = timed(() => fitRewardModel(A, items));
  const fitB = timed(() => fitRewardModel(B, items));
  const modelA = fitA.value;
  const modelB = fitB.value;
  log(`${campaign}: scoring every item for every impression`);
  const qA_onB = predictAll(modelA, B, items);
  const qB_onA = predictAll(modelB, A, items);
  const qA_onBts = predictAll(modelA, bts, items);
  const loggedAuc = (q: RewardPredictions, rows: Impression[]) =>
    auc(
      rows.map((r, i) => q.predictions[i * k + r.item]!),
      rows.map((r) => r.click),
    );
  modelRows.push(
    [
      campaign,
      'A → B',
      A.length,
      A.reduce((s, r) => s + r.click, 0),
      B.reduce((s, r) => s + r.click, 0),
      loggedAuc(qA_onB, B).toFixed(3),
      fitA.seconds.toFixed(2),
    ],
    [
      campaign,
      'B → A',
      B.length,
      B.reduce((s, r) => s + r.click, 0),
      A.reduce((s, r) => s + r.click, 0),
      loggedAuc(qB_onA, A).toFixed(3),
      fitB.seconds.toFixed(2),
    ],
  );

  const randomCtr = onPolicyValue(Float64Array.from(random, (r) => r.click));
  const btsCtr = onPolicyValue(Float64Array.from(bts, (r) => r.click));

  // (a) BTS on the random logs (rows in order A then B, so the cross-fitted q̂ lines up).
  const AB = [...A, ...B];
  const shares = slotShares(bts, k);
  const btsOnRandom = slotPolicy(AB, shares, k);
  const crossFitted = concat(qB_onA, qA_onB);
  const randomLogged = logged(AB);
  validationRows.push(
    row(campaign, 'BTS (logged)', 'BTS logs', btsCtr),
    row(campaign, 'BTS, π(item | slot) from its logs', 'random logs', ipw(randomLogged, btsOnRandom), btsCtr),
    row(
      campaign,
      'BTS, π(item | slot) from its logs',
      'random logs',
      snipw(randomLogged, btsOnRandom),
      btsCtr,
    ),
    row(
      campaign,
      'BTS, π(item | slot) from its logs',
      'random logs',
      doublyRobust(randomLogged, btsOnRandom, crossFitted),
      btsCtr,
    ),
  );
  // The reverse: uniform on the BTS logs, whose propensities are exact per row.
  const uniform: TargetPolicy = {
    probabilities: new Float64Array(bts.length * k).fill(1 / k),
    actionCount: k,
  };
  const btsLogged = logged(bts);
  validationRows.push(
    row(campaign, 'uniform random (logged)', 'random logs', randomCtr),
    row(campaign, 'uniform random', 'BTS logs', ipw(btsLogged, uniform), randomCtr),
    row(campaign, 'uniform random', 'BTS logs', snipw(btsLogged, uniform), randomCtr),
    row(campaign, 'uniform random', 'BTS logs', doublyRobust(btsLogged, uniform, qA_onBts), randomCtr),
  );

  // (b) The learned policies, on the half their model did not see.
  for (const [name, q, rows] of [
    ['A → B', qA_onB, B],
    ['B → A', qB_onA, A],
  ] as const) {
    const { greedy, soft } = policiesFrom(q, rows.length);
    const data = logged(rows);
    const evaluatedOn = `random half ${name.slice(-1)}`;
    policyRows.push(row(campaign, 'uniform random (logged)', evaluatedOn, onPolicyValue(data.rewards)));
    const btsHere = slotPolicy(rows, shares, k);
    policyRows.push(row(campaign, 'BTS π(item | slot)', evaluatedOn, snipw(data, btsHere)));
    for (const [label, policy] of [
      [`FTRL greedy (${name})`, greedy],
      [`FTRL ε=${epsilon} (${name})`, soft],
    ] as const) {
      policyRows.push(
        row(campaign, label, evaluatedOn, ipw(data, policy)),
        row(campaign, label, evaluatedOn, snipw(data, policy)),
        row(campaign, label, evaluatedOn, doublyRobust(data, policy, q)),
      );
    }
  }
  policyRows.push(row(campaign, 'BTS (logged)', 'BTS logs', btsCtr));
}

console.log(
  `\nOpen Bandit Dataset (small sample), campaigns ${CAMPAIGNS.join(', ')}; 95% intervals: normal approximation ` +
    `on the per-row terms; ESS: Kish's effective sample size of the weights\n` +
    `FTRL-Proximal: 2^${ftrl.bits} hashed features, alpha ${ftrl.alpha}, lambda1 ${ftrl.lambda1}, ` +
    `lambda2 ${ftrl.lambda2}, ${epochs} epochs; random logs split in halves with seed ${seed}\n`,
);
console.log('Reward models (FTRL on one half of the random logs, scored on the other half)\n');
console.log(
  table(
    ['campaign', 'fit → scored', 'fit rows', 'fit clicks', 'scored clicks', 'AUC (logged item)', 'fit s'],
    modelRows,
  ),
);
console.log(
  '\n(a) Validation: each logged policy estimated from the other policy’s logs, against its own logged CTR\n',
);
console.log(table(head, validationRows));
console.log('\n(b) Policies learned on one half of the random logs, evaluated on the other half\n');
console.log(
  table(
    head.slice(0, -1),
    policyRows.map((r) => r.slice(0, -1)),
  ),
);
