import { useState } from 'preact/hooks';
import type { Campaign, Health, RunRecord, Segment, UploadRecord } from '../types';
import { ErrorBox, Loading, Section, Stat, Status, useApp, useLoad } from '../ui';

interface OverviewData {
  health: PromiseSettledResult<Health>;
  runs: PromiseSettledResult<RunRecord[]>;
  uploads: PromiseSettledResult<UploadRecord[]>;
  segments: PromiseSettledResult<Segment[]>;
  campaigns: PromiseSettledResult<Campaign[]>;
}

const busy = (status: string | undefined) =>
  status === 'starting' || status === 'running' || status === 'ingesting';

/** Events, users, segments, live campaigns and the latest runs; whatever is failing first. */
export function Overview() {
  const { api, t, fmt } = useApp();
  const [notice, setNotice] = useState<string>();
  const [startError, setStartError] = useState<Error>();
  const loaded = useLoad<OverviewData>(
    async () => {
      const [health, runs, uploads, segments, campaigns] = await Promise.allSettled([
        api.health(),
        api.runs(10).then((r) => r.runs),
        api.uploads(10).then((r) => r.uploads),
        api.segments().then((r) => r.segments),
        api.campaigns(50).then((r) => r.campaigns),
      ]);
      return { health, runs, uploads, segments, campaigns };
    },
    [api],
    {
      pollMs: 2000,
      poll: (d) =>
        (d.runs.status === 'fulfilled' && d.runs.value.some((r) => busy(r.status))) ||
        (d.uploads.status === 'fulfilled' && d.uploads.value.some((u) => busy(u.status))),
    },
  );

  const startRun = async () => {
    setStartError(undefined);
    try {
      const run = await api.startRun();
      setNotice(t.overview.runStarted(run.runId));
      loaded.reload();
    } catch (error) {
      setStartError(error as Error);
    }
  };

  if (loaded.state === 'loading' && !loaded.data) return <Loading />;
  if (loaded.state === 'error' && !loaded.data)
    return <ErrorBox error={loaded.error} retry={loaded.reload} />;
  const d = loaded.data as OverviewData;
  const runs = d.runs.status === 'fulfilled' ? d.runs.value : [];
  const uploads = d.uploads.status === 'fulfilled' ? d.uploads.value : [];
  const segments = d.segments.status === 'fulfilled' ? d.segments.value : [];
  const campaigns = d.campaigns.status === 'fulfilled' ? d.campaigns.value : undefined;
  const latestDone = runs.find((r) => r.status === 'succeeded' && r.figures);
  const events = latestDone?.figures
    ? Object.values(latestDone.figures.eventTypes).reduce((a, b) => a + b, 0)
    : undefined;
  const users = segments.length ? segments.reduce((a, s) => a + s.size, 0) : latestDone?.figures?.users;
  const live = campaigns?.filter((c) => c.status === 'active').length;

  const failing = [
    ...(d.health.status === 'fulfilled' && d.health.value.status !== 'ok'
      ? [{ key: 'health', text: t.overview.healthDegraded, href: '#/' }]
      : []),
    ...(d.health.status === 'rejected'
      ? [{ key: 'health', text: (d.health.reason as Error).message, href: '#/' }]
      : []),
    ...runs
      .filter((r) => r.status === 'failed')
      .map((r) => ({
        key: r.runId,
        text: `${t.data.runs} ${r.runId}: ${r.error ?? t.statuses['failed']}`,
        href: '#/data',
      })),
    ...uploads
      .filter((u) => u.status === 'failed')
      .map((u) => ({
        key: u.uploadId,
        text: `${u.fileName}: ${u.error ?? t.statuses['failed']}`,
        href: '#/data',
      })),
    ...(campaigns ?? [])
      .filter((c) => c.status === 'failed')
      .map((c) => ({
        key: c.campaignId,
        text: `${c.spec.name}: ${c.error?.cause ?? c.error?.error ?? t.statuses['failed']}`,
        href: `#/campaigns/${encodeURIComponent(c.campaignId)}`,
      })),
  ];

  return (
    <div class="page">
      <h1>{t.overview.title}</h1>
      <Section title={t.overview.failing}>
        {failing.length === 0 ? (
          <p class="ok-text">{t.overview.failingNone}</p>
        ) : (
          <ul class="failing" data-testid="failing">
            {failing.map((f) => (
              <li key={f.key}>
                <a href={f.href}>{f.text}</a>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <div class="stats" data-testid="overview-stats">
        <Stat label={t.overview.events} value={fmt.int(events)} />
        <Stat label={t.overview.users} value={fmt.int(users)} />
        <Stat label={t.overview.segments} value={fmt.int(segments.length)} />
        <Stat
          label={t.overview.liveCampaigns}
          value={live === undefined ? '–' : fmt.int(live)}
          hint={campaigns === undefined ? t.overview.campaignsUnavailable : undefined}
        />
        <Stat
          label={t.overview.health}
          value={
            d.health.status === 'fulfilled'
              ? (t.statuses[d.health.value.status] ?? d.health.value.status)
              : '–'
          }
          hint={
            d.health.status === 'fulfilled'
              ? d.health.value.status === 'ok'
                ? t.overview.healthOk
                : t.overview.healthDegraded
              : undefined
          }
        />
      </div>
      <Section
        title={t.overview.latestRuns}
        actions={
          <button type="button" onClick={startRun}>
            {t.overview.startRun}
          </button>
        }
      >
        {notice && (
          <p role="status" class="notice">
            {notice}
          </p>
        )}
        {startError && <ErrorBox error={startError} />}
        {d.runs.status === 'rejected' ? (
          <ErrorBox error={d.runs.reason as Error} retry={loaded.reload} />
        ) : runs.length === 0 ? (
          <p class="empty">{t.overview.noRuns}</p>
        ) : (
          <RunsTable runs={runs.slice(0, 5)} />
        )}
      </Section>
      <Section title={t.overview.latestUploads}>
        {d.uploads.status === 'rejected' ? (
          <ErrorBox error={d.uploads.reason as Error} retry={loaded.reload} />
        ) : uploads.length === 0 ? (
          <p class="empty">
            <a href="#/data">{t.data.noUploads}</a>
          </p>
        ) : (
          <table>
            <caption class="sr-only">{t.overview.latestUploads}</caption>
            <thead>
              <tr>
                <th scope="col">{t.data.file}</th>
                <th scope="col">{t.common.status}</th>
                <th scope="col" class="num">
                  {t.data.accepted}
                </th>
                <th scope="col" class="num">
                  {t.data.rejected}
                </th>
                <th scope="col">{t.common.created}</th>
              </tr>
            </thead>
            <tbody>
              {uploads.slice(0, 5).map((u) => (
                <tr key={u.uploadId}>
                  <td>{u.fileName}</td>
                  <td>
                    <Status value={u.status} />
                  </td>
                  <td class="num">{fmt.int(u.accepted)}</td>
                  <td class="num">{fmt.int(u.rejected)}</td>
                  <td>{fmt.dateTime(u.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}

export function RunsTable({ runs }: { runs: RunRecord[] }) {
  const { t, fmt } = useApp();
  return (
    <table data-testid="runs">
      <caption class="sr-only">{t.data.runs}</caption>
      <thead>
        <tr>
          <th scope="col">{t.common.id}</th>
          <th scope="col">{t.common.status}</th>
          <th scope="col">{t.overview.phase}</th>
          <th scope="col">{t.overview.trigger}</th>
          <th scope="col" class="num">
            {t.overview.users}
          </th>
          <th scope="col" class="num">
            {t.overview.segments}
          </th>
          <th scope="col">{t.common.created}</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => {
          const total = r.shardCount ?? 0;
          const done = r.phase === 'assigning' ? (r.shardsAssigned ?? 0) : (r.shardsDone ?? 0);
          return (
            <tr key={r.runId}>
              <td class="mono">{r.runId}</td>
              <td>
                <Status value={r.status} />
                {r.error && <div class="hint">{r.error}</div>}
              </td>
              <td>
                {r.phase ? (t.phases[r.phase] ?? r.phase) : '–'}
                {busy(r.status) && total > 0 && (
                  <div class="hint">
                    {t.overview.shards}: {fmt.int(done)} / {fmt.int(total)}
                  </div>
                )}
              </td>
              <td>{t.triggers[r.trigger] ?? r.trigger}</td>
              <td class="num">{fmt.int(r.figures?.users)}</td>
              <td class="num">{fmt.int(r.figures?.segments)}</td>
              <td>{fmt.dateTime(r.createdAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
