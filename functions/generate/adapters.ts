import {
  InvokeEndpointCommand,
  ModelError,
  ModelNotReadyException,
  type SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import { UpstreamError } from '../../core/errors';
import { modelContentType } from '../../model/contract';
import type { Table } from '../shared/ports';
import type { CatalogPort, ModelPort } from './core';
import { productSchema } from './schema';

export interface RetryTiming {
  /** Waits between attempts (tests make it instant). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/**
 * The catalog table (partition key `productId`) as the generate core's catalog port. Every
 * item is validated: the table holds another component's output, and a bad item is the
 * dependency's fault (an UpstreamError), not the caller's.
 */
export function tableCatalog(table: Table): CatalogPort {
  return {
    async getProducts(ids) {
      const items = await table.batchGet(ids.map((productId) => ({ productId })));
      return items.map((item) => {
        const product = productSchema.safeParse(item);
        if (!product.success) {
          const issue = product.error.issues[0];
          throw new UpstreamError(
            `catalog item ${String(item['productId'])} is not a valid product: ${issue?.path.join('.')}: ${issue?.message}`,
          );
        }
        return product.data;
      });
    },
  };
}

export interface SageMakerModelOptions extends RetryTiming {
  readonly endpointName: string;
  /** Attempts for answers the SDK does not retry itself (see `isRetryable`). */
  readonly maxAttempts?: number;
  /** The whole invocation, retries included, must finish within this (API Gateway allows 30 s). */
  readonly deadlineMs?: number;
}

/**
 * The SageMaker endpoint as the generate core's model port. The SDK client's standard retry
 * strategy (3 attempts, exponential backoff with jitter) already covers throttling, 5xx and
 * network timeouts; on top of it, answers the SDK treats as final but that are transient (the
 * container's own 5xx or 429 wrapped in a ModelError, a model not yet loaded) are retried here
 * with the same backoff, within one deadline. Every failure becomes an UpstreamError naming the
 * endpoint.
 */
export function sagemakerModel(client: SageMakerRuntimeClient, options: SageMakerModelOptions): ModelPort {
  const { endpointName, maxAttempts = 3, deadlineMs = 25_000 } = options;
  return {
    async invoke(request) {
      const deadline = AbortSignal.timeout(deadlineMs);
      const command = new InvokeEndpointCommand({
        EndpointName: endpointName,
        ContentType: modelContentType,
        Accept: modelContentType,
        Body: new TextEncoder().encode(JSON.stringify(request)),
      });
      for (let attempt = 1; ; attempt++) {
        try {
          const out = await client.send(command, { abortSignal: deadline });
          if (!out.Body) throw new UpstreamError(`model endpoint ${endpointName} answered with no body`);
          return out.Body;
        } catch (error) {
          if (error instanceof UpstreamError) throw error;
          if (deadline.aborted) {
            throw new UpstreamError(`model endpoint ${endpointName} did not answer within ${deadlineMs} ms`);
          }
          if (attempt >= maxAttempts || !isRetryable(error)) {
            throw new UpstreamError(`model endpoint ${endpointName} failed: ${describe(error)}`, {
              attempts: attempt,
            });
          }
          await wait(attempt, options);
        }
      }
    },
  };
}

/** Transient failures the SDK leaves to the caller. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ModelNotReadyException) return true;
  if (error instanceof ModelError) {
    const status = error.OriginalStatusCode ?? 0;
    return status >= 500 || status === 429;
  }
  return false;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const status = error instanceof ModelError ? ` (container status ${error.OriginalStatusCode})` : '';
    return `${error.name}${status}: ${error.message}`;
  }
  return String(error);
}

/** Exponential backoff with full jitter: up to 200 ms, 400 ms, ... capped at 2 s. */
function wait(attempt: number, timing: RetryTiming): Promise<void> {
  const ceiling = Math.min(2_000, 200 * 2 ** (attempt - 1));
  const ms = Math.floor((timing.random ?? Math.random)() * ceiling);
  return (timing.sleep ?? ((t) => new Promise((resolve) => setTimeout(resolve, t))))(ms);
}
