/**
 * The CLI's API client: the one typed client (`functions/shared/api-client.ts`), with what only
 * Node has injected: AWS credentials from the environment's provider chain for SigV4, and a
 * hint that names the CLI's flags when the API does not answer.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { ApiClient, ApiError } from '../functions/shared/api-client';

export { ApiClient, ApiError };

/** Where the CLI sends its requests, and how it authenticates. */
export interface ApiTarget {
  readonly url: string;
  /** A JWT for an API deployed with the JWT authorizer. */
  readonly token?: string;
  /** Sign with SigV4 (the IAM authorizer), using the AWS credentials of the environment. */
  readonly sigv4?: { region: string };
}

export function apiClient(target: ApiTarget): ApiClient {
  const credentials = target.sigv4 ? fromNodeProviderChain() : undefined;
  return new ApiClient({
    url: target.url,
    token: () => target.token,
    sigv4:
      target.sigv4 && credentials
        ? { region: target.sigv4.region, credentials: () => credentials }
        : undefined,
    unreachable: (origin, reason) =>
      `cannot reach ${origin}: ${reason}. Is \`tailor start\` running, or is --api right?`,
  });
}
