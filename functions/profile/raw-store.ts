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

/** Buffers events per shard and writes them as part files; memory stays bounded. */
export class RawEventWriter {
  private readonly buffers = new Map<number, string[]>();
  private readonly sizes = new Map<number, number>();
  private readonly parts = new Map<number, number>();
  private buffered = 0;
  private readonly limit: number;
  written = 0;
  objects = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: RawWriterOptions,
  ) {
    this.limit = options.bufferBytes ?? 32 * 1024 * 1024;
  }

  /**
   * Buffer an event. Returns a promise only when a buffer had to be written out (await it
   * then); otherwise nothing, so the hot loop pays no promise per event.
   */
  add(event: BehaviourEvent): Promise<void> | undefined {
    const shard = shardOf(event.userId, this.options.shards);
    const line = JSON.stringify(event);
    const lines = this.buffers.get(shard) ?? [];
    lines.push(line);
    this.buffers.set(shard, lines);
    this.sizes.set(shard, (this.sizes.get(shard) ?? 0) + line.length + 1);
    this.buffered += line.length + 1;
    return this.buffered > this.limit ? this.flushShard(this.largestShard()) : undefined;
  }

  async flush(): Promise<void> {
    for (const shard of [...this.buffers.keys()]) await this.flushShard(shard);
  }

  private largestShard(): number {
    let best = -1;
    let bestSize = -1;
    for (const [shard, size] of this.sizes) {
      if (size > bestSize) [best, bestSize] = [shard, size];
    }
    return best;
  }

  private async flushShard(shard: number): Promise<void> {
    const lines = this.buffers.get(shard);
    if (!lines || lines.length === 0) return;
    const part = (this.parts.get(shard) ?? 0) + 1;
    this.parts.set(shard, part);
    const key = `${shardPrefix(this.options.rawPrefix, shardName(shard))}${this.options.source}-${String(part).padStart(5, '0')}.jsonl`;
    await this.store.put(key, `${lines.join('\n')}\n`, 'application/x-ndjson');
    this.written += lines.length;
    this.objects += 1;
    this.buffered -= this.sizes.get(shard) ?? 0;
    this.buffers.delete(shard);
    this.sizes.delete(shard);
  }
}
