import { useState } from 'preact/hooks';
import { presets } from '../../../functions/profile/mappings';
import { createUploadSchema } from '../../../functions/profile/schema';
import { putWithProgress } from '../api';
import type { UploadRecord } from '../types';
import { ErrorBox, Field, Progress, Section, Show, Status, useApp, useLoad } from '../ui';
import { RunsTable } from './overview';

const terminal = ['succeeded', 'failed', 'duplicate'];

type UploadState =
  | { step: 'idle' }
  | { step: 'uploading'; fraction: number }
  | { step: 'ingesting'; uploadId: string }
  | { step: 'done'; record: UploadRecord }
  | { step: 'error'; error: Error };

/** Uploads with their counts and rejection reports, the upload form, and the profiling runs. */
export default function DataPage() {
  const { api, t, fmt } = useApp();
  const uploads = useLoad(() => api.uploads(50), [api], {
    pollMs: 2000,
    poll: (d) => d.uploads.some((u) => !terminal.includes(u.status)),
  });
  const runs = useLoad(() => api.runs(20), [api], {
    pollMs: 2000,
    poll: (d) => d.runs.some((r) => r.status === 'starting' || r.status === 'running'),
  });

  return (
    <div class="page">
      <h1>{t.data.title}</h1>
      <UploadForm
        onDone={() => {
          uploads.reload();
          runs.reload();
        }}
      />
      <Section
        title={t.data.uploads}
        actions={
          <button type="button" onClick={uploads.reload}>
            {t.common.refresh}
          </button>
        }
      >
        <Show loaded={uploads} isEmpty={(d) => d.uploads.length === 0} empty={t.data.noUploads}>
          {(d) => (
            <div class="table-wrap">
              <table data-testid="uploads">
                <caption class="sr-only">{t.data.uploads}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.data.file}</th>
                    <th scope="col">{t.data.kind}</th>
                    <th scope="col">{t.common.status}</th>
                    <th scope="col" class="num">
                      {t.data.rowsRead}
                    </th>
                    <th scope="col" class="num">
                      {t.data.accepted}
                    </th>
                    <th scope="col" class="num">
                      {t.data.rejected}
                    </th>
                    <th scope="col" class="num">
                      {t.data.duplicates}
                    </th>
                    <th scope="col">{t.data.report}</th>
                    <th scope="col">{t.common.created}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.uploads.map((u) => (
                    <tr key={u.uploadId}>
                      <td>
                        {u.fileName}
                        {typeof u.mapping === 'string' && <div class="hint">{u.mapping}</div>}
                      </td>
                      <td>{t.data.kinds[u.kind] ?? u.kind}</td>
                      <td>
                        <Status value={u.status} />
                        {u.error && <div class="hint">{u.error}</div>}
                      </td>
                      <td class="num">{fmt.int(u.rowsRead)}</td>
                      <td class="num">{fmt.int(u.accepted)}</td>
                      <td class="num">{fmt.int(u.rejected)}</td>
                      <td class="num">{fmt.int(u.duplicates)}</td>
                      <td>
                        {u.rejectionReportKey && (u.rejected ?? 0) > 0 ? (
                          <code class="key" title={t.data.reportKey(u.rejectionReportKey)}>
                            {u.rejectionReportKey}
                          </code>
                        ) : (
                          <span class="hint">{t.data.noReport}</span>
                        )}
                      </td>
                      <td>{fmt.dateTime(u.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Show>
      </Section>
      <Section
        title={t.data.runs}
        actions={
          <button type="button" onClick={runs.reload}>
            {t.common.refresh}
          </button>
        }
      >
        <Show loaded={runs} isEmpty={(d) => d.runs.length === 0} empty={t.overview.noRuns}>
          {(d) => <RunsTable runs={d.runs} />}
        </Show>
      </Section>
    </div>
  );
}

function UploadForm({ onDone }: { onDone: () => void }) {
  const { api, t, fmt } = useApp();
  const [file, setFile] = useState<File>();
  const [kind, setKind] = useState<'events' | 'products'>('events');
  const [mapping, setMapping] = useState('');
  const [profile, setProfile] = useState(true);
  const [dragging, setDragging] = useState(false);
  const [state, setState] = useState<UploadState>({ step: 'idle' });
  const presetNames = Object.values(presets)
    .filter((p) => p.kind === kind)
    .map((p) => p.name);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!file) {
      setState({ step: 'error', error: new Error(t.data.pickFirst) });
      return;
    }
    const parsed = createUploadSchema.safeParse({
      fileName: file.name,
      kind,
      mapping: mapping || undefined,
      profile: kind === 'events' && profile,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      setState({ step: 'error', error: new Error(`${issue?.path.join('.')}: ${issue?.message}`) });
      return;
    }
    try {
      setState({ step: 'uploading', fraction: 0 });
      const created = await api.createUpload(parsed.data);
      await putWithProgress(created.uploadUrl, file, (fraction) => setState({ step: 'uploading', fraction }));
      setState({ step: 'ingesting', uploadId: created.uploadId });
      onDone();
      for (;;) {
        const record = await api.upload(created.uploadId);
        if (terminal.includes(record.status)) {
          setState({ step: 'done', record });
          break;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
      onDone();
    } catch (error) {
      setState({ step: 'error', error: error as Error });
    }
  };

  const running = state.step === 'uploading' || state.step === 'ingesting';
  return (
    <Section title={t.data.uploadTitle}>
      <form class="upload" onSubmit={submit} data-testid="upload-form">
        <label
          class={`drop${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            const dropped = e.dataTransfer?.files[0];
            if (dropped) setFile(dropped);
          }}
        >
          <span>{t.data.dropHere}</span>
          {/* The native control's own text follows the browser's language: it is hidden, and this label speaks. */}
          <input
            type="file"
            class="sr-only"
            accept=".csv,.jsonl,.ndjson,.gz,text/csv,application/x-ndjson"
            aria-label={t.data.chooseFile}
            onChange={(e) => setFile(e.currentTarget.files?.[0])}
          />
          <span class="file-line">
            <span class="button secondary" aria-hidden="true">
              {t.data.browse}
            </span>
            {file ? (
              <strong>{t.data.chosen(file.name, fmt.bytes(file.size))}</strong>
            ) : (
              <span class="hint">{t.data.noFile}</span>
            )}
          </span>
        </label>
        <div class="row">
          <Field label={t.data.kind}>
            <select
              name="kind"
              value={kind}
              onChange={(e) => {
                setKind(e.currentTarget.value as 'events' | 'products');
                setMapping('');
              }}
            >
              <option value="events">{t.data.kinds['events']}</option>
              <option value="products">{t.data.kinds['products']}</option>
            </select>
          </Field>
          <Field label={t.data.mapping}>
            <select name="mapping" value={mapping} onChange={(e) => setMapping(e.currentTarget.value)}>
              <option value="">{t.data.mappingNone}</option>
              {presetNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </Field>
          {kind === 'events' && (
            <label class="check">
              <input
                type="checkbox"
                checked={profile}
                onChange={(e) => setProfile(e.currentTarget.checked)}
              />
              {t.data.profileAfter}
            </label>
          )}
        </div>
        <button type="submit" disabled={running}>
          {t.data.upload}
        </button>
        <div aria-live="polite" data-testid="upload-state">
          {state.step === 'uploading' && (
            <>
              <p>{t.data.uploading(fmt.pct(state.fraction))}</p>
              <Progress value={state.fraction} label={t.data.progress} />
            </>
          )}
          {state.step === 'ingesting' && <p class="loading">{t.data.ingesting}</p>}
          {state.step === 'done' &&
            (state.record.status === 'failed' ? (
              <p class="bad-text">{t.data.failedUpload(state.record.error ?? '')}</p>
            ) : (
              <p class="ok-text">
                <Status value={state.record.status} />{' '}
                {t.data.done(fmt.int(state.record.accepted ?? 0), fmt.int(state.record.rejected ?? 0))}
              </p>
            ))}
          {state.step === 'error' && <ErrorBox error={state.error} />}
        </div>
      </form>
    </Section>
  );
}
