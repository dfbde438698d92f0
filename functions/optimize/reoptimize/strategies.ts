/**
 * Segment strategies: per segment, what has worked best so far across every campaign that
 * reached it: the channel, the send hour, the tone and the products, each with the figures
 * behind the choice.
 *
 * Method: each option's rate (clicks or conversions per send) gets a Beta(1, 1) prior updated
 * with the pooled counts of every message arm that had it; the best option is the one with the
 * highest posterior mean among those with at least `minSends` sends, so one lucky send does not
 * make a strategy. Options below the minimum are listed with their figures but never chosen.
 * The objective is the one most of the segment's sends were optimized for (the campaigns'
 * `objective`), clicks on a tie.
 *
 * Stored in the profiles table beside the segments, as `STRATEGY#<segmentId>` / `STRATEGY` (one
 * get for `GET /segments/{id}`), and in the `STRATEGIES` partition (sort key the segment id) for
 * listing them all with one query.
 */
import type { Item, Table } from '../../shared/ports';
import { posteriorInterval } from '../posterior';
import type { Objective } from '../records';

/** One option's pooled counts and posterior. */
export interface OptionRecord {
  readonly value: string;
  readonly sends: number;
  readonly successes: number;
  /** Posterior mean and central 95% interval of the objective rate (Beta(1, 1) prior). */
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/** The options of one dimension, best first, with the chosen one (null when none has enough evidence). */
export interface Dimension {
  readonly best: string | null;
  readonly options: OptionRecord[];
}

export interface Strategy {
  readonly segmentId: string;
  readonly objective: Objective;
  /** Sends an option needs to be chosen. */
  readonly minSends: number;
  /** Message sends to the segment over all campaigns. */
  readonly sends: number;
  readonly campaigns: number;
  readonly channel: Dimension;
  /** Hours of day (0–23, as the counters record them) as strings. */
  readonly hour: Dimension;
  readonly tone: Dimension;
  /** The best products (up to three), each with enough evidence. */
  readonly products: { readonly best: string[]; readonly options: OptionRecord[] };
  readonly runId: string;
  readonly updatedAt: string;
}

/** One message arm's counts, with what it was: the evidence strategies are built from. */
export interface ArmObservation {
  readonly segmentId: string;
  readonly campaignId: string;
  /** What the arm's campaign optimized for. */
  readonly objective: Objective;
  readonly channel: string;
  readonly tone: string;
  readonly productIds: readonly string[];
  /** Sends (or impressions, whichever is larger). */
  readonly trials: number;
  readonly clicks: number;
  readonly conversions: number;
}

/** A segment's per-hour counters in one campaign (`store.hourCounts`: `sends_<h>`, `clicks_<h>`, ...). */
export interface HourObservation {
  readonly segmentId: string;
  readonly counts: Record<string, number>;
}

export interface StrategyOptions {
  readonly minSends: number;
  readonly runId: string;
  readonly at: string;
}

export const defaultMinSends = 100;

const round = (x: number) => Math.round(x * 1e6) / 1e6;

interface Tally {
  sends: number;
  clicks: number;
  conversions: number;
}

function add(map: Map<string, Tally>, key: string, sends: number, clicks: number, conversions: number) {
  const t = map.get(key) ?? { sends: 0, clicks: 0, conversions: 0 };
  t.sends += sends;
  t.clicks += clicks;
  t.conversions += conversions;
  map.set(key, t);
}

function records(map: Map<string, Tally>, objective: Objective): OptionRecord[] {
  return [...map.entries()]
    .map(([value, t]) => {
      const successes = Math.min(t.sends, objective === 'click' ? t.clicks : t.conversions);
      const interval = posteriorInterval({ alpha: 1 + successes, beta: 1 + t.sends - successes });
      return {
        value,
        sends: t.sends,
        successes,
        mean: round(interval.mean),
        low: round(interval.low),
        high: round(interval.high),
      };
    })
    .sort((a, b) => b.mean - a.mean || b.sends - a.sends || a.value.localeCompare(b.value));
}

function dimension(map: Map<string, Tally>, objective: Objective, minSends: number): Dimension {
  const options = records(map, objective);
  return { best: options.find((o) => o.sends >= minSends)?.value ?? null, options };
}

/** Strategies of every segment that has message arms, from the arms' and hours' counts. */
export function buildStrategies(
  arms: readonly ArmObservation[],
  hours: readonly HourObservation[],
  options: StrategyOptions,
): Strategy[] {
  const segments = [...new Set(arms.map((a) => a.segmentId))].sort();
  return segments.map((segmentId) => {
    const mine = arms.filter((a) => a.segmentId === segmentId);
    const byObjective = { click: 0, conversion: 0 };
    for (const a of mine) byObjective[a.objective] += a.trials;
    const objective: Objective = byObjective.conversion > byObjective.click ? 'conversion' : 'click';

    const channel = new Map<string, Tally>();
    const tone = new Map<string, Tally>();
    const products = new Map<string, Tally>();
    for (const a of mine) {
      add(channel, a.channel, a.trials, a.clicks, a.conversions);
      add(tone, a.tone.trim().toLowerCase(), a.trials, a.clicks, a.conversions);
      for (const id of new Set(a.productIds)) add(products, id, a.trials, a.clicks, a.conversions);
    }
    const hour = new Map<string, Tally>();
    for (const h of hours) {
      if (h.segmentId !== segmentId) continue;
      for (let i = 0; i < 24; i++) {
        const sends = h.counts[`sends_${i}`] ?? 0;
        if (sends > 0)
          add(hour, String(i), sends, h.counts[`clicks_${i}`] ?? 0, h.counts[`conversions_${i}`] ?? 0);
      }
    }
    const productRecords = records(products, objective);
    return {
      segmentId,
      objective,
      minSends: options.minSends,
      sends: mine.reduce((s, a) => s + a.trials, 0),
      campaigns: new Set(mine.map((a) => a.campaignId)).size,
      channel: dimension(channel, objective, options.minSends),
      hour: dimension(hour, objective, options.minSends),
      tone: dimension(tone, objective, options.minSends),
      products: {
        best: productRecords
          .filter((o) => o.sends >= options.minSends)
          .slice(0, 3)
          .map((o) => o.value),
        options: productRecords,
      },
      runId: options.runId,
      updatedAt: options.at,
    };
  });
}

const strategyKey = (segmentId: string) => ({ pk: `STRATEGY#${segmentId}`, sk: 'STRATEGY' });
const INDEX = 'STRATEGIES';
const strip = ({ pk: _pk, sk: _sk, ...rest }: Item) => rest as unknown as Strategy;

/** Write strategies: the per-segment item and its copy in the listing partition. */
export async function putStrategies(table: Table, strategies: readonly Strategy[]): Promise<void> {
  if (strategies.length === 0) return;
  await table.batchPut(
    strategies.flatMap((s) => [
      { ...strategyKey(s.segmentId), ...s },
      { pk: INDEX, sk: s.segmentId, ...s },
    ]),
  );
}

/** A segment's strategy, or undefined when no re-optimization has found one yet. */
export async function getStrategy(table: Table, segmentId: string): Promise<Strategy | undefined> {
  const item = await table.get(strategyKey(segmentId));
  return item ? strip(item) : undefined;
}

/** Every segment's strategy, by segment id. */
export async function listStrategies(table: Table): Promise<Strategy[]> {
  return (await table.query('pk', INDEX)).map(strip);
}
