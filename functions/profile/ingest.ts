import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TailorError } from '../../core/errors';
import { logger } from '../shared/logger';
import type { ObjectStore, Table } from '../shared/ports';
import { fallbackCurrency } from '../shared/schemas';
import { checkProduct } from './catalog';
import { CsvReader, type CsvRecord, recordObject } from './csv';
import { DigestSet } from './digest-set';
import { checkEvent } from './events';
import { resolveMapping } from './mappings';
import { RawEventWriter } from './raw-store';
import type { Product } from './schema';
import { type UploadRecord, uploadIdFromKey, uploadKey } from './uploads';

/** The whole file could not be read: not CSV/JSON Lines, broken gzip, unknown mapping. */
export class UnreadableUploadError extends TailorError {
  override readonly statusCode = 422;
  override readonly code = 'UnreadableUpload';
}

export type Row = Record<string, unknown>;
export interface ReadRow {
  readonly line: number;
  readonly row?: Row;
  readonly error?: string;
}

/** Objects Tailor writes next to an upload: they are reports, not input. */
export const reportSuffixes = ['.rejected.jsonl', '.summary.json'] as const;
export const isReportKey = (key: string) => reportSuffixes.some((suffix) => key.endsWith(suffix));

function formatOf(key: string): 'csv' | 'jsonl' | undefined {
  const name = key.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv') || name.endsWith('.tsv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  return undefined;
}

/** Peek at the first bytes: gzip is recognised by its magic number, whatever the file is called. */
async function decompressIfGzip(stream: Readable): Promise<Readable> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  const rest = new PassThrough();
  (async () => {
    try {
      if (head.length > 0) rest.write(head);
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (!rest.write(next.value)) await once(rest, 'drain');
      }
      rest.end();
    } catch (error) {
      rest.destroy(error as Error);
    }
  })();
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    rest.on('error', (e) => gunzip.destroy(e));
    return rest.pipe(gunzip);
  }
  return rest;
}

/** Stream rows out of a CSV (with header) or JSON Lines file, with 1-based line numbers. */
export async function* readRows(
  stream: Readable,
  format: 'csv' | 'jsonl',
  columns?: readonly string[],
): AsyncGenerator<ReadRow> {
  for await (const batch of readRowBatches(stream, format, columns)) yield* batch;
}

/**
 * The rows of {@link readRows}, a batch per chunk of input: the hot loop pays one promise per
 * chunk rather than one per row. A batch holds the rows one chunk completes (a chunk's worth
 * of text, so memory is bounded by the stream's chunk size).
 */
export async function* readRowBatches(
  stream: Readable,
  format: 'csv' | 'jsonl',
  columns?: readonly string[],
): AsyncGenerator<ReadRow[]> {
  if (format === 'jsonl') {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    let line = 0;
    let batch: ReadRow[] = [];
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      try {
        const value = JSON.parse(text);
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          batch.push({ line, error: 'expected a JSON object on the line' });
        } else {
          batch.push({ line, row: value as Row });
        }
      } catch (error) {
        batch.push({ line, error: `not valid JSON: ${(error as Error).message}` });
      }
      if (batch.length >= 1000) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    return;
  }
  const reader = new CsvReader();
  let header = columns;
  const named = (records: CsvRecord[]): ReadRow[] => {
    const rows: ReadRow[] = [];
    for (const record of records) {
      if (header === undefined) {
        header = record.fields;
        continue;
      }
      rows.push({ line: record.line, row: recordObject(header, record.fields) });
    }
    return rows;
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const rows = named(reader.push(chunk));
    if (rows.length > 0) yield rows;
  }
  const rest = named(reader.end());
  if (rest.length > 0) yield rest;
}

export interface IngestPorts {
  readonly objects: ObjectStore;
  readonly operations: Table;
  readonly catalog: Table;
  readonly batchPrefix: string;
  readonly rawPrefix: string;
  readonly shards: number;
  readonly now?: () => Date;
  /** ISO 4217 currency of products that name none and whose mapping gives none. */
  readonly defaultCurrency?: string;
  /** Called every `progressEvery` rows with the counts so far. */
  readonly progressEvery?: number;
  /** Start a profiling run over the new data; the run id, or undefined when one is under way. */
  readonly startProfiling?: () => Promise<string | undefined>;
}

export interface IngestSummary {
  readonly uploadId: string;
  readonly key: string;
  readonly status: 'succeeded' | 'failed' | 'duplicate';
  readonly kind: 'events' | 'products';
  readonly rowsRead: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: number;
  readonly rejectionReportKey?: string;
  readonly summaryKey: string;
  readonly duplicateOf?: string;
  readonly error?: string;
  readonly profilingRunId?: string;
}

const maxRejectionReasonsKept = 100_000;

/**
 * Ingest one uploaded object: stream it, validate every row, write good rows (events to the
 * raw store sharded by user, products to the catalog), write bad rows with line numbers to a
 * rejection report beside the upload, and a summary. rowsRead = accepted + rejected + duplicates.
 * The same file (same ETag and size) uploaded again is recorded as a duplicate and not re-counted.
 */
