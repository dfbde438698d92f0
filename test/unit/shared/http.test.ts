import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { NotFoundError } from '../../../core/errors';
import { defineRoute, errorResponse, httpApi } from '../../../functions/shared/http';

const context = { functionName: 'test', awsRequestId: 'req' } as Context;
const event = (routeKey: string, body?: string, pathParameters?: Record<string, string>) =>
  ({
    version: '2.0',
    routeKey,
    rawPath: '/',
    headers: {},
    body,
    pathParameters,
    isBase64Encoded: false,
    requestContext: { requestId: 'r1', http: { method: 'POST', path: '/' } },
  }) as unknown as APIGatewayProxyEventV2;

const api = httpApi('generate', {
  'POST /generate': defineRoute({
    body: z.object({ name: z.string(), items: z.array(z.object({ n: z.number() })) }).optional(),
    handle: async ({ body }) => {
      if (body?.name === 'missing') throw new NotFoundError('no such model');
      if (body?.name === 'boom') throw new Error('secret internals at /var/task/x.js:1');
      // A stand-in answer: this suite is about dispatch and errors, not the route's contract.
      return { body: { ok: true, name: body?.name } as never };
    },
  }),
});

const call = async (body?: string) => {
  const result = await api(event('POST /generate', body), context);
  return { status: result.statusCode, body: JSON.parse(result.body ?? '{}') };
};

describe('httpApi', () => {
  it('answers 200 with the use case result', async () => {
    expect(await call(JSON.stringify({ name: 'ctr', items: [] }))).toEqual({
      status: 200,
      body: { ok: true, name: 'ctr' },
    });
  });

  it('returns 400 when the body is not JSON', async () => {
    const { status, body } = await call('{"name":');
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      code: 'ValidationError',
      message: expect.stringMatching(/not valid JSON/),
    });
  });

  it('returns 400 naming the bad field', async () => {
    const { status, body } = await call(JSON.stringify({ name: 'x', items: [{ n: 1 }, { n: 'two' }] }));
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^body\.items\.1\.n: /);
    expect(body.error.details.issues[0].path).toBe('body.items.1.n');
  });

  it('maps a NotFoundError to 404 with its message', async () => {
    expect(await call(JSON.stringify({ name: 'missing', items: [] }))).toEqual({
      status: 404,
      body: { error: { code: 'NotFound', message: 'no such model' } },
    });
  });

  it('hides unexpected errors behind a 500 without a stack or message', async () => {
    const result = await api(event('POST /generate', JSON.stringify({ name: 'boom', items: [] })), context);
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/secret|var\/task|at /);
  });

  it('answers 404 for a route of another group', async () => {
    const result = await api(event('GET /health'), context);
    expect(result.statusCode).toBe(404);
  });

  it('never puts a stack in an error body', () => {
    const body = errorResponse(new TypeError('x')).body ?? '';
    expect(body).not.toContain('TypeError');
  });
});
