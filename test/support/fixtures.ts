import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

/** A Lambda context good enough for middy and the Powertools logger. */
export const lambdaContext = (functionName = 'test') =>
  ({
    functionName,
    awsRequestId: 'req-1',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    getRemainingTimeInMillis: () => 30_000,
  }) as unknown as Context;

/** An API Gateway HTTP API (payload 2.0) event for a route of the shared table. */
export function apiEvent(
  routeKey: string,
  options: { body?: unknown; pathParameters?: Record<string, string>; query?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const [method, path] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
    pathParameters: options.pathParameters,
    queryStringParameters: options.query,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', http: { method, path } },
  } as unknown as APIGatewayProxyEventV2;
}

/** Status and parsed JSON body of a handler's answer (the body typed loosely, for assertions). */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary fields of response bodies.
export function answer(result: unknown): { status: number; body: any; raw: string } {
  const r = result as APIGatewayProxyStructuredResultV2;
  const raw = r.body ?? '';
  return { status: r.statusCode ?? 0, body: raw ? JSON.parse(raw) : undefined, raw };
}
