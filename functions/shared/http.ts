import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import { NotFoundError, TailorError, ValidationError } from '../../core/errors';
import type { ResponseOf } from './contract';
import { logger } from './logger';
import { type ApiGroup, type RouteKey, type RouteKeyOf, routes } from './routes';
import { parseWith } from './validation';

/** What a route's use case sees: the validated body, query and path parameters. */
export interface HttpRequest<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly params: P;
  readonly requestId: string;
  /** Request headers, names in lower case (e.g. `accept-language`). */
  readonly headers: Readonly<Record<string, string>>;
}

/** A JSON answer (the default). */
export interface JsonHttpResult<R = unknown> {
  readonly statusCode?: number;
  readonly body: R;
  readonly headers?: Record<string, string>;
}

/** An answer that is not JSON: a redirect, an image, a page; built by {@link redirect}, {@link page}, {@link binary}. */
export interface RawHttpResult {
  readonly response: ApiResult;
}

/** A route's answer: JSON of its contract's type, or a raw answer (redirect, image, page). */
export type HttpResult<R = unknown> = JsonHttpResult<R> | RawHttpResult;

/** Headers that keep a tracked answer (a redirect, a pixel, a page about a token) out of every cache. */
const noStore = { 'cache-control': 'no-store, max-age=0', 'referrer-policy': 'no-referrer' };

/** A redirect (302 by default) to `location`; the body is empty. */
export function redirect(location: string, statusCode: 301 | 302 | 303 | 307 = 302): RawHttpResult {
  return { response: { statusCode, headers: { location, ...noStore }, body: '' } };
}

/** A small HTML page; the caller escapes what it interpolates (see {@link escapeHtml}). */
export function page(statusCode: number, html: string): RawHttpResult {
  return {
    response: {
      statusCode,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        ...noStore,
      },
      body: html,
    },
  };
}

/** Bytes of a content type (an image), base64-encoded as API Gateway expects. */
export function binary(statusCode: number, contentType: string, bytes: Uint8Array): RawHttpResult {
  return {
    response: {
      statusCode,
      headers: { 'content-type': contentType, 'content-length': String(bytes.length), ...noStore },
      body: Buffer.from(bytes).toString('base64'),
      isBase64Encoded: true,
    },
  };
}

/** Text made safe inside HTML elements and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface RouteSpec<B = unknown, Q = unknown, P = unknown, R = unknown> {
  readonly body?: z.ZodType<B>;
  /**
   * The body is not read (`body` is undefined): for routes that browsers and mail clients post
   * forms to, such as RFC 8058's one-click `List-Unsubscribe=One-Click`.
   */
  readonly ignoreBody?: boolean;
  readonly query?: z.ZodType<Q>;
  readonly params?: z.ZodType<P>;
  handle(request: HttpRequest<B, Q, P>): Promise<HttpResult<R>>;
}

/** Declare a route's validation and use case; the types of `handle`'s input follow the schemas. */
export function defineRoute<B = undefined, Q = Record<string, never>, P = Record<string, never>, R = unknown>(
  spec: RouteSpec<B, Q, P, R>,
): RouteSpec<B, Q, P, R> {
  return spec;
}

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** The error body every route answers with: `{ error: { code, message, details } }`. */
export function errorResponse(error: unknown): ApiResult {
  if (error instanceof TailorError && error.statusCode < 500) {
    return json(error.statusCode, {
      error: { code: error.code, message: error.message, details: error.details },
    });
  }
  // Below 500 the message is the caller's to read; above it, it stays in the log.
  logger.error('request failed', { error: error as Error });
  if (error instanceof TailorError && error.statusCode > 500) {
    return json(error.statusCode, {
      error: { code: error.code, message: 'a dependency failed; see the service log' },
    });
  }
  return json(500, { error: { code: 'InternalError', message: 'internal error; see the service log' } });
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

function parseBody(event: ApiEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`request body is not valid JSON: ${(error as Error).message}`);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a table of routes with heterogeneous schemas.
type AnyRoute = RouteSpec<any, any, any>;
/** A route whose answer is the one its contract names (`contract.ts`), checked by the compiler. */
// biome-ignore lint/suspicious/noExplicitAny: the request's types come from the route's own schemas.
type ContractRoute<K extends RouteKey> = RouteSpec<any, any, any, ResponseOf<K>>;

/**
 * The HTTP function of one group: dispatches on API Gateway's `routeKey`, validates with the
 * route's schemas, and maps every error to the JSON error body in one place.
 */
export function httpApi<G extends ApiGroup>(
  group: G,
  implementations: { [K in RouteKeyOf<G>]: ContractRoute<K> },
) {
  const table = implementations as Record<string, AnyRoute>;
  const dispatch = async (event: ApiEvent, _context: Context): Promise<ApiResult> => {
    const routeKey = event.routeKey;
    const spec = table[routeKey];
    if (!spec || routes[routeKey as keyof typeof routes]?.group !== group) {
      throw new NotFoundError(`no route ${routeKey}`);
    }
    const body = spec.ignoreBody
      ? undefined
      : spec.body
        ? parseWith(spec.body, parseBody(event), 'body')
        : parseBody(event);
    const query = spec.query ? parseWith(spec.query, event.queryStringParameters ?? {}, 'query') : {};
    const params = spec.params ? parseWith(spec.params, event.pathParameters ?? {}, 'path') : {};
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) {
      if (value !== undefined) headers[name.toLowerCase()] = value;
    }
    const result = await spec.handle({
      body,
      query,
      params,
      headers,
      requestId: event.requestContext.requestId,
    });
    if ('response' in result) return result.response;
    return json(result.statusCode ?? 200, result.body, result.headers);
  };
  return middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: async (request) => {
        request.response = errorResponse(request.error);
      },
    })
    .handler(dispatch);
}
