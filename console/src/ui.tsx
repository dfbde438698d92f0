/**
 * Shared building blocks: the app context (API client, language, formatting), data loading
 * with loading / error / empty states, status badges, tables and the lazily loaded chart.
 */
import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { type Api, ApiError } from './api';
import type { Format, Lang, Strings } from './i18n';

export interface AppContext {
  readonly api: Api;
  readonly lang: Lang;
  readonly t: Strings;
  readonly fmt: Format;
  readonly navigate: (hash: string) => void;
}

export const Ctx = createContext<AppContext | undefined>(undefined);

export function useApp(): AppContext {
  const app = useContext(Ctx);
  if (!app) throw new Error('useApp outside the app');
  return app;
}

export type Loaded<T> =
  | { readonly state: 'loading'; readonly data?: T }
  | { readonly state: 'ok'; readonly data: T }
  | { readonly state: 'error'; readonly error: Error; readonly data?: T };

/**
 * Load data when the component mounts or `deps` change; `reload()` loads again keeping the
 * data on screen meanwhile. With `pollMs`, reloads while `poll(data)` says work is under way.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
  options: { pollMs?: number; poll?: (data: T) => boolean } = {},
): Loaded<T> & { reload: () => void } {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const call = ++latest.current;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setResult((r) => (r.state === 'ok' ? r : { state: 'loading', data: r.data }));
    load().then(
      (data) => {
        if (call !== latest.current) return;
        setResult({ state: 'ok', data });
        if (options.pollMs && options.poll?.(data))
          timer = setTimeout(() => setTick((n) => n + 1), options.pollMs);
      },
      (error: Error) => {
        if (call === latest.current) setResult((r) => ({ state: 'error', error, data: r.data }));
      },
    );
    return () => clearTimeout(timer);
  }, [...deps, tick]);
  return { ...result, reload: () => setTick((n) => n + 1) };
}

export function Loading() {
  const { t } = useApp();
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {t.common.loading}
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const { t } = useApp();
  const status = error instanceof ApiError && error.status > 0 ? ` (${error.status} ${error.code})` : '';
  return (
    <div class="error" role="alert">
      <strong>
        {t.common.error}
        {status}
      </strong>
      <p>{error.message}</p>
      {retry && (
        <button type="button" onClick={retry}>
          {t.common.retry}
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** Render loaded data, or the loading / error state; `isEmpty` data shows `empty`. */
export function Show<T>({
  loaded,
  children,
  isEmpty,
  empty,
}: {
  loaded: Loaded<T> & { reload: () => void };
  children: (data: T) => ComponentChildren;
  isEmpty?: (data: T) => boolean;
  empty?: ComponentChildren;
}) {
  if (loaded.state === 'error') return <ErrorBox error={loaded.error} retry={loaded.reload} />;
  if (loaded.state === 'loading' && loaded.data === undefined) return <Loading />;
  const data = loaded.data as T;
  if (isEmpty?.(data)) return <Empty>{empty}</Empty>;
  return <>{children(data)}</>;
}

const badgeKinds: Record<string, string> = {
  succeeded: 'ok',
  active: 'ok',
  winner: 'ok',
  failed: 'bad',
  loser: 'bad',
  degraded: 'bad',
  duplicate: 'warn',
  paused: 'warn',
  stopped: 'warn',
  ended: 'muted',
};

export function Status({ value }: { value: string | undefined }) {
  const { t } = useApp();
  if (!value) return <span class="badge muted">–</span>;
  return <span class={`badge ${badgeKinds[value] ?? 'busy'}`}>{t.statuses[value] ?? value}</span>;
}

export function Section({
  title,
  children,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  const id = `s-${title.replace(/[^\p{L}\p{N}]+/gu, '-')}`;
  return (
    <section class="card" aria-labelledby={id}>
      <header class="card-head">
        <h2 id={id}>{title}</h2>
        {actions && <div class="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div class="stat">
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
      {hint && <div class="stat-hint">{hint}</div>}
    </div>
  );
}

/** A progress bar with its value in words for screen readers. */
export function Progress({ value, label }: { value: number; label: string }) {
  const { fmt } = useApp();
  return (
    <div class="progress-wrap">
      <progress max={1} value={value} aria-label={label} />
      <span>{fmt.pct(value)}</span>
    </div>
  );
}

// biome-ignore lint/suspicious/noExplicitAny: chart options are ECharts' own loose object type.
export type ChartOption = Record<string, any>;

/**
 * An ECharts chart, loaded on first use (the library is a separate chunk). The container is
 * labelled with the chart's title; the data it draws is also in the page as text or a table.
 */
export function Chart({
  title,
  option,
  height = 280,
}: {
  title: string;
  option: ChartOption;
  height?: number;
}) {
  const { t, lang } = useApp();
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<
    | { setOption: (o: ChartOption, notMerge: boolean) => void; dispose: () => void; resize: () => void }
    | undefined
  >(undefined);
  const [failed, setFailed] = useState<Error>();
  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | undefined;
    import('./charts').then(
      ({ init }) => {
        if (disposed || !el.current) return;
        chart.current = init(el.current, lang);
        chart.current.setOption(option, true);
        observer = new ResizeObserver(() => chart.current?.resize());
        observer.observe(el.current);
      },
      (error: Error) => setFailed(error),
    );
    return () => {
      disposed = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = undefined;
    };
  }, [lang]);
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);
  if (failed) return <ErrorBox error={failed} />;
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={el} role="img" aria-label={t.common.chartOf(title)} style={{ height: `${height}px` }} />
    </figure>
  );
}

/** A labelled form field: the label wraps the control, so clicking the text focuses it. */
export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the children, inside the label.
    <label class="field">
      <span class="field-label">{label}</span>
      {children}
      {hint && <span class="hint">{hint}</span>}
    </label>
  );
}

export const splitIds = (text: string) =>
  text
    .split(/[,\s，]+/)
    .map((s) => s.trim())
    .filter(Boolean);
