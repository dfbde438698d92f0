/** What the campaign report reads from the stored state: verdicts as views, arms, totals and their labels. */

import { type CampaignState, CONTROL, type Counter, emptyCounter, type Variant } from '../records';
import { finite, record, signed, text } from './format';
import type { Strings } from './strings';

export interface ComparisonView {
  readonly method?: string;
  readonly reference?: string;
  readonly winner: string | null;
  readonly arms: ReadonlyArray<{
    variantId: string;
    trials?: number;
    successes?: number;
    mean?: number;
    probabilityBest?: number;
    probabilityBeatsReference?: number | null;
    expectedLoss?: number;
    status?: string;
  }>;
}

/** A segment's verdict at the latest re-optimization. */
export interface VerdictView {
  readonly at?: string;
  readonly runId?: string;
  readonly objective?: string;
  /** The message variants against each other on the objective. */
  readonly messages?: ComparisonView;
  /** The message variants against the no-send control. */
  readonly control?: ComparisonView;
}

/**
 * A comparison read tolerantly: `{ method, reference, winner, arms: [{ variantId, … }] }` as the
 * re-optimization step stores it, or the A/B kernel's verdict (`variants: [{ id, … }]`).
 */
export function comparisonOf(raw: unknown): ComparisonView | undefined {
  const c = record(raw);
  if (!c) return undefined;
  const list = Array.isArray(c['arms']) ? c['arms'] : Array.isArray(c['variants']) ? c['variants'] : [];
  const beats = (r: Record<string, unknown>) => {
    const v =
      r['probabilityBeatsReference'] !== undefined
        ? r['probabilityBeatsReference']
        : r['probabilityBeatsControl'];
    return v === null ? null : finite(v);
  };
  return {
    method: text(c['method']),
    reference: text(c['reference']),
    winner: text(c['winner']) ?? null,
    arms: list.flatMap((raw) => {
      const r = record(raw);
      const variantId = r ? (text(r['variantId']) ?? text(r['id'])) : undefined;
      if (!r || variantId === undefined) return [];
      return [
        {
          variantId,
          trials: finite(r['trials']),
          successes: finite(r['successes']),
          mean: finite(r['mean']) ?? finite(r['posteriorMean']),
          probabilityBest: finite(r['probabilityBest']),
          probabilityBeatsReference: beats(r),
          expectedLoss: finite(r['expectedLoss']),
          status: text(r['status']),
        },
      ];
    }),
  };
}

/**
 * The segment's verdict from the campaign item's `verdicts` (`{ runId, at, segments: { [id]:
 * { objective, messages, control, stopped } } }`, written by the re-optimization step), read
 * tolerantly: a record keyed directly by segment id, or a bare comparison per segment, also
 * reads. Undefined when absent or unreadable.
 */
export function verdictOf(campaign: object, segmentId: string): VerdictView | undefined {
  const all = record((campaign as { verdicts?: unknown }).verdicts);
  if (!all) return undefined;
  const segments = record(all['segments']) ?? all;
  const segment = record(segments[segmentId]);
  if (!segment) return undefined;
  const at = text(all['at']) ?? text(segment['at']);
  const runId = text(all['runId']);
  if (!('messages' in segment) && !('control' in segment)) {
    const single = comparisonOf(segment);
    return single && single.arms.length > 0 ? { at, runId, messages: single } : undefined;
  }
  return {
    at,
    runId,
    objective: text(segment['objective']),
    messages: comparisonOf(segment['messages']),
    control: comparisonOf(segment['control']),
  };
}

/** The segments in the campaign's order, then any others its variants name, sorted. */
export function segmentOrder(state: CampaignState): string[] {
  const listed = (state.campaign.segments ?? []).map((s) => s.segmentId);
  const seen = new Set(listed);
  const others = [...new Set(state.variants.map((v) => v.segmentId))].filter((id) => !seen.has(id)).sort();
  return [...listed.filter((id, i) => listed.indexOf(id) === i), ...others];
}

/** The arms of a segment: the control first, then the others in the state's order. */
export function armsOf(
  state: CampaignState,
  segmentId: string,
): Array<{ variant: Variant; counter: Counter }> {
  const counters = new Map(state.counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
  return state.variants
    .filter((v) => v.segmentId === segmentId)
    .map((variant) => ({
      variant,
      counter:
        counters.get(`${segmentId}#${variant.variantId}`) ?? emptyCounter(segmentId, variant.variantId),
    }))
    .sort((a, b) => Number(b.variant.kind === 'control') - Number(a.variant.kind === 'control'));
}

export const isControl = (variant: Pick<Variant, 'kind' | 'variantId'>) =>
  variant.kind === 'control' || variant.variantId === CONTROL;

export interface Totals {
  sends: number;
  impressions: number;
  trials: number;
  clicks: number;
  conversions: number;
  value: number;
}

export function totals(counters: readonly Counter[]): Totals {
  const t: Totals = { sends: 0, impressions: 0, trials: 0, clicks: 0, conversions: 0, value: 0 };
  for (const c of counters) {
    t.sends += c.sends;
    t.impressions += c.impressions;
    t.trials += Math.max(c.sends, c.impressions);
    t.clicks += c.clicks;
    t.conversions += c.conversions;
    t.value += c.value;
  }
  return t;
}

/** The lift sentence for conversions per send, messages against the control. */
export function liftLine(s: Strings, messages: Totals, control: Totals): string {
  if (messages.trials === 0 || control.trials === 0) return s.noLift;
  const m = messages.conversions / messages.trials;
  const c = control.conversions / control.trials;
  const pp = signed((m - c) * 100, 2);
  return c > 0 ? s.lift(pp, `${signed(((m - c) / c) * 100, 1)}%`) : s.liftNoRelative(pp);
}

/** Legend and table name of an arm: its id, with the headline for message arms. */
export function armLabel(s: Strings, variant: Variant | undefined, variantId: string): string {
  if (!variant) return variantId;
  if (isControl(variant)) return `${variantId} ${s.noMessage}`;
  return variant.headline ? `${variantId}: ${variant.headline}` : variantId;
}
