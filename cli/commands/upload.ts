import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import type { BodyOf, ResponseOf } from '../../functions/shared/contract';
import type { ApiClient } from '../client';
import { pairs, sleep } from '../output';

type UploadStatus = ResponseOf<'GET /uploads/{id}'>;

/** `tailor upload FILE`: ask for an upload URL, PUT the file with a progress bar, follow ingestion. */
export async function upload(
  client: ApiClient,
  file: string,
  options: { kind: string; mapping?: string; wait: boolean; timeout: string },
): Promise<UploadStatus | undefined> {
  const size = statSync(file).size;
  // A mapping is a preset name, or a JSON file holding a mapping spec.
  const mapping =
    options.mapping && /\.json$/i.test(options.mapping) && existsSync(options.mapping)
      ? JSON.parse(readFileSync(options.mapping, 'utf8'))
      : options.mapping;
  const ticket = await client.createUpload({
    fileName: path.basename(file),
    kind: options.kind as BodyOf<'POST /uploads'>['kind'],
    mapping,
  });
  const bar = new SingleBar({
    format: 'upload   [{bar}] {percentage}% {value}/{total} bytes',
    hideCursor: true,
  });
  bar.start(size, 0);
  let sent = 0;
  const source = createReadStream(file);
  source.on('data', (chunk) => {
    sent += chunk.length;
    bar.update(sent);
  });
  const response = await fetch(ticket.uploadUrl, {
    method: 'PUT',
    body: Readable.toWeb(source) as ReadableStream,
    headers: { 'content-length': String(size) },
    duplex: 'half',
  } as RequestInit);
  bar.stop();
  if (!response.ok) throw new Error(`the upload was refused: ${response.status} ${await response.text()}`);
  console.log(`uploaded ${path.basename(file)} as ${ticket.uploadId}`);
  if (!options.wait) return undefined;

  const deadline = Date.now() + Number(options.timeout) * 1000;
  const rows = new SingleBar({ format: 'ingest   {status} {rowsRead} rows read', hideCursor: true });
  rows.start(1, 0, { status: 'waiting', rowsRead: 0 });
  let status: UploadStatus;
  for (;;) {
    status = await client.upload(ticket.uploadId);
    rows.update(0, { status: status.status, rowsRead: status.rowsRead ?? 0 });
    if (['succeeded', 'failed', 'duplicate'].includes(status.status)) break;
    if (Date.now() > deadline) {
      rows.stop();
      throw new Error(
        `ingestion still ${status.status} after ${options.timeout} s; check with: tailor upload-status ${ticket.uploadId}`,
      );
    }
    await sleep(500);
  }
  rows.stop();
  printUpload(status);
  return status;
}

export function printUpload(status: UploadStatus): void {
  console.log(
    pairs(
      [
        ['upload', status.uploadId],
        ['status', status.status],
        ['rows read', status.rowsRead],
        ['accepted', status.accepted],
        ['rejected', status.rejected],
        ['duplicates', status.duplicates],
        ['rejection report', status.rejectionReportKey],
        ['duplicate of', status.duplicateOf],
        ['error', status.error],
      ].filter(([, v]) => v !== undefined) as Array<[string, string | number]>,
    ),
  );
}
