/**
 * Cumulative regret of Thompson sampling against a fixed uniform split and the oracle, in a
 * simulator with known true click rates per segment × variant.
 *
 *   npx tsx bench/optimize-regret.ts [--decisions 100000] [--seeds 10] [--control-share 0.1]
 *                                    [--prior-strength 20]
 *
 * Each decision draws a user's segment uniformly from 4, a policy picks one of 4 variants,
 * and a click is drawn with the true rate (1–8%). Regret is expected regret: the sum over
 * decisions of (best rate in the segment − rate of the variant shown), so it measures the
 * policy, not the click noise; the oracle's is 0 by definition. Thompson keeps one Beta
 * posterior per segment × variant. Policies:
 *
 * - uniform: every variant a quarter of the traffic, for ever;
 * - thompson, flat prior: Beta(1, 1) everywhere;
 * - thompson, predicted prior: Beta(p·s, (1 − p)·s) with p the true rate times a log-normal
 *   prediction error (σ = 0.3, about ±30%) and s = --prior-strength;
 * - thompson + control floor: the flat policy with variant 0 kept at --control-share.
 *
 * Figures are means over seeds (± the standard deviation across seeds at the last checkpoint).
 */
import { parseArgs } from 'node:util';
import { table } from '../cli/output';
import { hash32 } from '../core/hash';
import { mulberry32 } from '../core/random';
import { normal } from '../functions/optimize/kernels/sampling';
import {
  type Arm,
  choose,
  priorArm,
  type ThompsonOptions,
  update,
} from '../functions/optimize/kernels/thompson';
import { progress, ratio, timed } from './lib/timing';

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '100000' },
    seeds: { type: 'string', default: '10' },
    'control-share': { type: 'string', default: '0.1' },
    'prior-strength': { type: 'string', default: '20' },
  },
});
const decisions = Number(values.decisions);
const seeds = Number(values.seeds);
const controlShare = Number(values['control-share']);
const priorStrength = Number(values['prior-strength']);

/** True click rates, segment × variant; the best variant differs by segment, some gaps are small. */
const RATES = [
  [0.01, 0.03, 0.05, 0.08],
  [0.08, 0.06, 0.02, 0.04],
  [0.04, 0.05, 0.06, 0.03],
  [0.02, 0.07, 0.01, 0.065],
];
const SEGMENTS = RATES.length;
const VARIANTS = RATES[0]!.length;
const BEST = RATES.map((row) => Math.max(...row));
const CHECKPOINTS = [1_000, 10_000, 100_000].filter((c) => c <= decisions);

/** A policy for one run: picks a variant for a segment and learns from the click. */
interface Policy {
  pick(segment: number): number;
  learn(segment: number, variant: number, click: number): void;
}

type PolicyFactory = (seed: number) => Policy;

function uniformPolicy(seed: number): Policy {
  const random = mulberry32(hash32('uniform', seed));
  return { pick: () => Math.floor(random() * VARIANTS), learn: () => {} };
}

function thompsonPolicy(priors: (seed: number) => Arm[][], options: ThompsonOptions = {}): PolicyFactory {
  return (seed) => {
    const random = mulberry32(hash32('thompson', seed));
    const arms = priors(seed);
    return {
      pick: (segment) => choose(arms[segment]!, random, options),
      learn: (segment, variant, click) => {
        const row = arms[segment]!;
        row[variant] = update(row[variant]!, click, 1 - click);
      },
    };
  };
}

const flatPriors = () => RATES.map((row) => row.map((_, v) => ({ id: `v${v}`, alpha: 1, beta: 1 })));

/** Priors from a predictor that is right up to a log-normal factor (σ = 0.3). */
const predictedPriors = (seed: number) => {
  const random = mulberry32(hash32('prediction', seed));
  return RATES.map((row) =>
    row.map((rate, v) =>
      priorArm(`v${v}`, Math.min(0.5, rate * Math.exp(0.3 * normal(random))), priorStrength),
    ),
  );
};

const POLICIES: Array<[string, PolicyFactory]> = [
  ['uniform split', uniformPolicy],
  ['thompson, flat prior', thompsonPolicy(flatPriors)],
  [`thompson, predicted prior (s = ${priorStrength})`, thompsonPolicy(predictedPriors)],
  [
    `thompson + control floor ${controlShare}`,
    thompsonPolicy(flatPriors, { control: { id: 'v0', share: controlShare } }),
  ],
];

interface RunResult {
  /** Cumulative expected regret at each checkpoint. */
  regret: number[];
  /** Share of decisions that showed the segment's best variant. */
  bestShare: number;
}

function simulate(factory: PolicyFactory, seed: number): RunResult {
  const policy = factory(seed);
  // Users and clicks come from their own streams, the same for every policy with this seed.
  const users = mulberry32(hash32('users', seed));
  const clicks = mulberry32(hash32('clicks', seed));
  const regret: number[] = [];
  let cumulative = 0;
  let best = 0;
  for (let t = 1; t <= decisions; t++) {
    const segment = Math.floor(users() * SEGMENTS);
    const variant = policy.pick(segment);
    const rate = RATES[segment]![variant]!;
    const click = clicks() < rate ? 1 : 0;
    policy.learn(segment, variant, click);
    cumulative += BEST[segment]! - rate;
    if (rate === BEST[segment]) best += 1;
    if (CHECKPOINTS.includes(t)) regret.push(cumulative);
  }
  return { regret, bestShare: best / decisions };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
};

const log = progress();
const summaries: Array<{
  name: string;
  regret: number[];
  lastSd: number;
  bestShare: number;
  seconds: number;
}> = [];
for (const [name, factory] of POLICIES) {
  const { value: runs, seconds } = timed(() =>
    Array.from({ length: seeds }, (_, s) => simulate(factory, s + 1)),
  );
  log(`${name}: ${seeds} × ${decisions} decisions in ${seconds.toFixed(1)} s`);
  summaries.push({
    name,
    regret: CHECKPOINTS.map((_, c) => mean(runs.map((r) => r.regret[c]!))),
    lastSd: sd(runs.map((r) => r.regret[CHECKPOINTS.length - 1]!)),
    bestShare: mean(runs.map((r) => r.bestShare)),
    seconds,
  });
}

const uniform = summaries[0]!;
const last = CHECKPOINTS.length - 1;
console.log(
  `\n${SEGMENTS} segments × ${VARIANTS} variants, true rates 1–8%, ${decisions} decisions, mean of ${seeds} seeds.` +
    '\nRegret = expected clicks lost against the oracle (which shows each segment its best variant; regret 0).\n',
);
console.log(
  table(
    [
      'policy',
      ...CHECKPOINTS.map((c) => `regret @ ${c.toLocaleString('en')}`),
      `± sd @ ${CHECKPOINTS[last]!.toLocaleString('en')}`,
      'share to best',
      'uniform ÷ policy',
    ],
    [
      ['oracle', ...CHECKPOINTS.map(() => '0.0'), '0.0', '100.0%', '–'],
      ...summaries.map((s) => [
        s.name,
        ...s.regret.map((r) => r.toFixed(1)),
        s.lastSd.toFixed(1),
        `${(100 * s.bestShare).toFixed(1)}%`,
        ratio(uniform.regret[last], s.regret[last], 1),
      ]),
    ],
  ),
);
