/**
 * The console's API client. Where the API is and how to authenticate come from `config.json`
 * next to `index.html` (written by the console stack when deployed, answered by the local HTTP
 * API locally). Every error the API answers is thrown as an ApiError carrying the API's own
 * message, so pages show what the API said.
 */
import type {
  Campaign,
  CampaignBody,
  CampaignState,
  CreatedUpload,
  CreateUploadBody,
  GenerateBody,
  GenerateResult,
  Health,
  ModelsResult,
  OptimizationRecord,
  PredictBody,
  PredictResult,
  RunRecord,
  Segment,
  StoredRule,
  Strategy,
  UploadRecord,
} from './types';

export type AuthMode = 'none' | 'jwt' | 'iam';

export interface ConsoleConfig {
  /** Base URL of the HTTP API; empty: this page's origin. */
  readonly apiUrl: string;
  readonly auth: AuthMode;
  /** Region of the API, for SigV4 signing (IAM). */
  readonly region?: string;
}

export interface IamCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

const tokenKey = 'tailor.token';
const credentialsKey = 'tailor.credentials';

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

export async function loadConfig(): Promise<ConsoleConfig> {
  try {
    const res = await fetch('config.json', { cache: 'no-store' });
    if (!res.ok) return { apiUrl: '', auth: 'none' };
    const raw = (await res.json()) as Partial<ConsoleConfig>;
    const auth: AuthMode = raw.auth === 'jwt' || raw.auth === 'iam' ? raw.auth : 'none';
    return { apiUrl: String(raw.apiUrl ?? '').replace(/\/+$/, ''), auth, region: raw.region };
  } catch {
    return { apiUrl: '', auth: 'none' };
  }
}

export const session = {
  token: () => sessionStorage.getItem(tokenKey) ?? '',
  setToken: (token: string) =>
    token ? sessionStorage.setItem(tokenKey, token) : sessionStorage.removeItem(tokenKey),
  credentials: (): IamCredentials | undefined => {
    const raw = sessionStorage.getItem(credentialsKey);
    return raw ? (JSON.parse(raw) as IamCredentials) : undefined;
  },
  setCredentials: (credentials: IamCredentials | undefined) =>
    credentials
      ? sessionStorage.setItem(credentialsKey, JSON.stringify(credentials))
      : sessionStorage.removeItem(credentialsKey),
};

/** Turn any failed answer into an ApiError with the API's message (or the status text). */
async function failure(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error?.message) {
      return new ApiError(res.status, body.error.code ?? 'Error', body.error.message, body.error.details);
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(
    res.status,
    'HttpError',
    `${res.status} ${res.statusText || text.slice(0, 200)}`.trim(),
  );
}

async function signedHeaders(
  config: ConsoleConfig,
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<Record<string, string>> {
  const credentials = session.credentials();
  if (!credentials)
    throw new ApiError(401, 'Unauthorized', 'enter temporary AWS credentials to sign requests');
  const [{ SignatureV4 }, { Sha256 }] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@aws-crypto/sha256-js'),
  ]);
  const signer = new SignatureV4({
    service: 'execute-api',
    region: config.region ?? 'us-east-1',
    credentials,
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers: { ...headers, host: url.host },
    body,
  });
  const { host: _host, ...rest } = signed.headers as Record<string, string>;
  return rest;
}

export class Api {
  constructor(readonly config: ConsoleConfig) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(`${this.config.apiUrl}${path}`, window.location.href);
    let headers: Record<string, string> = { accept: 'application/json' };
    const text = body === undefined ? undefined : JSON.stringify(body);
    if (text !== undefined) headers['content-type'] = 'application/json';
    if (this.config.auth === 'jwt' && session.token()) headers['authorization'] = `Bearer ${session.token()}`;
    if (this.config.auth === 'iam') headers = await signedHeaders(this.config, method, url, headers, text);
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: text });
    } catch (error) {
      throw new ApiError(
        0,
        'NetworkError',
        `the API at ${url.origin} did not answer (${(error as Error).message})`,
      );
    }
    if (!res.ok) throw await failure(res);
    return (await res.json()) as T;
  }

  health = () => this.request<Health>('GET', '/health');
  uploads = (limit = 50) => this.request<{ uploads: UploadRecord[] }>('GET', `/uploads?limit=${limit}`);
  upload = (id: string) => this.request<UploadRecord>('GET', `/uploads/${encodeURIComponent(id)}`);
  createUpload = (body: CreateUploadBody) => this.request<CreatedUpload>('POST', '/uploads', body);
  runs = (limit = 20) => this.request<{ runs: RunRecord[] }>('GET', `/profiles/runs?limit=${limit}`);
  run = (id: string) => this.request<RunRecord>('GET', `/profiles/runs/${encodeURIComponent(id)}`);
  startRun = () => this.request<RunRecord>('POST', '/profiles/runs', {});
  segments = () => this.request<{ segments: Segment[] }>('GET', '/segments');
  segment = (id: string) =>
    this.request<Segment & { strategy: Strategy | null }>('GET', `/segments/${encodeURIComponent(id)}`);
  rules = (productId?: string, limit = 20) =>
    this.request<{ productId: string | null; rules: StoredRule[] }>(
      'GET',
      `/rules?limit=${limit}${productId ? `&productId=${encodeURIComponent(productId)}` : ''}`,
    );
  generate = (body: GenerateBody) => this.request<GenerateResult>('POST', '/generate', body);
  predict = (body: PredictBody) => this.request<PredictResult>('POST', '/predict', body);
  models = () => this.request<ModelsResult>('GET', '/models');
  campaigns = (limit = 50) => this.request<{ campaigns: Campaign[] }>('GET', `/campaigns?limit=${limit}`);
  campaign = (id: string) => this.request<CampaignState>('GET', `/campaigns/${encodeURIComponent(id)}`);
  createCampaign = (body: CampaignBody) => this.request<Campaign>('POST', '/campaigns', body);
  startOptimize = (campaignIds?: string[]) =>
    this.request<OptimizationRecord>('POST', '/optimize/runs', campaignIds ? { campaignIds } : {});
  optimization = (runId: string) =>
    this.request<OptimizationRecord>('GET', `/optimize/runs/${encodeURIComponent(runId)}`);
}

/**
 * PUT a file to a presigned URL with upload progress (fetch has none for request bodies).
 * Resolves on 2xx; rejects with the storage's answer otherwise.
 */
export function putWithProgress(
  url: string,
  file: Blob,
  onProgress: (fraction: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else {
        const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText)?.[1];
        const message = /<Message>([^<]+)<\/Message>/.exec(xhr.responseText)?.[1];
        reject(new ApiError(xhr.status, code ?? 'UploadFailed', message ?? `storage answered ${xhr.status}`));
      }
    };
    xhr.onerror = () =>
      reject(new ApiError(0, 'NetworkError', `the storage at ${new URL(url).origin} did not answer (CORS?)`));
    xhr.send(file);
  });
}
