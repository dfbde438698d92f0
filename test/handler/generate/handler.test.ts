import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { api, campaignTask } from '../../../functions/generate/handler';
import { resetClients } from '../../../functions/shared/clients';
import { resetConfig } from '../../../functions/shared/config';
import { type ChatRequest, chatRequestSchema } from '../../../model/contract';
import { completeEmbedded } from '../../../model/embedded';

const sagemaker = mockClient(SageMakerRuntimeClient);
const dynamo = mockClient(DynamoDBDocumentClient);

const context = { functionName: 'generate', awsRequestId: 'r1' } as Context;

function postGenerate(body: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /generate',
    rawPath: '/generate',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    requestContext: { requestId: 'r1', http: { method: 'POST', path: '/generate' } },
    headers: {},
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

/** The parts of a response body the tests read: a result or an error. */
interface Answer {
  promptVersion: string;
  backend: string;
  seed: number;
  variants: Array<{ body: string; checks: Array<{ rule: string; passed: boolean }> }>;
  dropped: Array<{ reason: string; headline: string }>;
  error: { code: string; message: string };
}

async function call(body: unknown): Promise<{ status: number; json: Answer; raw: string }> {
  const result = (await api(postGenerate(body), context)) as APIGatewayProxyStructuredResultV2;
  const raw = result.body ?? '';
  return { status: result.statusCode ?? 0, json: JSON.parse(raw), raw };
}

/** The SDK types the answer as its blob adapter; the handler only reads the bytes. */
function blob(text: string): never {
  return new TextEncoder().encode(text) as never;
}

/** The mocked endpoint answers as the local model server would: with the embedded generator. */
function embeddedEndpoint(input: { Body?: unknown }) {
  const request = chatRequestSchema.parse(JSON.parse(new TextDecoder().decode(input.Body as Uint8Array)));
  return { ContentType: 'application/json', Body: blob(JSON.stringify(completeEmbedded(request))) };
}

const inline = {
  products: [
    { productId: 'p1', title: 'Acme Trail Runner 2', category: 'Running shoes', price: 89.9, brand: 'Acme' },
  ],
  goal: 'promotion',
  channel: 'push',
  language: 'en',
  seed: 3,
};

beforeAll(() => {
  process.env['MODEL_ENDPOINT_NAME'] = 'tailor-copy';
  process.env['CATALOG_TABLE'] = 'catalog';
  process.env['AWS_REGION'] = 'us-east-1';
  process.env['LOG_LEVEL'] = 'SILENT';
  resetConfig();
  resetClients();
});

beforeEach(() => {
  sagemaker.reset();
  dynamo.reset();
  sagemaker.on(InvokeEndpointCommand).callsFake(embeddedEndpoint);
});

describe('POST /generate', () => {
  it('returns 200 with the requested number of variants, calling the configured endpoint', async () => {
    const { status, json } = await call(inline);
    expect(status).toBe(200);
    expect(json.promptVersion).toBe('copy-v3');
    expect(json.backend).toBe('tailor-embedded');
    expect(json.variants).toHaveLength(3);
    expect(json.variants[0]).toEqual({
      variantId: expect.stringMatching(/^var_[0-9a-f]{16}$/),
      headline: expect.any(String),
      body: expect.stringContaining('89.9'),
      callToAction: expect.any(String),
      factsUsed: expect.arrayContaining(['89.9']),
      checks: expect.arrayContaining([{ rule: 'catalog_prices', passed: true }]),
      rendered: { channel: 'push', title: expect.any(String), body: expect.stringContaining('89.9') },
    });
    expect(json.dropped).toEqual([]);
    const sent = sagemaker.commandCalls(InvokeEndpointCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({ EndpointName: 'tailor-copy', ContentType: 'application/json' });
    const request: ChatRequest = JSON.parse(new TextDecoder().decode(sent.Body as Uint8Array));
    expect(request).toMatchObject({ seed: 3, response_format: { type: 'json_object' } });
  });

  it('looks products up in the catalog table by id', async () => {
    dynamo.on(BatchGetCommand).resolves({
      Responses: { catalog: [{ productId: 'p9', title: '轻盈透气跑步鞋', category: '运动鞋', price: 299 }] },
    });
    const { status, json } = await call({
      productIds: ['p9'],
      goal: 'new_arrival',
      channel: 'sms',
      language: 'zh',
      variants: 2,
    });
    expect(status).toBe(200);
    expect(json.variants).toHaveLength(2);
    expect(json.variants[0]!.body).toContain('299');
    expect(dynamo.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems).toEqual({
      catalog: { Keys: [{ productId: 'p9' }] },
    });
  });

  it('returns 400 naming the field when the goal is unknown', async () => {
    const { status, json } = await call({ ...inline, goal: 'spam' });
    expect(status).toBe(400);
    expect(json.error.code).toBe('ValidationError');
    expect(json.error.message).toMatch(/^body\.goal/);
  });

  it('returns 400 when the body is not JSON', async () => {
    const { status, json } = await call('{"goal": ');
    expect(status).toBe(400);
    expect(json.error.message).toMatch(/not valid JSON/);
  });

  it('returns 400 when neither products nor productIds are given', async () => {
    const { status, json } = await call({ goal: 'promotion', channel: 'push', language: 'en' });
    expect(status).toBe(400);
    expect(json.error.message).toMatch(/products/);
  });

  it('returns 404 naming the product ids the catalog does not have', async () => {
    dynamo.on(BatchGetCommand).resolves({
      Responses: { catalog: [{ productId: 'p1', title: 'Tee', category: 'T-shirts', price: 19 }] },
    });
    const { status, json } = await call({
      ...inline,
      products: undefined,
      productIds: ['p1', 'nope', 'gone'],
    });
    expect(status).toBe(404);
    expect(json.error.message).toBe('unknown product ids: nope, gone');
    expect(sagemaker.commandCalls(InvokeEndpointCommand)).toHaveLength(0);
  });

  it('returns 502 after the model answers malformed copy twice, without a stack trace', async () => {
    sagemaker
      .on(InvokeEndpointCommand)
      .resolves({ ContentType: 'application/json', Body: blob('{"oops": true}') });
    const { status, json, raw } = await call(inline);
    expect(status).toBe(502);
    expect(json.error.code).toBe('UpstreamError');
    expect(sagemaker.commandCalls(InvokeEndpointCommand)).toHaveLength(2);
    expect(raw).not.toMatch(/\n\s+at |\.ts:\d+/);
    expect(json.error).not.toHaveProperty('stack');
  });

  it('retries a malformed answer once with the next seed and returns the good one', async () => {
    sagemaker
      .on(InvokeEndpointCommand)
      .resolvesOnce({ ContentType: 'application/json', Body: blob('not json') })
      .callsFake(embeddedEndpoint);
    const { status, json } = await call(inline);
    expect(status).toBe(200);
    expect(json.seed).toBe(4);
  });

  it('returns 502 when the endpoint fails, without a stack trace', async () => {
    sagemaker.on(InvokeEndpointCommand).rejects(
      new ModelError({
        message: 'Received client error (422) from primary',
        $metadata: {},
        OriginalStatusCode: 422,
      }),
    );
    const { status, json, raw } = await call(inline);
    expect(status).toBe(502);
    expect(json.error.code).toBe('UpstreamError');
    expect(raw).not.toMatch(/\n\s+at |\.ts:\d+/);
  });
});

describe('POST /generate when the endpoint fails', () => {
  it('answers with the embedded generator, flagged, when the request allows the fallback', async () => {
    sagemaker.on(InvokeEndpointCommand).rejects(
      new ModelError({
        message: 'Received server error (503) from primary',
        $metadata: {},
        OriginalStatusCode: 503,
      }),
    );
    const { status, json } = await call({ ...inline, allowFallback: true });
    expect(status).toBe(200);
    expect(json.variants.length).toBeGreaterThan(0);
    expect((json as unknown as { fallback: { reason: string } }).fallback.reason).toMatch(/503|endpoint/i);
    expect(json.backend).toBe('tailor-embedded');
  });
});

describe('POST /generate with campaign terms', () => {
  it('returns variants holding the must-include term, rendered for the channel, with their checks', async () => {
    const { status, json } = await call({
      ...inline,
      channel: 'email',
      mustInclude: ['SPRING24'],
      mustAvoid: ['sale'],
      ctaUrl: 'https://shop.example/p1',
    });
    expect(status).toBe(200);
    const body = json as unknown as {
      variants: Array<{ body: string; rendered: { channel: string; html: string }; checks: unknown[] }>;
    };
    for (const v of body.variants) {
      expect(v.body).toContain('SPRING24');
      expect(v.rendered.channel).toBe('email');
      expect(v.rendered.html).toContain('href="https://shop.example/p1"');
      expect(v.checks).toContainEqual({ rule: 'must_include', passed: true });
    }
  });

  it('returns 400 when the call-to-action URL is not http or https', async () => {
    const { status, json } = await call({ ...inline, ctaUrl: 'javascript:alert(1)' });
    expect(status).toBe(400);
    expect(json.error.message).toMatch(/^body\.ctaUrl/);
  });
});

describe('campaignTask (Step Functions)', () => {
  it("generates one segment's variants through the middy chain, with the products the copy is about", async () => {
    const out = (await campaignTask({ ...inline, variants: 2 }, context)) as {
      segmentId: string;
      variants: unknown[];
      products: Array<{ productId: string }>;
    };
    expect(out.segmentId).toBe('all');
    expect(out.variants).toHaveLength(2);
    expect(out.products).toEqual([{ productId: 'p1', category: 'Running shoes', price: 89.9 }]);
    expect(sagemaker).toHaveReceivedCommandWith(InvokeEndpointCommand, { EndpointName: 'tailor-copy' });
  });

  it('throws a ValidationError Step Functions can catch when the input is not a generate request', async () => {
    await expect(campaignTask({ goal: 'world domination' }, context)).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^generate\./),
    });
  });
});
