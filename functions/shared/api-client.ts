/**
 * The one client of the HTTP API, used by the CLI and the web console. Every call names a route
 * of the route table and is typed by its contract (`contract.ts`): what it takes, what it
 * answers. Every failed answer is thrown as an ApiError carrying the API's own
 * `{ error: { code, message, details } }`.
 *
 * It runs in Node and in the browser: it uses `fetch` only, and what differs between the two is
 * injected: the headers of a JWT, the credentials of SigV4 signing (the CLI's come from the
 * Node provider chain, the console's from the session), the words of an unreachable API. The
 * SigV4 signer is loaded on first use, so a console that does not sign never downloads it.
 */
import type { BodyOf, QueryOf, RequestOf, ResponseOf } from './contract';
import type { RouteKey } from './routes';

/** An error answered by the API (status 0: it did not answer): its status, code, message and details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** AWS credentials for SigV4, or a function that resolves them (as the AWS SDK's providers do). */
export type Credentials = {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
};
export type CredentialSource = Credentials | (() => Promise<Credentials>);

export interface ApiClientOptions {
  /** Base URL of the API; relative URLs resolve against `location` in a browser. */
  readonly url: string;
  /** A JWT for an API deployed with the JWT authorizer (read at every call). */
  readonly token?: () => string | undefined;
  /** Sign every request with SigV4 (the IAM authorizer); credentials are read at every call. */
  readonly sigv4?: { readonly region: string; readonly credentials: () => CredentialSource | undefined };
  /** The message of an ApiError(0) when the API does not answer. */
  readonly unreachable?: (origin: string, reason: string) => string;
}

/** Sign a request with SigV4 for API Gateway (`execute-api`); answers the headers to send. */
export async function signRequest(
  request: { method: string; url: URL; headers: Record<string, string>; body?: string },
  region: string,
  credentials: CredentialSource,
): Promise<Record<string, string>> {
  const [{ SignatureV4 }, { Sha256 }] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@aws-crypto/sha256-js'),
  ]);
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  const { url } = request;
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...request.headers, host: url.host },
    body: request.body,
  });
  // fetch sets Host itself (and refuses to be told).
  const { host: _host, ...headers } = signed.headers as Record<string, string>;
  return headers;
}

/** The route's path with its `{name}` parameters filled in (each encoded). */
export function routePath(route: RouteKey, params: Record<string, string> = {}): string {
  const path = route.slice(route.indexOf(' ') + 1);
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new Error(`${route}: path parameter ${name} is missing`);
    return encodeURIComponent(value);
  });
}

/** Turn a failed answer into an ApiError with the API's message (or the status and text). */
function failure(status: number, statusText: string, text: string): ApiError {
  try {
    const body = JSON.parse(text) as {
      error?: { code?: string; message?: string; details?: unknown };
      message?: string;
    };
    if (body.error?.message) {
      return new ApiError(status, body.error.code ?? String(status), body.error.message, body.error.details);
    }
    // API Gateway's own answers (an authorizer's 401/403) are `{ message }`.
    if (body.message) return new ApiError(status, String(status), body.message);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(status, String(status), `${status} ${statusText || text.slice(0, 200)}`.trim());
}

const defaultUnreachable = (origin: string, reason: string) =>
  `the API at ${origin} did not answer (${reason})`;

export class ApiClient {
  private readonly base: string;

  constructor(readonly options: ApiClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /** Call one route of the contract. */
  async call<K extends RouteKey>(route: K, request: RequestOf<K>): Promise<ResponseOf<K>> {
    const { params, query, body } = request as {
      params?: Record<string, string>;
      query?: Record<string, unknown>;
      body?: unknown;
    };
    const method = route.slice(0, route.indexOf(' '));
    // In a browser a relative base (the console's same-origin API) resolves against the page.
    const base = (globalThis as { location?: { href: string } }).location?.href;
    const url = new URL(`${this.base}${routePath(route, params)}`, base);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const token = this.options.token?.();
    if (token) headers['authorization'] = `Bearer ${token}`;
    const sigv4 = this.options.sigv4;
    if (sigv4) {
      const credentials = sigv4.credentials();
      if (!credentials)
        throw new ApiError(401, 'Unauthorized', 'enter temporary AWS credentials to sign requests');
      headers = await signRequest({ method, url, headers, body: payload }, sigv4.region, credentials);
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: payload });
    } catch (error) {
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new ApiError(
        0,
        'Unreachable',
        (this.options.unreachable ?? defaultUnreachable)(url.origin, reason),
      );
    }
    const text = await response.text();
    if (!response.ok) throw failure(response.status, response.statusText, text);
    try {
      return (text ? JSON.parse(text) : undefined) as ResponseOf<K>;
    } catch {
      throw new ApiError(
        response.status,
        'NotJson',
        `${route} answered something that is not JSON: ${text.slice(0, 200)}`,
      );
    }
  }

  // The routes by name, for readable call sites. Each is one line on `call`.
  health = () => this.call('GET /health', {});
  postEvents = (body: BodyOf<'POST /events'>) => this.call('POST /events', { body });
  postProducts = (body: BodyOf<'POST /products'>) => this.call('POST /products', { body });
  createUpload = (body: BodyOf<'POST /uploads'>) => this.call('POST /uploads', { body });
  uploads = (limit = 50) => this.call('GET /uploads', { query: { limit } });
  upload = (id: string) => this.call('GET /uploads/{id}', { params: { id } });
  startRun = (body: BodyOf<'POST /profiles/runs'> = {}) => this.call('POST /profiles/runs', { body });
  runs = (limit = 20) => this.call('GET /profiles/runs', { query: { limit } });
  run = (id: string) => this.call('GET /profiles/runs/{id}', { params: { id } });
  profile = (userId: string) => this.call('GET /profiles/{userId}', { params: { userId } });
  segments = () => this.call('GET /segments', {});
  segment = (id: string) => this.call('GET /segments/{id}', { params: { id } });
  rules = (query: QueryOf<'GET /rules'> = {}) => this.call('GET /rules', { query });
  generate = (body: BodyOf<'POST /generate'>) => this.call('POST /generate', { body });
  predict = (body: BodyOf<'POST /predict'>) => this.call('POST /predict', { body });
  models = () => this.call('GET /models', {});
  campaigns = (limit = 50) => this.call('GET /campaigns', { query: { limit } });
  campaign = (id: string) => this.call('GET /campaigns/{id}', { params: { id } });
  createCampaign = (body: BodyOf<'POST /campaigns'>) => this.call('POST /campaigns', { body });
  decision = (id: string, query: QueryOf<'GET /campaigns/{id}/decision'>) =>
    this.call('GET /campaigns/{id}/decision', { params: { id }, query });
  report = (id: string, language?: 'en' | 'zh') =>
    this.call('GET /campaigns/{id}/report', { params: { id }, query: { language } });
  feedback = (body: BodyOf<'POST /feedback'>) => this.call('POST /feedback', { body });
  startOptimize = (body: BodyOf<'POST /optimize/runs'> = {}) => this.call('POST /optimize/runs', { body });
  optimization = (runId: string) => this.call('GET /optimize/runs/{id}', { params: { id: runId } });
}
