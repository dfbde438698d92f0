import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../core/errors';
import { operationsKeys } from '../shared/keys';
import type { ObjectStore, Table } from '../shared/ports';
import { newestFirstKey, type RunKind, RunLedger, recentListQuerySchema } from '../shared/runs';
import { type MappingSpec, resolveMapping } from './mappings';

export type UploadStatus = 'awaiting-upload' | 'ingesting' | 'succeeded' | 'failed' | 'duplicate';

export interface UploadRecord {
  readonly uploadId: string;
  readonly status: UploadStatus;
  readonly kind: 'events' | 'products';
  readonly key: string;
  readonly fileName: string;
  readonly mapping?: string | MappingSpec;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly rowsRead?: number;
  readonly accepted?: number;
  readonly rejected?: number;
  readonly duplicates?: number;
  readonly rejectionReportKey?: string;
  readonly summaryKey?: string;
  readonly duplicateOf?: string;
  readonly error?: string;
  /** Start a profiling run when the file is in (default true). */
  readonly profile?: boolean;
  readonly profilingRunId?: string;
}

export const uploadKey = operationsKeys.upload;

/** Uploads in the operations table: no lock (any number at once), listed newest first. */
export const uploadKind: RunKind = {
  noun: 'upload',
  idField: 'uploadId',
  key: operationsKeys.upload,
  index: operationsKeys.uploadsIndex,
};
const ledgerOf = (operations: Table) => new RunLedger<UploadRecord>(operations, uploadKind);

// Shared with the other recent-item lists; re-exported where callers have always found them.
export { newestFirstKey, recentListQuerySchema };

/** The upload an object key belongs to: `<batch>/<uploadId>/<file>`, or one derived from the key. */
export function uploadIdFromKey(batchPrefix: string, key: string): string | undefined {
  const rest = key.startsWith(batchPrefix) ? key.slice(batchPrefix.length) : undefined;
  const [first, ...others] = rest?.split('/') ?? [];
  return others.length > 0 && first && /^[\w-]{8,64}$/.test(first) ? first : undefined;
}

export interface CreateUploadInput {
  readonly fileName: string;
  readonly kind: 'events' | 'products';
  readonly mapping?: string | MappingSpec;
  readonly profile?: boolean;
}

/** Reserve an upload id and hand out a URL to PUT the file to; ingestion starts on arrival. */
export async function createUpload(
  input: CreateUploadInput,
  ports: { objects: ObjectStore; operations: Table; batchPrefix: string; urlTtlSeconds: number },
  now: Date = new Date(),
): Promise<{ uploadId: string; key: string; uploadUrl: string; method: 'PUT'; expiresAt: string }> {
  const mapping = resolveMapping(input.mapping, input.kind);
  if ('error' in mapping) throw new ValidationError(`mapping: ${mapping.error}`);
  const uploadId = randomUUID();
  const key = `${ports.batchPrefix}${uploadId}/${input.fileName}`;
  const record: UploadRecord = {
    uploadId,
    status: 'awaiting-upload',
    kind: mapping.kind,
    key,
    fileName: input.fileName,
    mapping: input.mapping,
    profile: input.profile,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await ledgerOf(ports.operations).create(uploadId, record);
  const uploadUrl = await ports.objects.presignPut(key, ports.urlTtlSeconds);
  const expiresAt = new Date(now.getTime() + ports.urlTtlSeconds * 1000).toISOString();
  return { uploadId, key, uploadUrl, method: 'PUT', expiresAt };
}

export async function getUpload(uploadId: string, operations: Table): Promise<UploadRecord> {
  return ledgerOf(operations).get(uploadId);
}

/**
 * The most recent uploads, newest first, each as its record stands now (status, counts, the
 * rejection report's key). Reads the `UPLOADS` index, then the records in one batch.
 */
export async function listUploads(operations: Table, limit: number): Promise<UploadRecord[]> {
  return ledgerOf(operations).list(limit);
}
