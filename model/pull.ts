/**
 * Downloading a model file: resumable (HTTP Range on a `.part` file beside the target), checked
 * (size and SHA-256, from the catalog or as the server declares them), and moved into place only
 * when both match. A manifest beside the model records where it came from and what was verified.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TailorError } from '../core/errors';

/** A download that could not complete; the message is one line that says what to do. */
export class PullError extends TailorError {
  override readonly code = 'PullError';
}

export interface PullOptions {
  readonly url: string;
  /** The model file to create. */
  readonly dest: string;
  /** Checked when given; otherwise the server's declared digest (X-Linked-Etag) is checked when it sends one. */
  readonly sha256?: string;
  readonly bytes?: number;
  /** Called as bytes arrive: bytes on disk so far and the total when known. */
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /** Told once before the body streams: how many bytes of an earlier attempt are kept. */
  readonly onStart?: (resumedFrom: number, total: number | undefined) => void;
  readonly timeoutMs?: number;
}

export interface PullResult {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Where the expected digest came from: the catalog, the server, or nowhere (then it is only recorded). */
  readonly verifiedBy: 'catalog' | 'server' | 'none';
  readonly resumedFrom: number;
}

/** What `<model>.json` beside a pulled model holds. */
export interface ModelManifest {
  readonly url: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly verifiedBy: PullResult['verifiedBy'];
  readonly pulledAt: string;
}

const maxRedirects = 8;

export function manifestPath(modelFile: string): string {
  return `${modelFile}.json`;
}

export async function readManifest(modelFile: string): Promise<ModelManifest | undefined> {
  try {
    return JSON.parse(await readFile(manifestPath(modelFile), 'utf8')) as ModelManifest;
  } catch {
    return undefined;
  }
}

/** Download `url` to `dest` (see the module comment). Throws a PullError saying what went wrong. */
export async function pullModel(options: PullOptions): Promise<PullResult> {
  const part = `${options.dest}.part`;
  await mkdir(path.dirname(options.dest), { recursive: true });
  const have = await stat(part).then(
    (s) => s.size,
    () => 0,
  );

  const { response, declared } = await request(options.url, have, options.timeoutMs ?? 60_000);
  const expectedSha = options.sha256?.toLowerCase() ?? declared.sha256;
  const verifiedBy: PullResult['verifiedBy'] = options.sha256
    ? 'catalog'
    : declared.sha256
      ? 'server'
      : 'none';

  let offset = 0;
  let total: number | undefined = options.bytes ?? declared.bytes;
  if (response.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== have) {
      throw new PullError(
        `the server answered a range this download did not ask for (${response.headers.get('content-range')}); delete ${part} and pull again`,
      );
    }
    offset = have;
    if (range[3] !== '*') total ??= Number(range[3]);
  } else if (response.status === 416) {
    // The part already holds every byte the server has.
    await response.body?.cancel();
    offset = have;
  } else if (response.status === 200) {
    const length = response.headers.get('content-length');
    if (length !== null) total ??= Number(length);
  } else {
    await response.body?.cancel();
    throw new PullError(`${options.url} answered HTTP ${response.status}`);
  }

  const hash = createHash('sha256');
  if (offset > 0) {
    for await (const chunk of createReadStream(part, { end: offset - 1 })) hash.update(chunk as Buffer);
  }
  options.onStart?.(offset, total);
  const handle = await open(part, offset > 0 ? 'r+' : 'w');
  let written = offset;
  try {
    if (offset > 0) await handle.truncate(offset);
    if (response.status !== 416 && response.body) {
      const reader = response.body.getReader();
      for (;;) {
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch (error) {
          throw new PullError(
            `the download stopped at ${written} of ${total ?? '?'} bytes (${causeOf(error)}); run the same command again to resume`,
          );
        }
        if (next.done) break;
        await handle.write(next.value, 0, next.value.length, written);
        hash.update(next.value);
        written += next.value.length;
        options.onProgress?.(written, total);
      }
    }
  } finally {
    await handle.close();
  }

  if (total !== undefined && written < total) {
    throw new PullError(
      `the download stopped at ${written} of ${total} bytes; run the same command again to resume`,
    );
  }
  const sha256 = hash.digest('hex');
  if ((total !== undefined && written !== total) || (expectedSha && sha256 !== expectedSha)) {
    await rm(part, { force: true });
    throw new PullError(
      total !== undefined && written !== total
        ? `${options.url} sent ${written} bytes, ${total} were expected; the file was removed`
        : `SHA-256 mismatch for ${path.basename(options.dest)}: expected ${expectedSha}, got ${sha256}; the file was removed`,
    );
  }
  await rename(part, options.dest);
  const manifest: ModelManifest = {
    url: options.url,
    bytes: written,
    sha256,
    verifiedBy,
    pulledAt: new Date().toISOString(),
  };
  await writeFile(manifestPath(options.dest), `${JSON.stringify(manifest, null, 2)}\n`);
  return { file: options.dest, bytes: written, sha256, verifiedBy, resumedFrom: offset };
}

interface Declared {
  readonly sha256?: string;
  readonly bytes?: number;
}

/**
 * Hugging Face declares a Git LFS file's SHA-256 in `X-Linked-Etag` and its size in
 * `X-Linked-Size`, on the answer that redirects to its CDN.
 */
function declaredChecks(headers: Headers): Declared {
  const etag = headers.get('x-linked-etag')?.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  const size = headers.get('x-linked-size');
  return {
    ...(etag && /^[0-9a-f]{64}$/.test(etag) ? { sha256: etag } : {}),
    ...(size && /^\d+$/.test(size) ? { bytes: Number(size) } : {}),
  };
}

/** GET with the Range header, following redirects by hand so the first answer's declared checks are kept. */
async function request(
  url: string,
  from: number,
  timeoutMs: number,
): Promise<{ response: Response; declared: Declared }> {
  const declared = new Headers();
  let current = url;
  for (let hop = 0; hop <= maxRedirects; hop++) {
    let response: Response;
    try {
      response = await fetch(current, {
        redirect: 'manual',
        headers: from > 0 ? { range: `bytes=${from}-` } : {},
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new PullError(`cannot reach ${new URL(current).host} (${causeOf(error)})`);
    }
    for (const name of ['x-linked-etag', 'x-linked-size']) {
      const value = response.headers.get(name);
      if (value && !declared.has(name)) declared.set(name, value);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      current = new URL(location, current).toString();
      continue;
    }
    return { response, declared: declaredChecks(declared) };
  }
  throw new PullError(`${url} redirected more than ${maxRedirects} times`);
}

function causeOf(error: unknown): string {
  const e = error as Error & { cause?: Error & { code?: string } };
  if (e.name === 'TimeoutError') return 'no answer in time';
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
