/**
 * The console's shell: configuration, language, authentication, navigation and the pages
 * (hash routes, so the static hosting needs no rewrites). The overview ships in the first
 * chunk; every other page, and the chart library, loads on first visit.
 */
import './styles.css';
import type { ComponentType } from 'preact';
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type ConsoleConfig, consoleApi, loadConfig, session } from './api';
import { dictionaries, formatters, initialLang, type Lang } from './i18n';
import { Overview } from './pages/overview';
import { type AppContext, Ctx, ErrorBox, Loading, useApp } from './ui';

type PageProps = { params: string[]; query: URLSearchParams };
type PageModule = { default: ComponentType<PageProps> };

const lazyPages: Record<string, () => Promise<PageModule>> = {
  data: () => import('./pages/data'),
  segments: () => import('./pages/segments'),
  segment: () => import('./pages/segment'),
  generate: () => import('./pages/generate'),
  campaigns: () => import('./pages/campaigns'),
  campaign: () => import('./pages/campaign'),
  models: () => import('./pages/models'),
};

interface Route {
  readonly page: string;
  readonly nav: string;
  readonly params: string[];
  readonly query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(search);
  const [first = 'overview', second] = parts;
  if (first === 'segments' && second) return { page: 'segment', nav: 'segments', params: [second], query };
  if (first === 'campaigns' && second) return { page: 'campaign', nav: 'campaigns', params: [second], query };
  const known = ['overview', 'data', 'segments', 'generate', 'campaigns', 'models'];
  const page = known.includes(first) ? first : 'overview';
  return { page, nav: page, params: [], query };
}

function useHashRoute(): Route {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return useMemo(() => parseRoute(hash), [hash]);
}

function LazyPage({ name, props }: { name: string; props: PageProps }) {
  const [mod, setMod] = useState<{ name: string; page: PageModule } | { name: string; error: Error }>();
  useEffect(() => {
    let live = true;
    lazyPages[name]?.().then(
      (page) => live && setMod({ name, page }),
      (error: Error) => live && setMod({ name, error }),
    );
    return () => {
      live = false;
    };
  }, [name]);
  if (!mod || mod.name !== name) return <Loading />;
  if ('error' in mod) return <ErrorBox error={mod.error} />;
  const Page = mod.page.default;
  return <Page {...props} />;
}

function AuthPanel({ config }: { config: ConsoleConfig }) {
  const { t } = useApp();
  const [token, setToken] = useState(session.token());
  const [credentials, setCredentials] = useState(
    session.credentials() ?? { accessKeyId: '', secretAccessKey: '', sessionToken: '' },
  );
  const [saved, setSaved] = useState(false);
  if (config.auth === 'none') return null;
  const onSubmit = (event: Event) => {
    event.preventDefault();
    if (config.auth === 'jwt') session.setToken(token.trim());
    else session.setCredentials(credentials.accessKeyId ? credentials : undefined);
    setSaved(true);
  };
  return (
    <form class="auth" onSubmit={onSubmit}>
      {config.auth === 'jwt' ? (
        <label class="field">
          <span class="field-label">{t.auth.token}</span>
          <input
            type="password"
            autocomplete="off"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
          <span class="hint">{t.auth.tokenHint}</span>
        </label>
      ) : (
        <>
          {(['accessKeyId', 'secretAccessKey', 'sessionToken'] as const).map((key) => (
            <label class="field" key={key}>
              <span class="field-label">{t.auth[key]}</span>
              <input
                {...(key === 'accessKeyId' ? { type: 'text' as const } : { type: 'password' as const })}
                autocomplete="off"
                value={credentials[key] ?? ''}
                onInput={(e) => setCredentials({ ...credentials, [key]: e.currentTarget.value })}
              />
            </label>
          ))}
          <span class="hint">{t.auth.iamHint}</span>
        </>
      )}
      <button type="submit">{t.auth.save}</button>
      {saved && (
        <span role="status" class="hint">
          {t.auth.saved}
        </span>
      )}
    </form>
  );
}

const navItems = ['overview', 'data', 'segments', 'generate', 'campaigns', 'models'] as const;

function Shell({ config, lang, setLang }: { config: ConsoleConfig; lang: Lang; setLang: (l: Lang) => void }) {
  const route = useHashRoute();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  const app: AppContext = useMemo(
    () => ({
      api: consoleApi(config),
      lang,
      t: dictionaries[lang],
      fmt: formatters(lang),
      navigate: (hash: string) => {
        window.location.hash = hash;
      },
    }),
    [config, lang],
  );
  const { t } = app;
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = `${t.nav[route.nav as keyof typeof t.nav] ?? ''} · ${t.appName}`;
  }, [lang, route.nav, t]);
  // After navigating, move focus to the page so keyboard and screen reader users start there.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [route.page, route.params[0]]);
  const props = { params: route.params, query: route.query };
  return (
    <Ctx.Provider value={app}>
      <button type="button" class="skip" onClick={() => main.current?.focus()}>
        {t.skipToContent}
      </button>
      <header class="top">
        <a class="brand" href="#/">
          {t.appName}
        </a>
        <nav aria-label={t.nav.label}>
          <ul>
            {navItems.map((item) => (
              <li key={item}>
                <a
                  href={`#/${item === 'overview' ? '' : item}`}
                  aria-current={route.nav === item ? 'page' : undefined}
                >
                  {t.nav[item]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <label class="lang">
          <span>{t.language}</span>
          <select
            value={lang}
            onChange={(e) => setLang(e.currentTarget.value as Lang)}
            data-testid="language"
          >
            <option value="en">{t.languageNames.en}</option>
            <option value="zh">{t.languageNames.zh}</option>
          </select>
        </label>
      </header>
      <AuthPanel config={config} />
      <main id="main" ref={main} tabIndex={-1}>
        {route.page === 'overview' ? <Overview /> : <LazyPage name={route.page} props={props} />}
      </main>
    </Ctx.Provider>
  );
}

function App() {
  const [config, setConfig] = useState<ConsoleConfig>();
  const [lang, setLangState] = useState<Lang>(() =>
    initialLang(localStorage.getItem('tailor.lang'), navigator.languages ?? [navigator.language]),
  );
  useEffect(() => {
    loadConfig().then(setConfig);
  }, []);
  const setLang = (next: Lang) => {
    localStorage.setItem('tailor.lang', next);
    setLangState(next);
  };
  if (!config) return null;
  return <Shell config={config} lang={lang} setLang={setLang} />;
}

const root = document.getElementById('app');
if (root) render(<App />, root);
