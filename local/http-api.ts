import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { matchRoute } from '../functions/shared/routes';
import type { LocalFunctions } from './lambdas';
import { closeServer, listen } from './net';

const maxBodyBytes = 10 * 1024 * 1024; // API Gateway's payload limit
const textTypes = /^(application\/(json|x-ndjson|x-www-form-urlencoded|xml)|text\/)/;

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...extra });
  res.end(JSON.stringify(body));
}

const corsHeaders = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET,POST,PUT,DELETE,OPTIONS',
  'access-control-allow-headers': 'content-type,authorization,x-amz-date,x-amz-security-token',
};

/** An API Gateway HTTP API (payload format 2.0) in front of the local functions, on the shared route table. */
export class LocalHttpApi {
  private server: Server | undefined;

  constructor(
    private readonly functions: LocalFunctions,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  async listen(host: string, port: number): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => {
        this.log(`api: ${error.message}`);
        if (!res.headersSent)
          sendJson(res, 500, { error: { code: 'InternalError', message: 'internal error' } });
      });
    });
    return listen(this.server, host, port, 'the HTTP API');
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'OPTIONS') {
      res.writeHead(204, corsHeaders);
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBodyBytes) {
        sendJson(
          res,
          413,
          { error: { code: 'PayloadTooLarge', message: 'request body is over 10 MB' } },
          corsHeaders,
        );
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const matched = matchRoute(method, url.pathname);
    if (!matched.route) {
      const message = `no route ${method} ${url.pathname}`;
      sendJson(res, 404, { error: { code: 'NotFound', message } }, corsHeaders);
      return;
    }
    const fn = this.functions.apiFunction(matched.route.group);
    if (!fn) throw new Error(`no API function for group ${matched.route.group}`);
    const event = toApiEvent(req, url, method, matched.route.key, matched.params, Buffer.concat(chunks));
    const result = (await this.functions.invoke(fn.arn, event)) as APIGatewayProxyStructuredResultV2;
    const body = result.body
      ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8')
      : Buffer.alloc(0);
    const headers: Record<string, string | string[]> = { ...corsHeaders };
    for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
    if (result.cookies?.length) headers['set-cookie'] = result.cookies;
    res.writeHead(result.statusCode ?? 200, headers);
    res.end(body);
    this.log(
      `${method} ${url.pathname} ${result.statusCode ?? 200} ${Math.round(performance.now() - started)} ms`,
    );
  }
}

function toApiEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  routeKey: string,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const isText = textTypes.test(headers['content-type'] ?? 'application/json');
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    cookies: headers['cookie']?.split(';').map((c) => c.trim()),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers['host'] ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? body.toString(isText ? 'utf8' : 'base64') : undefined,
    isBase64Encoded: body.length > 0 && !isText,
  };
}
