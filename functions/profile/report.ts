import { barChart, heatmap } from '../shared/charts';
import { rfmTierNames } from './features';
import type { RunFigures, RunModel } from './run-record';
import type { Segment } from './segments';
import type { StoredRule } from './store';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** The run report: Markdown that links SVG charts written beside it. */
export function renderRunReport(input: {
  runId: string;
  figures: RunFigures;
  segments: readonly Segment[];
  rules: readonly StoredRule[];
  grid: number[][];
  model: RunModel;
}): { markdown: string; charts: Record<string, string> } {
  const { runId, figures, segments, rules, grid, model } = input;
  const c = figures.cleaning;
  const charts = {
    'segment-sizes.svg': barChart({
      title: 'Users per segment',
      bars: segments.map((s) => ({ label: `${s.segmentId}: ${s.label.en}`, value: s.size })),
    }),
    'segment-value.svg': barChart({
      title: 'Share of net spend per segment',
      bars: segments.map((s) => ({ label: `${s.segmentId}: ${s.label.en}`, value: s.valueShare })),
      format: pct,
    }),
    'rfm-grid.svg': heatmap({
      title: 'Buyers by recency and frequency score',
      rowLabels: ['R5', 'R4', 'R3', 'R2', 'R1'],
      columnLabels: ['F1', 'F2', 'F3', 'F4', 'F5'],
      values: grid,
      rowTitle: 'recency score (5 = most recent)',
      columnTitle: 'frequency score (5 = most orders)',
    }),
    'top-rules.svg': barChart({
      title: 'Top cross-sell rules by lift',
      bars: rules.slice(0, 12).map((r) => ({
        label:
          `${r.antecedent.map((id) => r.titles[id] || id).join(' + ')} → ${r.consequent.map((id) => r.titles[id] || id).join(' + ')}`.slice(
            0,
            70,
          ),
        value: r.lift,
      })),
      format: (v) => v.toFixed(1),
      width: 900,
    }),
  };
  const segmentRows = segments.map(
    (s) =>
      `| ${s.segmentId} | ${s.label.en} / ${s.label.zh} | ${s.size} | ${pct(s.userShare)} | ${pct(s.valueShare)} | ${rfmTierNames[s.tier].en} | ${s.priceBand} | ${s.topCategories.map((t) => `${t.en} ${pct(t.share)}`).join(', ')} |`,
  );
  const ruleRows = rules.map(
    (r) =>
      `| ${r.antecedent.map((id) => `${r.titles[id] || id} (${id})`).join(' + ')} | ${r.consequent.map((id) => `${r.titles[id] || id} (${id})`).join(' + ')} | ${r.support.toFixed(4)} | ${r.confidence.toFixed(3)} | ${r.lift.toFixed(2)} |`,
  );
  const markdown = [
    `# Profiling run ${runId}`,
    '',
    `Snapshot date ${figures.snapshotDate} (RFM recency is measured to it); events from ${model.firstEventAt?.slice(0, 10) ?? '—'}.`,
    `${fmt(figures.users)} users profiled, ${fmt(figures.buyers)} of them buyers; ${figures.segments} segments (k = ${figures.k} by silhouette on a sample of ${model.segmentation.sampleSize} buyers, plus browsers); ${figures.rules} association rules from ${fmt(model.basketsMined)} order baskets.`,
    '',
    '## Cleaning',
    '',
    '| rule | events |',
    '| --- | ---: |',
    `| read | ${fmt(c.eventsIn)} |`,
    `| duplicates dropped (same event id) | ${fmt(c.duplicates)} |`,
    `| impossible values dropped (no positive quantity, negative price) | ${fmt(c.impossibleValues)} |`,
    `| future timestamps dropped | ${fmt(c.futureEvents)} |`,
    `| outliers dropped (over 10,000 units or 50,000 in value per line) | ${fmt(c.outliers)} |`,
    `| returns and cancellations (net spend reduced) | ${fmt(c.returns)} |`,
    `| zero-price lines (kept, no spend) | ${fmt(c.zeroPriceLines)} |`,
    `| non-product lines (postage, fees: no spend, no baskets) | ${fmt(c.nonProductLines)} |`,
    `| guest events (no user: baskets only) | ${fmt(c.guestEvents)} |`,
    `| kept | ${fmt(c.eventsKept)} |`,
    '',
    '## Events and funnel',
    '',
    '| event type | events |',
    '| --- | ---: |',
    ...Object.entries(figures.eventTypes)
      .sort((a, b) => b[1] - a[1])
      .map(([type, n]) => `| ${type} | ${fmt(n)} |`),
    '',
    `View → cart ${figures.funnel.viewToCart ?? '—'}, view → purchase ${figures.funnel.viewToPurchase ?? '—'}, cart → purchase ${figures.funnel.cartToPurchase ?? '—'} (events per event).`,
    '',
    '## Segments',
    '',
    '![Users per segment](segment-sizes.svg)',
    '![Share of net spend](segment-value.svg)',
    '',
    '| id | persona | users | share of users | share of spend | RFM tier | price | top categories |',
    '| --- | --- | ---: | ---: | ---: | --- | --- | --- |',
    ...segmentRows,
    '',
    `Silhouette by k: ${figures.silhouette.map((s) => `k=${s.k}: ${s.silhouette}`).join(', ')}`,
    '',
    '## RFM distribution',
    '',
    '![RFM grid](rfm-grid.svg)',
    '',
    '## Top cross-sell rules',
    '',
    '![Top rules](top-rules.svg)',
    '',
    '| bought | also buy | support | confidence | lift |',
    '| --- | --- | ---: | ---: | ---: |',
    ...ruleRows,
    '',
  ].join('\n');
  return { markdown, charts };
}
