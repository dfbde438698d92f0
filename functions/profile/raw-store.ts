import { fnv1a } from '../../core/hash';
import type { ObjectStore } from '../shared/ports';
import type { BehaviourEvent } from './schema';

/**
 * The raw-event store: JSON Lines objects under `<raw>/events/shard=NNNN/`, one shard per
 * hash bucket of the user id, so that a profiling shard reads whole users.
 */
export function shardOf(userId: string, shards: number): number {
  return fnv1a(userId) % shards;
}

export function shardName(shard: number): string {
  return `shard=${String(shard).padStart(4, '0')}`;
}

export function shardPrefix(rawPrefix: string, name: string): string {
  return `${rawPrefix}events/${name}/`;
}

export interface RawWriterOptions {
  readonly rawPrefix: string;
  readonly shards: number;
  /** Names the part files: `<source>-<part>.jsonl`, unique per upload or request. */
  readonly source: string;
  /** Bytes buffered across all shards before the largest buffer is written out. */
  readonly bufferBytes?: number;
}

/**
 * Buffers events per shard and writes them as part files; memory stays bounded. Lines are
 * encoded as UTF-8 into one byte buffer per shard as they arrive, so a buffered event costs
 * its bytes outside the JavaScript heap rather than a long-lived string the garbage collector
 * must keep moving; the working buffers are reused after each write.
 */
export class RawEventWriter {
  private readonly buffers: Array<Buffer | undefined> = [];
  private readonly sizes: number[] = [];
  private readonly counts: number[] = [];
  private readonly parts: number[] = [];
  private buffered = 0;
  private readonly limit: number;
  written = 0;
  objects = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: RawWriterOptions,
  ) {
    this.limit = options.bufferBytes ?? 32 * 1024 * 1024;
    for (let shard = 0; shard < options.shards; shard++) {
      this.sizes.push(0);
      this.counts.push(0);
      this.parts.push(0);
      this.buffers.push(undefined);
    }
  }

  /**
   * Buffer an event. Returns a promise only when a buffer had to be written out (await it
   * then); otherwise nothing, so the hot loop pays no promise per event.
   */
  add(event: BehaviourEvent): Promise<void> | undefined {
    const shard = shardOf(event.userId, this.options.shards);
    const line = JSON.stringify(event);
    const size = this.sizes[shard]!;
    // A UTF-8 character takes at most 3 bytes per UTF-16 code unit; + 1 for the line break.
    const needed = size + 3 * line.length + 1;
    let buffer = this.buffers[shard];
    if (buffer === undefined || buffer.length < needed) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * (buffer?.length ?? 32 * 1024)));
      if (buffer !== undefined) buffer.copy(grown, 0, 0, size);
      this.buffers[shard] = buffer = grown;
    }
    const bytes = buffer.write(line, size) + 1;
    buffer[size + bytes - 1] = 10;
    this.sizes[shard] = size + bytes;
    this.counts[shard]!++;
    this.buffered += bytes;
    return this.buffered > this.limit ? this.flushShard(this.largestShard()) : undefined;
  }

  async flush(): Promise<void> {
    for (let shard = 0; shard < this.options.shards; shard++) await this.flushShard(shard);
  }

  private largestShard(): number {
    let best = 0;
    for (let shard = 1; shard < this.options.shards; shard++) {
      if (this.sizes[shard]! > this.sizes[best]!) best = shard;
    }
    return best;
  }

  private async flushShard(shard: number): Promise<void> {
    const size = this.sizes[shard]!;
    const buffer = this.buffers[shard];
    if (size === 0 || buffer === undefined) return;
    const part = this.parts[shard]! + 1;
    this.parts[shard] = part;
    // The store may keep the body it is given: it gets a copy, and the buffer is reused.
    // The lines stay buffered until the write succeeds, so a later flush can retry them.
    const body = Uint8Array.prototype.slice.call(buffer, 0, size);
    const key = `${shardPrefix(this.options.rawPrefix, shardName(shard))}${this.options.source}-${String(part).padStart(5, '0')}.jsonl`;
    await this.store.put(key, body, 'application/x-ndjson');
    this.written += this.counts[shard]!;
    this.objects += 1;
    this.sizes[shard] = 0;
    this.counts[shard] = 0;
    this.buffered -= size;
  }
}
