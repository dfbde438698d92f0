import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  ServiceUnavailable,
} from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { UpstreamError } from '../../../core/errors';
import { sagemakerModel, tableCatalog } from '../../../functions/generate/adapters';
import type { Table } from '../../../functions/shared/ports';

const sagemaker = mockClient(SageMakerRuntimeClient);
const client = new SageMakerRuntimeClient({ region: 'us-east-1' });
const request = { messages: [{ role: 'user' as const, content: 'hi' }] };
const instant = { sleep: async () => {}, random: () => 0.5 };

function modelError(status: number): ModelError {
  return new ModelError({ message: `container said ${status}`, $metadata: {}, OriginalStatusCode: status });
}

beforeEach(() => sagemaker.reset());

describe('the SageMaker model port', () => {
  it('retries a container 5xx wrapped in a ModelError, then returns the answer', async () => {
    sagemaker
      .on(InvokeEndpointCommand)
      .rejectsOnce(modelError(503))
      .resolves({ Body: new TextEncoder().encode('ok') as never });
    const body = await sagemakerModel(client, { endpointName: 'copy', ...instant }).invoke(request);
    expect(new TextDecoder().decode(body)).toBe('ok');
    expect(sagemaker.commandCalls(InvokeEndpointCommand)).toHaveLength(2);
  });

  it('gives up after maxAttempts with an UpstreamError naming the endpoint', async () => {
    sagemaker.on(InvokeEndpointCommand).rejects(modelError(500));
    const port = sagemakerModel(client, { endpointName: 'copy', maxAttempts: 3, ...instant });
    await expect(port.invoke(request)).rejects.toThrow(
      /model endpoint copy failed: ModelError \(container status 500\)/,
    );
    expect(sagemaker.commandCalls(InvokeEndpointCommand)).toHaveLength(3);
  });

  it('does not retry a container 4xx', async () => {
    sagemaker.on(InvokeEndpointCommand).rejects(modelError(422));
    await expect(
      sagemakerModel(client, { endpointName: 'copy', ...instant }).invoke(request),
    ).rejects.toThrow(UpstreamError);
    expect(sagemaker.commandCalls(InvokeEndpointCommand)).toHaveLength(1);
  });

  it('does not retry again what the SDK has already retried', async () => {
    sagemaker.on(InvokeEndpointCommand).rejects(new ServiceUnavailable({ message: 'busy', $metadata: {} }));
    await expect(
      sagemakerModel(client, { endpointName: 'copy', ...instant }).invoke(request),
    ).rejects.toThrow(/ServiceUnavailable: busy/);
    expect(sagemaker.commandCalls(InvokeEndpointCommand)).toHaveLength(1);
  });
});

describe('the catalog port', () => {
  it('reports an invalid catalog item as an UpstreamError', async () => {
    const table = {
      batchGet: async () => [{ productId: 'p1', title: 'T', price: 'cheap' }],
    } as unknown as Table;
    await expect(tableCatalog(table).getProducts(['p1'])).rejects.toThrow(
      /catalog item p1 is not a valid product/,
    );
  });
});
