/**
 * The local SageMaker endpoint: a node:http server that answers the SageMaker Runtime protocol
 * exactly as `@aws-sdk/client-sagemaker-runtime` calls it when the client's `endpoint` is this
 * server's URL, with a generation backend standing in for the serving container.
 *
 *   POST /endpoints/{EndpointName}/invocations   InvokeEndpoint (the SDK's path)
 *   POST /invocations                            the container's own route (TGI's wire format)
 *   GET  /ping                                   the container's health check
 *
 * Errors follow SageMaker: an unknown endpoint is a 400 `ValidationError`; a request the
 * container rejects (not JSON, not a chat request, no data block) is a 424 `ModelError` whose
 * `OriginalStatusCode` is the container's 422, as SageMaker reports a TGI validation error.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TailorError } from '../core/errors';
import { type GenerationBackend, ModelBusyError } from './backend';
import { type ChatResponse, chatRequestSchema, modelContentType } from './contract';

export type { GenerationBackend } from './backend';
export {
  backendFromConfig,
  llamaCppServerBackend,
  openaiCompatibleBackend,
} from './backends';
export { embeddedBackend } from './embedded';

/** SageMaker's limit on an invocation's payload. */
const maxPayloadBytes = 6 * 1024 * 1024;
const productionVariant = 'AllTraffic';

export interface ModelServerOptions {
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** When set, invocations of any other endpoint name are rejected as SageMaker does. */
  readonly endpointName?: string;
  readonly backend: GenerationBackend;
  /** The account and region SageMaker's error messages name. */
  readonly accountId?: string;
  readonly region?: string;
}

export interface ModelServer {
  /** Base URL for the SDK client's `endpoint`, e.g. http://127.0.0.1:50123 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** What the serving container answered. */
interface ContainerResult {
  readonly status: number;
  readonly body: string;
}

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const { host = '127.0.0.1', port = 0, backend } = options;
  const accountId = options.accountId ?? '000000000000';
  const region = options.region ?? 'us-east-1';

  await backend.load?.();
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'InternalFailure', { message: (error as Error).message });
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/ping') {
      send(res, 200, JSON.stringify({ status: 'Healthy', backend: backend.name }));
      return;
    }
    if (req.method === 'POST' && path === '/invocations') {
      const body = await readBody(req, res);
      if (body === undefined) return;
      const result = await invokeContainer(backend, req.headers['content-type'], body);
      send(res, result.status, result.body);
      return;
    }
    const match = /^\/endpoints\/([^/]+)\/invocations$/.exec(path);
    if (req.method === 'POST' && match) {
      const name = decodeURIComponent(match[1]!);
      if (options.endpointName !== undefined && name !== options.endpointName) {
        await drain(req);
        sendError(res, 400, 'ValidationError', {
          message: `Endpoint ${name} of account ${accountId} not found.`,
        });
        return;
      }
      const body = await readBody(req, res);
      if (body === undefined) return;
      const result = await invokeContainer(backend, req.headers['content-type'], body);
      if (result.status === 200) {
        send(res, 200, result.body, { 'x-amzn-invoked-production-variant': productionVariant });
        return;
      }
      const kind = result.status < 500 ? 'client' : 'server';
      const logStream = `arn:aws:logs:${region}:${accountId}:log-group:/aws/sagemaker/Endpoints/${name}`;
      sendError(res, 424, 'ModelError', {
        ErrorCode: `${kind.toUpperCase()}_ERROR_FROM_MODEL`,
        LogStreamArn: logStream,
        Message: `Received ${kind} error (${result.status}) from primary with message "${result.body}". See ${logStream} in account ${accountId} for more information.`,
        OriginalMessage: result.body,
        OriginalStatusCode: result.status,
      });
      return;
    }
    await drain(req);
    sendError(res, 404, 'UnknownOperationException', { message: `no operation at ${req.method} ${path}` });
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await backend.close?.();
    throw error;
  }
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${bound}`,
    port: bound,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK keeps sockets alive; without this, close waits for them to time out.
        server.closeAllConnections();
      });
      await backend.close?.();
    },
  };
}

/**
 * The container's side: TGI answers 415 without a JSON content type and 422 with
 * `{ error, error_type: 'validation' }` for a request it cannot use.
 */
async function invokeContainer(
  backend: GenerationBackend,
  contentType: string | undefined,
  body: Buffer,
): Promise<ContainerResult> {
  if (!contentType?.toLowerCase().startsWith(modelContentType)) {
    return tgiError(
      415,
      `expected Content-Type ${modelContentType}, got ${contentType ?? 'none'}`,
      'validation',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return tgiError(422, `request body is not valid JSON: ${(error as Error).message}`, 'validation');
  }
  const request = chatRequestSchema.safeParse(json);
  if (!request.success) {
    const issue = request.error.issues[0];
    return tgiError(
      422,
      `${issue?.path.map(String).join('.') || 'request'}: ${issue?.message}`,
      'validation',
    );
  }
  let response: ChatResponse;
  try {
    response = await backend.complete(request.data);
  } catch (error) {
    if (error instanceof ModelBusyError) return tgiError(429, error.message, 'overloaded');
    if (error instanceof TailorError && error.statusCode < 500) {
      return tgiError(422, error.message, 'validation');
    }
    return tgiError(500, `generation failed: ${(error as Error).message}`, 'generation');
  }
  return { status: 200, body: JSON.stringify(response) };
}

function tgiError(status: number, error: string, errorType: string): ContainerResult {
  return { status, body: JSON.stringify({ error, error_type: errorType }) };
}

/** The body, or undefined after answering 413-style when it exceeds SageMaker's payload limit. */
async function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxPayloadBytes) {
      sendError(res, 400, 'ValidationError', {
        message: `Request payload exceeds the ${maxPayloadBytes}-byte limit of InvokeEndpoint.`,
      });
      req.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': modelContentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(body);
}

/** SageMaker's error answer: the type in `x-amzn-ErrorType`, the members in a JSON body. */
function sendError(res: ServerResponse, status: number, type: string, body: Record<string, unknown>): void {
  send(res, status, JSON.stringify(body), { 'x-amzn-errortype': type });
}
