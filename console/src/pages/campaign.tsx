import { useState } from 'preact/hooks';
import { type AbVerdict, abVerdict } from '../../../functions/optimize/kernels/abtest';
import { armCounts, posteriorInterval, segmentArms } from '../../../functions/optimize/posterior';
import { CONTROL } from '../../../functions/optimize/store';
import type { CampaignState } from '../types';
import { Chart, type ChartOption, ErrorBox, Section, Show, Status, useApp, useLoad } from '../ui';

/** A verdict as recorded on the campaign, read tolerantly (the re-optimization step writes it). */
interface RecordedVerdict {
  readonly verdict: Pick<AbVerdict, 'winner' | 'method'> & {
    variants: Array<Partial<AbVerdict['variants'][number]> & { id: string }>;
  };
  readonly at?: string;
}

function recordedVerdict(campaign: object, segmentId: string): RecordedVerdict | undefined {
  const all = (campaign as { verdicts?: unknown }).verdicts;
  if (!all || typeof all !== 'object') return undefined;
  const entry = Array.isArray(all)
    ? all.find((v) => (v as { segmentId?: string }).segmentId === segmentId)
    : (all as Record<string, unknown>)[segmentId];
  if (!entry || typeof entry !== 'object') return undefined;
  const outer = entry as Record<string, unknown>;
  const verdict = (
    outer['verdict'] && typeof outer['verdict'] === 'object' ? outer['verdict'] : outer
  ) as RecordedVerdict['verdict'];
  if (!Array.isArray(verdict.variants)) return undefined;
  return { verdict, at: typeof outer['at'] === 'string' ? outer['at'] : undefined };
}

/** Whatever the campaign records about its preference-pair export (key, count), if anything. */
function preferenceExport(campaign: object): Record<string, unknown> | undefined {
  const record = campaign as Record<string, unknown>;
  for (const key of ['preferences', 'preferenceExport', 'preferencesKey']) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    return typeof value === 'object' ? (value as Record<string, unknown>) : { [key]: value };
  }
  return undefined;
}

/** Variants, allocation over time, posteriors, cumulative successes vs control, verdict, challengers. */
export default function CampaignPage({ params }: { params: string[] }) {
  const { api, t } = useApp();
  const id = params[0] ?? '';
  const loaded = useLoad(() => api.campaign(id), [api, id], {
    pollMs: 2000,
    poll: (s) => s.campaign.status === 'creating',
  });
  return (
    <div class="page">
      <p>
        <a href="#/campaigns">← {t.campaigns.title}</a>
      </p>
      <Show loaded={loaded}>{(state) => <CampaignView state={state} reload={loaded.reload} />}</Show>
    </div>
  );
}

