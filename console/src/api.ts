/**
 * The console's side of the one API client (`functions/shared/api-client.ts`, shared with the
 * CLI). Where the API is and how to authenticate come from `config.json` next to `index.html`
 * (written by the console stack when deployed, answered by the local HTTP API locally); the JWT
 * and the temporary AWS credentials for SigV4 come from this browser session. Every error the
 * API answers is thrown as an ApiError carrying the API's own message, so pages show what the
 * API said.
 */
import { ApiClient, ApiError } from '../../functions/shared/api-client';

export { ApiError };
/** The API as pages call it: one method per route, typed by the contract. */
export type Api = ApiClient;

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

/** The API client of this console: same-origin or `apiUrl`, with the session's JWT or SigV4 credentials. */
export function consoleApi(config: ConsoleConfig): Api {
  return new ApiClient({
    url: config.apiUrl,
    token: config.auth === 'jwt' ? () => session.token() : undefined,
    sigv4:
      config.auth === 'iam'
        ? { region: config.region ?? 'us-east-1', credentials: () => session.credentials() }
        : undefined,
  });
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
