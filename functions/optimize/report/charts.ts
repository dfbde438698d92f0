/** The campaign report's charts: the allocation at each re-optimization and the cumulative success rate per send. */
import { lineChart, type Series } from '../../shared/charts';
import { type AllocationSnapshot, CONTROL, type Variant } from '../records';
import { pct, ratio, when } from './format';
import type { Strings } from './strings';
import { armLabel, isControl } from './views';

/** Snapshot times as chart x values (ms) with their tick labels. */
export function timeAxis(snapshots: readonly AllocationSnapshot[]) {
  const points = snapshots.map((snap, i) => {
    const ms = Date.parse(snap.at);
    return { snap, x: Number.isFinite(ms) ? ms : i, label: when(snap.at).replace(' UTC', '').slice(5) };
  });
  return { points, ticks: points.map((p) => ({ value: p.x, label: p.label })) };
}

export function allocationChart(
  s: Strings,
  segmentId: string,
  segmentName: string,
  snapshots: readonly AllocationSnapshot[],
  variants: ReadonlyMap<string, Variant>,
): string {
  const axis = timeAxis(snapshots);
  const ids = [
    ...new Set(snapshots.flatMap((snap) => (snap.segments[segmentId] ?? []).map((a) => a.variantId))),
  ];
  const series: Series[] = ids.map((id) => ({
    label: armLabel(s, variants.get(id), id),
    dashed: variants.get(id) ? isControl(variants.get(id)!) : id === CONTROL,
    points: axis.points.flatMap((p) => {
      const arm = (p.snap.segments[segmentId] ?? []).find((a) => a.variantId === id);
      return arm && Number.isFinite(arm.share) ? [{ x: p.x, y: arm.share }] : [];
    }),
  }));
  return lineChart({
    title: s.allocationTitle(segmentName),
    series,
    xLabel: s.reoptimization,
    yLabel: s.trafficShare,
    xTicks: axis.ticks,
    formatY: (v) => pct(v, 0),
    yMin: 0,
    yMax: 1,
    emptyText: s.noData,
  });
}

export function cumulativeChart(
  s: Strings,
  segmentId: string,
  segmentName: string,
  objective: 'click' | 'conversion',
  snapshots: readonly AllocationSnapshot[],
  variants: ReadonlyMap<string, Variant>,
): string {
  const axis = timeAxis(snapshots);
  const ids = [
    ...new Set(snapshots.flatMap((snap) => (snap.segments[segmentId] ?? []).map((a) => a.variantId))),
  ];
  const controlOf = (id: string) => (variants.get(id) ? isControl(variants.get(id)!) : id === CONTROL);
  const rate = (sends: number, successes: number) => ratio(successes, sends);
  // With the click objective the control (no message, no clicks) has no line: its successes
  // would be clicks it cannot have.
  const shown = objective === 'conversion' ? ids : ids.filter((id) => !controlOf(id));
  const perArm: Series[] = shown.map((id) => ({
    label: armLabel(s, variants.get(id), id),
    color: controlOf(id) ? '#222222' : undefined,
    points: axis.points.flatMap((p) => {
      const arm = (p.snap.segments[segmentId] ?? []).find((a) => a.variantId === id);
      const y = arm ? rate(arm.sends, arm.successes) : Number.NaN;
      return Number.isFinite(y) ? [{ x: p.x, y }] : [];
    }),
  }));
  const pooled: Series = {
    label: s.pooled,
    dashed: true,
    color: '#555555',
    points: axis.points.flatMap((p) => {
      const arms = (p.snap.segments[segmentId] ?? []).filter((a) => !controlOf(a.variantId));
      const y = rate(
        arms.reduce((n, a) => n + a.sends, 0),
        arms.reduce((n, a) => n + a.successes, 0),
      );
      return Number.isFinite(y) ? [{ x: p.x, y }] : [];
    }),
  };
  const conversions = objective === 'conversion';
  return lineChart({
    title: conversions ? s.cumulativeConversionsTitle(segmentName) : s.cumulativeClicksTitle(segmentName),
    series: [...perArm, pooled],
    xLabel: s.reoptimization,
    yLabel: conversions ? s.conversionsPerSendAxis : s.clicksPerSendAxis,
    xTicks: axis.ticks,
    formatY: (v) => pct(v, v > 0 && v < 0.1 ? 1 : 0),
    yMin: 0,
    emptyText: s.noData,
  });
}