function CampaignView({ state, reload }: { state: CampaignState; reload: () => void }) {
  const { api, t, fmt, lang } = useApp();
  const { campaign } = state;
  const segmentIds = [...new Set(state.variants.map((v) => v.segmentId))];
  const [segmentId, setSegmentId] = useState(segmentIds[0] ?? '');
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<Error>();
  const segmentLabel = (sid: string) => {
    const s = campaign.segments?.find((x) => x.segmentId === sid);
    return s?.label?.[lang] || sid;
  };
  const objective = campaign.spec.objective;
  const arms = segmentArms(state, segmentId);
  const allVariants = state.variants.filter((v) => v.segmentId === segmentId);
  const counters = new Map(
    state.counters.filter((c) => c.segmentId === segmentId).map((c) => [c.variantId, c]),
  );
  const snapshots = [...state.snapshots].sort((a, b) => a.at.localeCompare(b.at));
  const series = snapshots.filter((s) => s.segments[segmentId]);
  const variantIds = [
    ...new Set(series.flatMap((s) => (s.segments[segmentId] ?? []).map((a) => a.variantId))),
  ];
  const nameOf = (variantId: string) => {
    if (variantId === CONTROL) return t.campaigns.kinds['control'] ?? variantId;
    const v = allVariants.find((x) => x.variantId === variantId);
    return v ? `${v.headline.slice(0, 24)}${v.headline.length > 24 ? '…' : ''}` : variantId;
  };

  const allocation: ChartOption = {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => fmt.pct(v) },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: series.map((s) => fmt.dateTime(s.at)) },
    yAxis: { type: 'value', max: 1, axisLabel: { formatter: (v: number) => fmt.pct(v) } },
    series: variantIds.map((vid) => ({
      name: nameOf(vid),
      type: 'line',
      stack: 'share',
      areaStyle: {},
      data: series.map((s) => s.segments[segmentId]?.find((a) => a.variantId === vid)?.share ?? 0),
    })),
  };
  const cumulative: ChartOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: [...series.map((s) => fmt.dateTime(s.at)), fmt.dateTime(campaign.updatedAt)],
    },
    yAxis: { type: 'value' },
    series: arms.map(({ variant, counter }) => ({
      name: nameOf(variant.variantId),
      type: 'line',
      lineStyle: variant.variantId === CONTROL ? { type: 'dashed', width: 3 } : undefined,
      data: [
        ...series.map(
          (s) => s.segments[segmentId]?.find((a) => a.variantId === variant.variantId)?.successes ?? 0,
        ),
        armCounts(counter, objective).successes,
      ],
    })),
  };
  const intervals = arms.map(({ variant, arm }) => ({ variant, interval: posteriorInterval(arm) }));
  const posteriors: ChartOption = {
    tooltip: {
      trigger: 'item',
      formatter: (p: { name: string; value: [number, number, number, number] }) =>
        `${p.name}: ${fmt.finePct(p.value[1])} (${fmt.finePct(p.value[2])} – ${fmt.finePct(p.value[3])})`,
    },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    yAxis: { type: 'category', inverse: true, data: intervals.map((i) => nameOf(i.variant.variantId)) },
    xAxis: { type: 'value', axisLabel: { formatter: (v: number) => fmt.finePct(v) } },
    series: [
      {
        type: 'custom',
        name: t.campaigns.posteriors,
        encode: { x: [1, 2, 3], y: 0 },
        data: intervals.map((i, k) => [k, i.interval.mean, i.interval.low, i.interval.high]),
        renderItem: (
          _params: unknown,
          api: {
            value: (i: number) => number;
            coord: (p: [number, number]) => [number, number];
            style: () => object;
          },
        ) => {
          const y = api.value(0);
          const [x0, yy] = api.coord([api.value(2), y]);
          const [x1] = api.coord([api.value(3), y]);
          const [xm] = api.coord([api.value(1), y]);
          return {
            type: 'group',
            children: [
              {
                type: 'line',
                shape: { x1: x0, y1: yy, x2: x1, y2: yy },
                style: { stroke: '#2f5fb3', lineWidth: 3 },
              },
              { type: 'circle', shape: { cx: xm, cy: yy, r: 5 }, style: { fill: '#c2410c' } },
            ],
          };
        },
      },
    ],
  };

  const recorded = recordedVerdict(campaign, segmentId);
  const hasControl = arms.some((a) => a.variant.variantId === CONTROL);
  const live = (() => {
    if (recorded || arms.length < 2 || !hasControl) return undefined;
    try {
      return abVerdict(
        arms.map(({ variant, counter }) => ({ id: variant.variantId, ...armCounts(counter, objective) })),
        { control: CONTROL, draws: 20_000 },
      );
    } catch {
      return undefined;
    }
  })();
  const verdict = recorded?.verdict ?? live;
  const challengers = state.variants.filter((v) => v.kind === 'challenger' && v.segmentId === segmentId);
  const preferences = preferenceExport(campaign);

  const reoptimize = async () => {
    setError(undefined);
    try {
      const run = await api.startOptimize([campaign.campaignId]);
      setNotice(t.campaigns.reoptimizeStarted(run.runId));
      reload();
    } catch (e) {
      setError(e as Error);
    }
  };

  return (
    <>
      <h1>
        {campaign.spec.name} <Status value={campaign.status} />
      </h1>
      <p class="hint">
        <span class="mono">{campaign.campaignId}</span> · {t.goals[campaign.spec.goal]} ·{' '}
        {t.channels[campaign.spec.channel]} · {t.languageNames[campaign.spec.language]} ·{' '}
        {t.campaigns.splits[campaign.spec.trafficSplit]} · {t.campaigns.objective}:{' '}
        {t.campaigns.objectives[objective]} · {t.common.created} {fmt.dateTime(campaign.createdAt)}
      </p>
      {campaign.error && <ErrorBox error={new Error(`${campaign.error.error}: ${campaign.error.cause}`)} />}
      <div class="row">
        <button type="button" onClick={reoptimize}>
          {t.campaigns.reoptimize}
        </button>
        <button type="button" class="secondary" onClick={reload}>
          {t.common.refresh}
        </button>
        {segmentIds.length > 1 && (
          <label class="field inline-field">
            <span class="field-label">{t.campaigns.segment}</span>
            <select value={segmentId} onChange={(e) => setSegmentId(e.currentTarget.value)}>
              {segmentIds.map((sid) => (
                <option key={sid} value={sid}>
                  {segmentLabel(sid)}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      {error && <ErrorBox error={error} />}
      <Section title={`${t.campaigns.variants} · ${segmentLabel(segmentId)}`}>
        {allVariants.length === 0 ? (
          <p class="empty">{campaign.status === 'creating' ? t.common.loading : t.common.empty}</p>
        ) : (
          <div class="table-wrap">
            <table data-testid="campaign-variants">
              <caption class="sr-only">{t.campaigns.variants}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.generate.headline}</th>
                  <th scope="col">{t.campaigns.kind}</th>
                  <th scope="col">{t.common.status}</th>
                  <th scope="col" class="num">
                    {t.campaigns.sends}
                  </th>
                  <th scope="col" class="num">
                    {t.campaigns.clicks}
                  </th>
                  <th scope="col" class="num">
                    {t.campaigns.conversions}
                  </th>
                  <th scope="col" class="num">
                    {t.campaigns.mean}
                  </th>
                  <th scope="col">{t.campaigns.interval95}</th>
                </tr>
              </thead>
              <tbody>
                {allVariants.map((v) => {
                  const c = counters.get(v.variantId);
                  const interval = intervals.find((i) => i.variant.variantId === v.variantId)?.interval;
                  return (
                    <tr key={v.variantId}>
                      <td>
                        {v.kind === 'control' ? <em>{t.campaigns.kinds['control']}</em> : v.headline}
                        {v.body && <div class="hint">{v.body}</div>}
                        {v.stopReason && (
                          <div class="hint">
                            {t.campaigns.stopReason}: {v.stopReason}
                          </div>
                        )}
                      </td>
                      <td>{t.campaigns.kinds[v.kind] ?? v.kind}</td>
                      <td>
                        <Status value={v.status} />
                      </td>
                      <td class="num">{fmt.int(c?.sends ?? 0)}</td>
                      <td class="num">{fmt.int(c?.clicks ?? 0)}</td>
                      <td class="num">{fmt.int(c?.conversions ?? 0)}</td>
                      <td class="num">{interval ? fmt.finePct(interval.mean) : '–'}</td>
                      <td>
                        {interval ? `${fmt.finePct(interval.low)} – ${fmt.finePct(interval.high)}` : '–'}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <div class="grid2">
        <Section title={t.campaigns.allocation}>
          {series.length === 0 ? (
            <p class="empty">{t.campaigns.allocationNone}</p>
          ) : (
            <Chart title={t.campaigns.allocation} option={allocation} />
          )}
        </Section>
        <Section title={t.campaigns.posteriors}>
          {intervals.length === 0 ? (
            <p class="empty">{t.common.empty}</p>
          ) : (
            <Chart
              title={t.campaigns.posteriors}
              option={posteriors}
              height={Math.max(160, 44 * intervals.length + 40)}
            />
          )}
        </Section>
      </div>
      <Section title={t.campaigns.cumulative}>
        {arms.length === 0 ? (
          <p class="empty">{t.common.empty}</p>
        ) : (
          <Chart title={t.campaigns.cumulative} option={cumulative} />
        )}
      </Section>
      <Section title={t.campaigns.verdict}>
        {!verdict ? (
          <p class="empty">{t.campaigns.verdictNone}</p>
        ) : (
          <div data-testid="verdict">
            <p>
              <strong>
                {verdict.winner
                  ? t.campaigns.verdictWinner(nameOf(verdict.winner))
                  : t.campaigns.verdictNoWinner}
              </strong>
            </p>
            <p>
              <span class="hint">{t.campaigns.method}: </span>
              {verdict.method}
            </p>
            <p class="hint">
              {recorded ? t.campaigns.verdictRecorded(fmt.dateTime(recorded.at)) : t.campaigns.verdictLive}
            </p>
            <table>
              <caption class="sr-only">{t.campaigns.verdict}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.campaigns.variants}</th>
                  <th scope="col" class="num">
                    {t.campaigns.probabilityBest}
                  </th>
                  <th scope="col" class="num">
                    {t.campaigns.probabilityBeatsControl}
                  </th>
                  <th scope="col" class="num">
                    {t.campaigns.expectedLoss}
                  </th>
                  <th scope="col">{t.common.status}</th>
                </tr>
              </thead>
              <tbody>
                {verdict.variants.map((v) => (
                  <tr key={v.id}>
                    <td>{nameOf(v.id)}</td>
                    <td class="num">{fmt.pct(v.probabilityBest)}</td>
                    <td class="num">{fmt.pct(v.probabilityBeatsControl)}</td>
                    <td class="num">{fmt.finePct(v.expectedLoss)}</td>
                    <td>
                      <Status value={v.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <div class="grid2">
        <Section title={t.campaigns.challengers}>
          {challengers.length === 0 ? (
            <p class="empty">{t.campaigns.challengersNone}</p>
          ) : (
            <ul>
              {challengers.map((c) => (
                <li key={c.variantId}>
                  <strong>{c.headline}</strong> <Status value={c.status} />
                  {c.parents && (
                    <div class="hint">
                      {t.campaigns.parents}: {c.parents.map(nameOf).join(', ')}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title={t.campaigns.preferences}>
          {preferences ? (
            <dl class="inline">
              {Object.entries(preferences).map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd class="mono">{typeof v === 'number' ? fmt.int(v) : String(v)}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p class="empty">{t.campaigns.preferencesNone}</p>
          )}
          {campaign.reportKey && (
            <p class="hint">
              {t.campaigns.report}: <code class="key">{campaign.reportKey}</code>
            </p>
          )}
        </Section>
      </div>
    </>
  );
}
