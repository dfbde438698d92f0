import { useState } from 'preact/hooks';
import { armCounts, posteriorInterval, segmentArms } from '../../../functions/optimize/posterior';
import { CONTROL } from '../../../functions/optimize/records';
import type { ExportResult } from '../../../functions/optimize/reoptimize/preferences';
import type { CampaignState, Comparison } from '../types';
import { Chart, type ChartOption, ErrorBox, Section, Show, Status, useApp, useLoad } from '../ui';

/** The preference-pair export of the re-optimization run that recorded the verdicts, if it exported. */
function exportOf(summary: unknown): ExportResult | undefined {
  const found = (summary as { export?: unknown } | undefined)?.export;
  return found && typeof found === 'object' && 'pairs' in found ? (found as ExportResult) : undefined;
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
  const [chosen, setSegmentId] = useState<string>();
  // The variants arrive while the campaign is being created: follow the first segment until one is chosen.
  const segmentId = chosen !== undefined && segmentIds.includes(chosen) ? chosen : (segmentIds[0] ?? '');
  const [notice, setNotice] = useState<string>();
  const [optimizing, setOptimizing] = useState(false);
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

  // The control received no message: it has no click rate or objective posterior, only its
  // conversions per held-out user, the baseline every message's uplift is measured against.
  const messageArms = arms.filter((a) => a.variant.kind !== 'control');
  const controlCounter = counters.get(CONTROL);
  const baseline =
    controlCounter && controlCounter.sends > 0
      ? controlCounter.conversions / controlCounter.sends
      : undefined;
  const conversionRate = (variantId: string) => {
    const c = counters.get(variantId);
    return c && c.sends > 0 ? c.conversions / c.sends : undefined;
  };
  const allocation: ChartOption = {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => fmt.pct(v) },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: series.map((s) => fmt.stamp(s.at)) },
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
      data: [...series.map((s) => fmt.stamp(s.at)), fmt.stamp(campaign.updatedAt)],
    },
    yAxis: { type: 'value' },
    series: (objective === 'click' ? messageArms : arms).map(({ variant, counter }) => ({
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
  const intervals = messageArms.map(({ variant, arm }) => ({ variant, interval: posteriorInterval(arm) }));
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

  // The verdict the last re-optimization recorded; until there is one, the API's verdict from the
  // current counters (the same comparison code, never recomputed here).
  const recorded = campaign.verdicts?.segments[segmentId];
  const verdict = recorded ?? state.live?.[segmentId];
  const comparisons: Array<{ title: string; comparison: Comparison }> = [];
  if (verdict?.messages)
    comparisons.push({ title: t.campaigns.messagesComparison, comparison: verdict.messages });
  if (verdict?.control)
    comparisons.push({ title: t.campaigns.controlComparison, comparison: verdict.control });
  const challengers = state.variants.filter((v) => v.kind === 'challenger' && v.segmentId === segmentId);
  const runId = campaign.verdicts?.runId;
  const optimization = useLoad(
    () => (runId ? api.optimization(runId) : Promise.resolve(undefined)),
    [api, runId],
  );
  const exported = optimization.state === 'ok' ? exportOf(optimization.data?.summary) : undefined;

  const reoptimize = async () => {
    setError(undefined);
    try {
      let run = await api.startOptimize({ campaignIds: [campaign.campaignId] });
      setNotice(t.campaigns.reoptimizeStarted(run.runId));
      setOptimizing(true);
      // Follow the run without blocking the page, then show what it recorded.
      while (run.status === 'running') {
        await new Promise((r) => setTimeout(r, 1500));
        run = await api.optimization(run.runId);
      }
      setNotice(
        run.status === 'succeeded'
          ? t.campaigns.reoptimizeDone(run.runId)
          : t.campaigns.reoptimizeFailed(run.runId, run.error ?? ''),
      );
      reload();
    } catch (e) {
      setError(e as Error);
    } finally {
      setOptimizing(false);
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
        <button type="button" onClick={reoptimize} disabled={optimizing}>
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
                  <th scope="col" class="num">
                    {t.campaigns.conversionRate}
                  </th>
                  <th scope="col" class="num">
                    {t.campaigns.uplift}
                  </th>
                </tr>
              </thead>
              <tbody>
                {allVariants.map((v) => {
                  const c = counters.get(v.variantId);
                  const interval = intervals.find((i) => i.variant.variantId === v.variantId)?.interval;
                  const rate = conversionRate(v.variantId);
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
                      {v.kind === 'control' ? (
                        <>
                          <td class="num">–</td>
                          <td class="num">{fmt.int(c?.conversions ?? 0)}</td>
                          <td colSpan={2} class="hint" data-testid="control-measures">
                            {t.campaigns.controlMeasures}
                          </td>
                          <td class="num">{rate === undefined ? '–' : fmt.finePct(rate)}</td>
                          <td class="num">–</td>
                        </>
                      ) : (
                        <>
                          <td class="num">{fmt.int(c?.clicks ?? 0)}</td>
                          <td class="num">{fmt.int(c?.conversions ?? 0)}</td>
                          <td class="num">{interval ? fmt.finePct(interval.mean) : '–'}</td>
                          <td>
                            {interval ? `${fmt.finePct(interval.low)} – ${fmt.finePct(interval.high)}` : '–'}
                          </td>
                          <td class="num">{rate === undefined ? '–' : fmt.finePct(rate)}</td>
                          <td class="num">
                            {rate === undefined || baseline === undefined ? '–' : fmt.points(rate - baseline)}
                          </td>
                        </>
                      )}
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
        {comparisons.length === 0 ? (
          <p class="empty">{t.campaigns.verdictNone}</p>
        ) : (
          <div data-testid="verdict">
            <p class="hint">
              {recorded && campaign.verdicts
                ? t.campaigns.verdictRecorded(fmt.dateTime(campaign.verdicts.at))
                : t.campaigns.verdictLive}
            </p>
            {comparisons.map(({ title, comparison }) => (
              <div key={title} class="comparison">
                <h3>{title}</h3>
                <p>
                  <strong>
                    {comparison.winner
                      ? t.campaigns.verdictWinner(nameOf(comparison.winner))
                      : t.campaigns.verdictNoWinner}
                  </strong>
                </p>
                <p>
                  <span class="hint">{t.campaigns.method}: </span>
                  {comparison.method}
                </p>
                <table>
                  <caption class="sr-only">{title}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t.campaigns.variants}</th>
                      <th scope="col" class="num">
                        {t.campaigns.successes}
                      </th>
                      <th scope="col" class="num">
                        {t.campaigns.mean}
                      </th>
                      <th scope="col" class="num">
                        {t.campaigns.probabilityBest}
                      </th>
                      <th scope="col" class="num">
                        {t.campaigns.probabilityBeats(nameOf(comparison.reference))}
                      </th>
                      <th scope="col" class="num">
                        {t.campaigns.expectedLoss}
                      </th>
                      <th scope="col">{t.common.status}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {comparison.arms.map((arm) => (
                      <tr key={arm.variantId}>
                        <td>{nameOf(arm.variantId)}</td>
                        <td class="num">
                          {fmt.int(arm.successes)} / {fmt.int(arm.trials)}
                        </td>
                        <td class="num">{fmt.finePct(arm.mean)}</td>
                        <td class="num">{fmt.pct(arm.probabilityBest)}</td>
                        <td class="num">{fmt.pct(arm.probabilityBeatsReference)}</td>
                        <td class="num">{fmt.finePct(arm.expectedLoss)}</td>
                        <td>
                          <Status value={arm.status} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
            {recorded && recorded.stopped.length > 0 && (
              <ul>
                {recorded.stopped.map((s) => (
                  <li key={s.variantId}>
                    {nameOf(s.variantId)}: {t.campaigns.stopReason} {s.reason}
                  </li>
                ))}
              </ul>
            )}
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
          {exported ? (
            <dl class="inline" data-testid="preferences">
              <div>
                <dt>{t.campaigns.pairs}</dt>
                <dd>{fmt.int(exported.pairs)}</dd>
              </div>
              <div>
                <dt>{t.campaigns.exportKey}</dt>
                <dd class="mono key">{exported.key ?? '–'}</dd>
              </div>
              <div>
                <dt>{t.campaigns.title}</dt>
                <dd>{fmt.int(exported.campaigns)}</dd>
              </div>
              <div>
                <dt>{t.campaigns.skipped}</dt>
                <dd>{fmt.int(exported.skipped)}</dd>
              </div>
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
