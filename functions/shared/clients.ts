import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config';

/** The SDK clients a container uses, built once per container and injected into the cores. */
export interface Clients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly sagemaker: SageMakerRuntimeClient;
  readonly secrets: SecretsManagerClient;
}

let cached: Clients | undefined;

export function clients(cfg: Config): Clients {
  cached ??= makeClients(cfg);
  return cached;
}

/** Drop the cached clients (the local runtime does this when it re-points the endpoints). */
export function resetClients(): void {
  cached = undefined;
}

function makeClients(cfg: Config): Clients {
  const region = cfg.AWS_REGION;
  const dynamo = new DynamoDBClient({ region, endpoint: cfg.AWS_ENDPOINT_URL_DYNAMODB });
  return {
    dynamo: DynamoDBDocumentClient.from(dynamo, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    }),
    s3: new S3Client({
      region,
      endpoint: cfg.AWS_ENDPOINT_URL_S3,
      forcePathStyle: cfg.TAILOR_S3_FORCE_PATH_STYLE,
    }),
    sfn: new SFNClient({ region, endpoint: cfg.AWS_ENDPOINT_URL_SFN }),
    sagemaker: new SageMakerRuntimeClient({ region, endpoint: cfg.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME }),
    secrets: new SecretsManagerClient({ region, endpoint: cfg.AWS_ENDPOINT_URL_SECRETS_MANAGER }),
  };
}