export async function ingestObject(
  object: { key: string; etag: string; size: number },
  ports: IngestPorts,
): Promise<IngestSummary | undefined> {
  if (isReportKey(object.key)) return undefined;
  const now = ports.now ?? (() => new Date());
  const uploadId =
    uploadIdFromKey(ports.batchPrefix, object.key) ??
    `s3-${createHash('sha256').update(object.key).digest('hex').slice(0, 24)}`;
  const existing = (await ports.operations.get(uploadKey(uploadId))) as UploadRecord | undefined;
  const mapping = resolveMapping(
    existing?.mapping,
    existing?.kind ?? (object.key.includes('/products/') ? 'products' : 'events'),
  );
  const kind = 'error' in mapping ? (existing?.kind ?? 'events') : mapping.kind;
  const summaryKey = `${object.key}.summary.json`;
  const base = { uploadId, key: object.key, kind, summaryKey } as const;
  const record = async (fields: Partial<UploadRecord>) =>
    ports.operations.update(uploadKey(uploadId), {
      uploadId,
      key: object.key,
      kind,
      fileName: object.key.split('/').pop(),
      createdAt: existing?.createdAt ?? now().toISOString(),
      ...fields,
      updatedAt: now().toISOString(),
    });

  /** The outcome, written beside the upload and onto its record. */
  const publish = async (summary: IngestSummary): Promise<IngestSummary> => {
    await ports.objects.put(summaryKey, JSON.stringify(summary, null, 2), 'application/json');
    await record(summary);
    return summary;
  };
  const noRows = { rowsRead: 0, accepted: 0, rejected: 0, duplicates: 0 };

  const fingerprint = { pk: `UPLOADHASH#${object.etag}-${object.size}`, sk: 'UPLOADHASH' };
  const earlier = await ports.operations.get(fingerprint);
  if (earlier && earlier['uploadId'] !== uploadId) {
    return publish({ ...base, status: 'duplicate', ...noRows, duplicateOf: String(earlier['uploadId']) });
  }

  /** A whole-file failure; rows already stored stay (the profiling run de-duplicates them by id). */
  const fail = (error: string, counts = noRows) => publish({ ...base, status: 'failed', ...counts, error });

  const format = formatOf(object.key);
  if (!format) return fail('unsupported file type: name the file .csv or .jsonl (optionally .gz)');
  if ('error' in mapping) return fail(mapping.error);
  await record({ status: 'ingesting' });

  const rejectedLines: string[] = [];
  let rowsRead = 0;
  let accepted = 0;
  let rejected = 0;
  let duplicates = 0;
  const seen = new DigestSet();
  const writer = new RawEventWriter(ports.objects, {
    rawPrefix: ports.rawPrefix,
    shards: ports.shards,
    source: `upload-${uploadId}`,
  });
  const productBatch: Row[] = [];
  // Rows without a currency are priced as the mapping's source is, else in the default setting.
  const currency = mapping.currency ?? ports.defaultCurrency ?? fallbackCurrency;
  const derivedProducts = new Map<string, Product>();
  const reject = (line: number, reason: string) => {
    rejected++;
    if (rejectedLines.length < maxRejectionReasonsKept) rejectedLines.push(JSON.stringify({ line, reason }));
  };

  try {
    const stream = await decompressIfGzip(await ports.objects.getStream(object.key));
    for await (const batch of readRowBatches(stream, format, mapping.columns)) {
      for (const source of batch) {
        rowsRead++;
        const mapped = source.row ? mapping.map(source.row) : { skip: source.error ?? 'empty row' };
        if ('skip' in mapped) {
          reject(source.line, mapped.skip);
        } else if (kind === 'events') {
          const checked = checkEvent(mapped.event);
          if ('reason' in checked) reject(source.line, checked.reason);
          else if (!seen.add(checked.event.eventId)) duplicates++;
          else {
            const flushing = writer.add(checked.event);
            if (flushing) await flushing;
            accepted++;
          }
          // Exports such as invoice lines also describe the product: keep it for the catalog.
          const product = mapped.product ? checkProduct(mapped.product, currency) : undefined;
          if (product && 'product' in product)
            derivedProducts.set(product.product.productId, product.product);
        } else {
          const checked = checkProduct(mapped.product, currency);
          if ('reason' in checked) reject(source.line, checked.reason);
          else {
            productBatch.push({ ...checked.product, updatedAt: now().toISOString() });
            accepted++;
            if (productBatch.length >= 500) await ports.catalog.batchPut(productBatch.splice(0));
          }
        }
        // Parsing resolves promises only: let timers and I/O of the rest of the process run.
        if (rowsRead % 2000 === 0) await new Promise((resolve) => setImmediate(resolve));
        if (ports.progressEvery && rowsRead % ports.progressEvery === 0) {
          await record({ status: 'ingesting', rowsRead, accepted, rejected, duplicates });
        }
      }
    }
    await writer.flush();
    if (productBatch.length > 0) await ports.catalog.batchPut(productBatch.splice(0));
    const updatedAt = now().toISOString();
    await ports.catalog.batchPut([...derivedProducts.values()].map((p) => ({ ...p, updatedAt })));
  } catch (error) {
    logger.warn('upload could not be read', { key: object.key, error: error as Error });
    // Rows accepted before the break are kept, so the counts in the summary stay true.
    await writer.flush();
    if (productBatch.length > 0) await ports.catalog.batchPut(productBatch.splice(0));
    return fail(`could not read the file: ${(error as Error).message}`, {
      rowsRead,
      accepted,
      rejected,
      duplicates,
    });
  }

  const rejectionReportKey = rejected > 0 ? `${object.key}.rejected.jsonl` : undefined;
  if (rejectionReportKey) {
    await ports.objects.put(rejectionReportKey, `${rejectedLines.join('\n')}\n`, 'application/x-ndjson');
  }
  await ports.operations.putIfAbsent({ ...fingerprint, uploadId, createdAt: now().toISOString() }, 'pk');
  // New events start a profiling run unless the upload asked not to (or one is under way).
  const profilingRunId =
    kind === 'events' && accepted > 0 && existing?.profile !== false && ports.startProfiling
      ? await ports.startProfiling()
      : undefined;
  const counts = { rowsRead, accepted, rejected, duplicates };
  return publish({ ...base, status: 'succeeded', ...counts, rejectionReportKey, profilingRunId });
}
