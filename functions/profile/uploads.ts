import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../core/errors';
import type { ObjectStore, Table } from '../shared/ports';
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

export const uploadKey = (uploadId: string) => ({ pk: `UPLOAD#${uploadId}`, sk: 'UPLOAD' });

/**
 * A sort key that orders newest first: the milliseconds left until 2255 (fixed width), then the
 * id. Recent-item indexes use it so that a query with a limit reads the newest items.
 */
export function newestFirstKey(createdAt: string, id: string): string {
  const remaining = 9_000_000_000_000 - Date.parse(createdAt);
  return `${String(remaining).padStart(13, '0')}#${id}`;
}

/** `?limit=` of the recent-item lists (`GET /uploads`, `GET /profiles/runs`). */
export const recentListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** The index of uploads: `UPLOADS` / newest-first key, one item per upload, naming it. */
const uploadsIndex = 'UPLOADS';

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
  await ports.operations.put({ ...uploadKey(uploadId), ...record });
  await ports.operations.put({
    pk: uploadsIndex,
    sk: newestFirstKey(record.createdAt, uploadId),
    uploadId,
    createdAt: record.createdAt,
  });
  const uploadUrl = await ports.objects.presignPut(key, ports.urlTtlSeconds);
  const expiresAt = new Date(now.getTime() + ports.urlTtlSeconds * 1000).toISOString();
  return { uploadId, key, uploadUrl, method: 'PUT', expiresAt };
}

export async function getUpload(uploadId: string, operations: Table): Promise<UploadRecord> {
  const item = await operations.get(uploadKey(uploadId));
  if (!item) throw new NotFoundError(`no upload ${uploadId}`);
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as UploadRecord;
}

/**
 * The most recent uploads, newest first, each as its record stands now (status, counts, the
 * rejection report's key). Reads the `UPLOADS` index, then the records in one batch.
 */
export async function listUploads(operations: Table, limit: number): Promise<UploadRecord[]> {
  const index = (await operations.query('pk', uploadsIndex, limit)).slice(0, limit);
  const ids = index.map((item) => String(item['uploadId']));
  const records = await operations.batchGet(ids.map(uploadKey));
  const byId = new Map<string, UploadRecord>();
  for (const { pk: _pk, sk: _sk, ...record } of records) {
    byId.set(String(record['uploadId']), record as unknown as UploadRecord);
  }
  return ids.flatMap((id) => {
    const record = byId.get(id);
    return record ? [record] : [];
  });
}
