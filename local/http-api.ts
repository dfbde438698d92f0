import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { matchRoute } from '../functions/shared/routes';
import { projectRoot } from '../lib/constructs/tailor-function';
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

/** Content types of the files a Vite build writes. */
export const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** What CloudFront's response headers policy sends for the deployed console, locally too. */
const consoleHeaders = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/** Where the console's build lands (`npm run build:console`). */
export const defaultConsoleDir = () => join(projectRoot(), 'console', 'dist');

const notBuiltPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tailor console not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The Tailor console is not built</h1>
<p>Build it with <code>npm run build:console</code> (<code>npm start</code> builds it), then reload this page.</p>
<p>The HTTP API answers on this origin meanwhile, e.g. <a href="/health">/health</a>.</p>
</body></html>`;

export interface LocalHttpApiOptions {
  /** The built console served at `/`; default `console/dist` of the repository. */
  readonly consoleDir?: string;
  /** Where the local system keeps its data, reported in `/config.json` for local tools (`tailor demo`). */
  readonly local?: { readonly s3: string; readonly bucket: string };
}

/**
 * An API Gateway HTTP API (payload format 2.0) in front of the local functions, on the shared
 * route table. It also serves the built web console at `/` of the same origin: API routes
 * first, then the console's files, then `index.html` for any other GET that accepts HTML
 * (the single-page app's fallback); `/config.json` tells the console to call this origin
 * without authentication (the local API has no authorizer).
 */
export class LocalHttpApi {
  private server: Server | undefined;
  private readonly consoleDir: string;

  constructor(
    private readonly functions: LocalFunctions,
    private readonly log: (line: string) => void = () => undefined,
    options: LocalHttpApiOptions = {},
  ) {
    this.consoleDir = resolve(options.consoleDir ?? defaultConsoleDir());
    this.local = options.local;
  }
  private readonly local: LocalHttpApiOptions['local'];

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
    if (!matched.route && (method === 'GET' || method === 'HEAD')) {
      if (await this.serveConsole(req, res, url, method)) return;
    }
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

  /** Serve a console file, its config, or the SPA fallback; false when the request is not one. */
  private async serveConsole(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
  ): Promise<boolean> {
    const send = (status: number, type: string, body: string | Buffer, cache: string) => {
      res.writeHead(status, {
        'content-type': type,
        'content-length': Buffer.byteLength(body),
        'cache-control': cache,
        ...consoleHeaders,
      });
      res.end(method === 'HEAD' ? undefined : body);
      return true;
    };
    if (url.pathname === '/config.json') {
      return send(
        200,
        contentTypes['.json']!,
        JSON.stringify({ apiUrl: '', auth: 'none', local: this.local }),
        'no-store',
      );
    }
    const file = await this.consoleFile(url.pathname);
    if (file) {
      const body = await readFile(file);
      const immutable = file.includes(`${sep}assets${sep}`);
      const type = contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
      return send(200, type, body, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    const wantsHtml = (req.headers.accept ?? '').includes('text/html');
    if (!wantsHtml) return false;
    const index = join(this.consoleDir, 'index.html');
    if (!existsSync(index)) return send(503, contentTypes['.html']!, notBuiltPage, 'no-store');
    return send(200, contentTypes['.html']!, await readFile(index), 'no-cache');
  }

  /** The file under the console folder a path names (`/` is index.html); never one outside it. */
  private async consoleFile(pathname: string): Promise<string | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0')) return undefined;
    const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
    const file = resolve(this.consoleDir, relative);
    if (file !== this.consoleDir && !file.startsWith(this.consoleDir + sep)) return undefined;
    try {
      return (await stat(file)).isFile() ? file : undefined;
    } catch {
      return undefined;
    }
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
