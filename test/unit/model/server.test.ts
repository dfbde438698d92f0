import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import { buildChatRequest } from '../../../functions/generate/prompt';
import { type CopyBrief, parseCompletion } from '../../../model/contract';
import { embeddedBackend, type ModelServer, startModelServer } from '../../../model/server';

const brief: CopyBrief = {
  language: 'en',
  goal: 'new_arrival',
  channel: 'push',
  tone: 'friendly',
  variants: 2,
  products: [
    { productId: 'p1', title: 'Acme Trail Runner 2', category: 'Running shoes', price: 89.9, brand: 'Acme' },
  ],
};

describe('the local model server', () => {
  let server: ModelServer;
  let client: SageMakerRuntimeClient;

  beforeAll(async () => {
    server = await startModelServer({ endpointName: 'tailor-copy', backend: embeddedBackend() });
    client = new SageMakerRuntimeClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  function invoke(body: string, endpointName = 'tailor-copy', contentType = 'application/json') {
    return client.send(
      new InvokeEndpointCommand({
        EndpointName: endpointName,
        ContentType: contentType,
        Body: new TextEncoder().encode(body),
      }),
    );
  }

  async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the invocation to fail');
  }

  it('answers InvokeEndpoint from the SDK with a chat completion holding the copy', async () => {
    const out = await invoke(JSON.stringify(buildChatRequest(brief, 5)));
    expect(out.ContentType).toBe('application/json');
    expect(out.InvokedProductionVariant).toBe('AllTraffic');
    expect(parseCompletion(out.Body!).variants).toHaveLength(2);
  });

  it('answers GET /ping with 200', async () => {
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
  });

  it('surfaces a body that is not a chat request as a ModelError carrying the container 422', async () => {
    const error = await rejection(invoke(JSON.stringify({ inputs: 'hello' })));
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).OriginalStatusCode).toBe(422);
    expect(error.message).toMatch(/messages/);
  });

  it('surfaces a body that is not JSON as a ModelError', async () => {
    const error = await rejection(invoke('{not json'));
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('surfaces a missing data block as a ModelError naming it', async () => {
    const error = await rejection(
      invoke(JSON.stringify({ messages: [{ role: 'user', content: 'Write an ad.' }] })),
    );
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toMatch(/data block/);
  });

  it('rejects an unknown endpoint name with a ValidationError, as SageMaker does', async () => {
    const error = await rejection(invoke(JSON.stringify(buildChatRequest(brief, 5)), 'other'));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe('Endpoint other of account 000000000000 not found.');
  });
});
