import type { OptionRecord, Strategy } from '../../../functions/optimize/reoptimize/strategies';
import type { Campaign } from '../types';
import { Chart, type ChartOption, ErrorBox, Section, Show, Status, useApp, useLoad } from '../ui';
import { labelOf } from './segments';

/** A campaign reaches a segment when it targets everyone, lists the segment, or ran for it. */
export function reaches(campaign: Campaign, segmentId: string): boolean {
  const audience = campaign.spec?.audience;
  if (campaign.segments?.some((s) => s.segmentId === segmentId)) return true;
  if (audience?.kind === 'segments') return audience.segmentIds.includes(segmentId);
  return audience?.kind === 'everyone';
}

/** What re-optimization found works best for the segment: per dimension, the options with their rates. */
function StrategyView({ strategy }: { strategy: Strategy }) {
  const { t, fmt } = useApp();
  const dimensions: Array<[string, { best: string | null | string[]; options: OptionRecord[] }]> = [
    [t.segments.channel, strategy.channel],
    [t.segments.hour, strategy.hour],
    [t.segments.tone, strategy.tone],
    [t.segments.products, strategy.products],
  ];
  const show = (label: string, value: string) =>
    label === t.segments.channel
      ? (t.channels[value] ?? value)
      : label === t.segments.hour
        ? `${value}:00`
        : value;
  return (
    <>
      <p class="hint">
        {t.segments.strategyBasis(
          fmt.int(strategy.sends),
          fmt.int(strategy.campaigns),
          t.campaigns.objectives[strategy.objective] ?? strategy.objective,
        )}{' '}
        {fmt.dateTime(strategy.updatedAt)}
      </p>
      <div class="grid2" data-testid="strategy">
        {dimensions.map(([label, dimension]) => {
          const best = Array.isArray(dimension.best)
            ? dimension.best
            : dimension.best
              ? [dimension.best]
              : [];
          return (
            <div key={label}>
              <h3>
                {label}: {best.length ? best.map((b) => show(label, b)).join(', ') : t.segments.notYet}
              </h3>
              {dimension.options.length > 0 && (
                <table>
                  <caption class="sr-only">{label}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{label}</th>
                      <th scope="col" class="num">
                        {t.campaigns.sends}
                      </th>
                      <th scope="col" class="num">
                        {t.campaigns.mean}
                      </th>
                      <th scope="col">{t.campaigns.interval95}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {dimension.options.map((o) => (
                      <tr key={o.value}>
                        <td>{show(label, o.value)}</td>
                        <td class="num">{fmt.int(o.sends)}</td>
                        <td class="num">{fmt.finePct(o.mean)}</td>
                        <td>
                          {fmt.finePct(o.low)} – {fmt.finePct(o.high)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          );
        })}
      </div>
    </>
  );
}

/** One segment: persona, averages, rules, strategy (when the API gives one) and campaigns. */
export default function SegmentPage({ params }: { params: string[] }) {
  const { api, t, lang, fmt } = useApp();
  const id = params[0] ?? '';
  const segment = useLoad(() => api.segment(id), [api, id]);
  const rules = useLoad(() => api.rules({ limit: 10 }), [api]);
  const campaigns = useLoad(() => api.campaigns(200), [api]);
  return (
    <div class="page">
      <p>
        <a href="#/segments">← {t.segments.title}</a>
      </p>
      <Show loaded={segment}>
        {(s) => {
          const categories: ChartOption = {
            tooltip: { trigger: 'axis', valueFormatter: (v: number) => fmt.pct(v) },
            grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
            xAxis: { type: 'value', max: 1, axisLabel: { formatter: (v: number) => fmt.pct(v) } },
            yAxis: {
              type: 'category',
              inverse: true,
              data: s.topCategories.map((c) => c[lang] || c.category),
            },
            series: [{ type: 'bar', name: t.common.share, data: s.topCategories.map((c) => c.share) }],
          };
          const tiers: ChartOption = {
            tooltip: { trigger: 'axis' },
            grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
            xAxis: { type: 'value' },
            yAxis: {
              type: 'category',
              inverse: true,
              data: Object.keys(s.tiers).map((k) => t.tiers[k] ?? k),
            },
            series: [{ type: 'bar', name: t.segments.size, data: Object.values(s.tiers) }],
          };
          return (
            <>
              <h1>{labelOf(s, lang)}</h1>
              <p class="mono hint">{s.segmentId}</p>
              <div class="stats">
                <div class="stat">
                  <div class="stat-value">{fmt.int(s.size)}</div>
                  <div class="stat-label">{t.segments.size}</div>
                </div>
                <div class="stat">
                  <div class="stat-value">{fmt.pct(s.userShare)}</div>
                  <div class="stat-label">{t.segments.userShare}</div>
                </div>
                <div class="stat">
                  <div class="stat-value">{fmt.pct(s.valueShare)}</div>
                  <div class="stat-label">{t.segments.valueShare}</div>
                </div>
                <div class="stat">
                  <div class="stat-value">{t.tiers[s.tier] ?? s.tier}</div>
                  <div class="stat-label">{t.segments.tier}</div>
                </div>
                <div class="stat">
                  <div class="stat-value">{t.bands[s.priceBand] ?? s.priceBand}</div>
                  <div class="stat-label">{t.segments.priceBand}</div>
                </div>
              </div>
              <Section title={t.segments.traits}>
                <ul class="traits">
                  {(s.traits?.[lang] ?? []).map((trait) => (
                    <li key={trait}>{trait}</li>
                  ))}
                </ul>
                <dl class="inline">
                  <div>
                    <dt>{t.segments.recency}</dt>
                    <dd>{fmt.num(s.averages.recencyDays)}</dd>
                  </div>
                  <div>
                    <dt>{t.segments.frequency}</dt>
                    <dd>{fmt.num(s.averages.frequency)}</dd>
                  </div>
                  <div>
                    <dt>{t.segments.monetary}</dt>
                    <dd>{fmt.num(s.averages.monetary)}</dd>
                  </div>
                  <div>
                    <dt>{t.segments.priceIndex}</dt>
                    <dd>{fmt.num(s.averages.priceIndex)}</dd>
                  </div>
                  <div>
                    <dt>RFM</dt>
                    <dd>
                      {fmt.num(s.rfm.r)} / {fmt.num(s.rfm.f)} / {fmt.num(s.rfm.m)}
                    </dd>
                  </div>
                </dl>
                <p>
                  <a class="button" href={`#/generate?segment=${encodeURIComponent(s.segmentId)}`}>
                    {t.segments.generateFor}
                  </a>
                </p>
              </Section>
              <div class="grid2">
                <Section title={t.segments.topCategories}>
                  <Chart title={t.segments.topCategories} option={categories} height={200} />
                </Section>
                <Section title={t.segments.tier}>
                  <Chart title={t.segments.tier} option={tiers} height={200} />
                </Section>
              </div>
              <Section title={t.segments.strategy}>
                {s.strategy ? (
                  <StrategyView strategy={s.strategy} />
                ) : (
                  <p class="empty">{t.segments.strategyNone}</p>
                )}
              </Section>
            </>
          );
        }}
      </Show>
      <Section title={t.segments.rules}>
        <Show loaded={rules} isEmpty={(d) => d.rules.length === 0} empty={t.segments.rulesNone}>
          {(d) => (
            <table data-testid="rules">
              <caption class="sr-only">{t.segments.rules}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.segments.rules}</th>
                  <th scope="col" class="num">
                    {t.segments.support}
                  </th>
                  <th scope="col" class="num">
                    {t.segments.confidence}
                  </th>
                  <th scope="col" class="num">
                    {t.segments.lift}
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.rules.map((r) => {
                  const name = (ids: string[]) => ids.map((p) => r.titles[p] ?? p).join(' + ');
                  return (
                    <tr key={r.rank}>
                      <td>{t.segments.ruleText(name(r.antecedent), name(r.consequent))}</td>
                      <td class="num">{fmt.pct(r.support)}</td>
                      <td class="num">{fmt.pct(r.confidence)}</td>
                      <td class="num">{fmt.num(r.lift)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </Show>
      </Section>
      <Section title={t.segments.campaigns}>
        {campaigns.state === 'error' ? (
          <ErrorBox error={campaigns.error} retry={campaigns.reload} />
        ) : (
          <Show
            loaded={campaigns}
            isEmpty={(d) => !d.campaigns.some((c) => reaches(c, id))}
            empty={t.segments.campaignsNone}
          >
            {(d) => (
              <ul class="links">
                {d.campaigns
                  .filter((c) => reaches(c, id))
                  .map((c) => (
                    <li key={c.campaignId}>
                      <a href={`#/campaigns/${encodeURIComponent(c.campaignId)}`}>{c.spec.name}</a>{' '}
                      <Status value={c.status} />
                    </li>
                  ))}
              </ul>
            )}
          </Show>
        )}
      </Section>
    </div>
  );
}
