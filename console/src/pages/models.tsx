import type { ModelVersion } from '../types';
import { Chart, type ChartOption, Section, Show, useApp, useLoad } from '../ui';

/** Reliability bins, when a version's record carries them (predicted mean vs observed rate). */
function reliabilityOf(
  version: ModelVersion,
): Array<{ predicted: number; observed: number; count?: number }> | undefined {
  const bins =
    (version as unknown as { reliability?: unknown }).reliability ??
    (version.metrics as Record<string, unknown>)['reliability'];
  if (!Array.isArray(bins)) return undefined;
  return bins.filter(
    (b): b is { predicted: number; observed: number; count?: number } =>
      typeof b === 'object' && b !== null && typeof (b as { predicted?: unknown }).predicted === 'number',
  );
}

/** Model versions, their data windows and held-out metrics, calibration, and which one serves. */
export default function ModelsPage() {
  const { api, t } = useApp();
  const loaded = useLoad(() => api.models(), [api]);
  return (
    <div class="page">
      <h1>{t.models.title}</h1>
      <Show loaded={loaded}>
        {(d) => (
          <>
            {d.models.map((m) => (
              <ModelSection key={m.model} model={m.model} serving={m.current} versions={m.versions} />
            ))}
          </>
        )}
      </Show>
    </div>
  );
}

function ModelSection({
  model,
  serving,
  versions,
}: {
  model: string;
  serving: string | null;
  versions: ModelVersion[];
}) {
  const { t, fmt } = useApp();
  const title = `${t.models.model}: ${t.models.names[model] ?? model}`;
  const metricNames = [
    ...new Set(
      versions.flatMap((v) =>
        Object.keys(v.metrics).filter((k) => typeof v.metrics[k] === 'number' && k !== 'holdout'),
      ),
    ),
  ];
  const ordered = [...versions].reverse();
  const metrics: ChartOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: ordered.map((v) => v.version) },
    yAxis: { type: 'value' },
    series: metricNames.map((name) => ({
      name,
      type: 'line',
      data: ordered.map((v) => v.metrics[name] ?? null),
    })),
  };
  const current = versions.find((v) => v.version === serving) ?? versions[0];
  const bins = current ? reliabilityOf(current) : undefined;
  const calibration: ChartOption | undefined = bins?.length
    ? {
        tooltip: { trigger: 'item' },
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: 'value', min: 0, max: 1, name: 'predicted' },
        yAxis: { type: 'value', min: 0, max: 1, name: 'observed' },
        series: [
          {
            type: 'line',
            data: [
              [0, 0],
              [1, 1],
            ],
            lineStyle: { type: 'dashed' },
            symbol: 'none',
            name: 'ideal',
          },
          { type: 'line', data: bins.map((b) => [b.predicted, b.observed]), name: current?.version },
        ],
      }
    : undefined;
  return (
    <Section title={title}>
      <p>
        <span class="hint">{t.models.serving}: </span>
        <strong data-testid={`serving-${model}`}>{serving ?? t.models.servingNone}</strong>
      </p>
      {versions.length === 0 ? (
        <p class="empty">{t.models.none}</p>
      ) : (
        <>
          <div class="table-wrap">
            <table>
              <caption class="sr-only">{title}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.models.version}</th>
                  <th scope="col">{t.models.serving}</th>
                  <th scope="col">{t.models.dataWindow}</th>
                  <th scope="col" class="num">
                    {t.models.rows}
                  </th>
                  <th scope="col">{t.models.metrics}</th>
                  <th scope="col">{t.common.created}</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version} class={v.version === serving ? 'serving' : undefined}>
                    <td class="mono">{v.version}</td>
                    <td>{v.version === serving ? '●' : ''}</td>
                    <td>
                      {v.dataWindow ? `${fmt.date(v.dataWindow.from)} – ${fmt.date(v.dataWindow.to)}` : '–'}
                    </td>
                    <td class="num">{fmt.int(v.rows)}</td>
                    <td>
                      {Object.entries(v.metrics)
                        .map(
                          ([k, x]) =>
                            `${k} ${k === 'holdout' ? fmt.int(x) : fmt.num(Math.round(x * 10000) / 10000)}`,
                        )
                        .join(' · ')}
                    </td>
                    <td>{fmt.dateTime(v.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="grid2">
            <Section title={t.models.metricsChart}>
              <Chart title={`${title} · ${t.models.metricsChart}`} option={metrics} height={220} />
            </Section>
            <Section title={t.models.calibration}>
              {calibration ? (
                <Chart title={`${title} · ${t.models.calibration}`} option={calibration} height={220} />
              ) : (
                <p class="empty">
                  {t.models.calibrationNone}
                  {current?.metrics['ece'] !== undefined &&
                    ` ECE ${fmt.num(Math.round((current.metrics['ece'] ?? 0) * 10000) / 10000)}`}
                </p>
              )}
            </Section>
          </div>
        </>
      )}
    </Section>
  );
}
