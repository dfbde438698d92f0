import type { Segment } from '../types';
import { Chart, type ChartOption, Section, Show, useApp, useLoad } from '../ui';

export const labelOf = (segment: Pick<Segment, 'label' | 'segmentId'>, lang: 'en' | 'zh') =>
  segment.label?.[lang] || segment.segmentId;

/** Persona cards and charts over the latest run's segments. */
export default function SegmentsPage() {
  const { api, t } = useApp();
  const loaded = useLoad(() => api.segments(), [api]);
  return (
    <div class="page">
      <h1>{t.segments.title}</h1>
      <Show loaded={loaded} isEmpty={(d) => d.segments.length === 0} empty={t.segments.none}>
        {(d) => <SegmentsView segments={d.segments} />}
      </Show>
    </div>
  );
}

function SegmentsView({ segments }: { segments: Segment[] }) {
  const { t, lang, fmt } = useApp();
  const sorted = [...segments].sort((a, b) => b.size - a.size);
  const names = sorted.map((s) => labelOf(s, lang));
  const sizes: ChartOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 180, overflow: 'truncate' } },
    series: [
      {
        name: t.segments.size,
        type: 'bar',
        data: sorted.map((s) => s.size),
        label: { show: true, position: 'right' },
      },
    ],
  };
  const rfm: ChartOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: names, axisLabel: { interval: 0, width: 110, overflow: 'truncate' } },
    yAxis: { type: 'value', min: 0, max: 5 },
    series: (['r', 'f', 'm'] as const).map((k) => ({
      name: t.segments[k],
      type: 'bar',
      data: sorted.map((s) => s.rfm[k]),
    })),
  };
  const categories = [...new Set(sorted.flatMap((s) => s.topCategories.map((c) => c.category)))];
  const categoryName = (id: string) => {
    const found = sorted.flatMap((s) => s.topCategories).find((c) => c.category === id);
    return found ? found[lang] || id : id;
  };
  const topCategories: ChartOption = {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => fmt.pct(v) },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'value', max: 1, axisLabel: { formatter: (v: number) => fmt.pct(v) } },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 180, overflow: 'truncate' } },
    series: categories.map((c) => ({
      name: categoryName(c),
      type: 'bar',
      stack: 'share',
      data: sorted.map((s) => s.topCategories.find((x) => x.category === c)?.share ?? 0),
    })),
  };
  return (
    <>
      <ul class="cards" data-testid="persona-cards">
        {sorted.map((s) => (
          <li key={s.segmentId} class="persona">
            <h2>
              <a href={`#/segments/${encodeURIComponent(s.segmentId)}`}>{labelOf(s, lang)}</a>
            </h2>
            <dl>
              <div>
                <dt>{t.segments.size}</dt>
                <dd>{fmt.int(s.size)}</dd>
              </div>
              <div>
                <dt>{t.segments.userShare}</dt>
                <dd>{fmt.pct(s.userShare)}</dd>
              </div>
              <div>
                <dt>{t.segments.valueShare}</dt>
                <dd>{fmt.pct(s.valueShare)}</dd>
              </div>
              <div>
                <dt>{t.segments.tier}</dt>
                <dd>{t.tiers[s.tier] ?? s.tier}</dd>
              </div>
            </dl>
            <ul class="traits" aria-label={t.segments.traits}>
              {(s.traits?.[lang] ?? []).map((trait) => (
                <li key={trait}>{trait}</li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
      <div class="grid2">
        <Section title={t.segments.sizesChart}>
          <Chart
            title={t.segments.sizesChart}
            option={sizes}
            height={Math.max(200, 40 * sorted.length + 40)}
          />
        </Section>
        <Section title={t.segments.rfmChart}>
          <Chart title={t.segments.rfmChart} option={rfm} />
        </Section>
      </div>
      <Section title={t.segments.categoriesChart}>
        <Chart
          title={t.segments.categoriesChart}
          option={topCategories}
          height={Math.max(220, 40 * sorted.length + 60)}
        />
      </Section>
    </>
  );
}
