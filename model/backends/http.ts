import { UpstreamError } from '../../core/errors';

/** A backend's server failed, could not be reached, or answered something unusable. */
export class BackendError extends UpstreamError {}

export interface PostOptions {
  readonly headers?: Record<string, string>;
  /** The whole exchange must finish within this. */
  readonly timeoutMs: number;
  /** Names the server in error messages. */
  readonly what: string;
}

/**
 * POST a JSON body and read a JSON answer. A network failure, a timeout, a non-2xx status or a
 * body that is not JSON is a BackendError carrying the server's own error message when it gives
 * one (`{ error: { message } }` or `{ error: "..." }`, as OpenAI, llama.cpp, vLLM and TGI do).
 */
export async function postJson(url: string, body: unknown, options: PostOptions): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${options.timeoutMs} ms`
        : `${(error as Error).message}${(error as { cause?: Error }).cause ? `: ${(error as { cause: Error }).cause.message}` : ''}`;
    throw new BackendError(`${options.what} at ${url} failed: ${reason}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    throw new BackendError(
      `${options.what} at ${url} answered ${response.status}: ${errorMessage(json) ?? text.slice(0, 300)}`,
      { status: response.status },
    );
  }
  if (json === undefined) {
    throw new BackendError(
      `${options.what} at ${url} answered a body that is not JSON: ${text.slice(0, 300)}`,
    );
  }
  return json;
}

function errorMessage(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const error = (json as { error?: unknown }).error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return undefined;
}

/** A base URL without trailing slashes (and without a trailing `suffix`, such as `/v1`). */
export function baseUrlOf(url: string, suffix?: string): string {
  let out = url.trim().replace(/\/+$/, '');
  if (suffix && out.endsWith(suffix)) out = out.slice(0, -suffix.length);
  return out;
}
