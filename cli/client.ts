import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** Where the CLI sends its requests, and how it authenticates. */
export interface ApiTarget {
  readonly url: string;
  /** A JWT for an API deployed with the JWT authorizer. */
  readonly token?: string;
  /** Sign with SigV4 (the IAM authorizer), using the AWS credentials of the environment. */
  readonly sigv4?: { region: string };
}

/** An error answered by the API: its status and the `{ error: { code, message } }` body. */
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

export class ApiClient {
  constructor(readonly target: ApiTarget) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.target.url.endsWith('/') ? this.target.url : `${this.target.url}/`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = { accept: 'application/json', host: url.host };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (this.target.token) headers['authorization'] = `Bearer ${this.target.token}`;
    if (this.target.sigv4) headers = await this.sign(method, url, headers, payload);
    let response: Response;
    try {
      const { host: _host, ...sent } = headers;
      response = await fetch(url, { method, headers: sent, body: payload });
    } catch (error) {
      throw new ApiError(
        0,
        'Unreachable',
        `cannot reach ${url.origin}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}. Is \`tailor start\` running, or is --api right?`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { error: { code: 'NotJson', message: text.slice(0, 500) } };
    }
    if (!response.ok) {
      const error =
        (parsed as { error?: { code?: string; message?: string; details?: unknown }; message?: string }) ??
        {};
      throw new ApiError(
        response.status,
        error.error?.code ?? String(response.status),
        error.error?.message ?? error.message ?? response.statusText,
        error.error?.details,
      );
    }
    return parsed as T;
  }

  private async sign(method: string, url: URL, headers: Record<string, string>, body?: string) {
    const region = this.target.sigv4?.region ?? 'us-east-1';
    const signer = new SignatureV4({
      service: 'execute-api',
      region,
      credentials: fromNodeProviderChain(),
      sha256: Sha256,
    });
    const signed = await signer.sign(
      new HttpRequest({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body,
      }),
    );
    return signed.headers as Record<string, string>;
  }
}
