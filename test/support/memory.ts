import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { NotFoundError } from '../../core/errors';
import type { Item, Key, ObjectStore, Table, TransactWrite } from '../../functions/shared/ports';

/** The object-store port in memory, for unit tests of the cores. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Buffer>();
  constructor(readonly bucket = 'test-bucket') {}

  async put(key: string, body: string | Uint8Array): Promise<void> {
    this.objects.set(key, Buffer.from(body));
  }
  async getStream(key: string): Promise<Readable> {
    const body = this.objects.get(key);
    if (!body) throw new NotFoundError(`no object ${key}`);
    return Readable.from([body]);
  }
  async getText(key: string): Promise<string | undefined> {
    return this.objects.get(key)?.toString('utf8');
  }
  async list(prefix: string): Promise<Array<{ key: string; size: number }>> {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, body]) => ({ key, size: body.length }));
  }
  async head(key: string): Promise<{ size: number; etag: string } | undefined> {
    const body = this.objects.get(key);
    return body ? { size: body.length, etag: createHash('md5').update(body).digest('hex') } : undefined;
  }
  async presignPut(key: string, expiresInSeconds: number): Promise<string> {
    return `https://example.test/${this.bucket}/${key}?expires=${expiresInSeconds}`;
  }
  text(key: string): string | undefined {
    return this.objects.get(key)?.toString('utf8');
  }
}

/** The table port in memory; `keys` names the partition and optional sort key. */
export class MemoryTable implements Table {
  readonly items = new Map<string, Item>();
  constructor(private readonly keys: string[] = ['pk', 'sk']) {}

  private id(key: Key | Item): string {
    return this.keys.map((k) => String(key[k])).join('\u0000');
  }
  async get(key: Key): Promise<Item | undefined> {
    const item = this.items.get(this.id(key));
    return item ? structuredClone(item) : undefined;
  }
  async put(item: Item): Promise<void> {
    this.items.set(this.id(item), structuredClone(item));
  }
  async putIfAbsent(item: Item): Promise<boolean> {
    if (this.items.has(this.id(item))) return false;
    await this.put(item);
    return true;
  }
  async update(key: Key, attributes: Item): Promise<Item> {
    const next = { ...(this.items.get(this.id(key)) ?? key), ...attributes };
    for (const [k, v] of Object.entries(attributes)) if (v === undefined) delete next[k];
    this.items.set(this.id(key), next);
    return structuredClone(next);
  }
  async compareAndSet(key: Key, attribute: string, expected: unknown, attributes: Item): Promise<boolean> {
    const current = this.items.get(this.id(key));
    if (current?.[attribute] !== expected) return false;
    this.items.set(this.id(key), { ...(current ?? key), ...structuredClone(attributes) });
    return true;
  }

  async increment(key: Key, counters: Record<string, number>): Promise<Item> {
    const current = this.items.get(this.id(key)) ?? { ...key };
    for (const [k, by] of Object.entries(counters)) current[k] = Number(current[k] ?? 0) + by;
    this.items.set(this.id(key), current);
    return structuredClone(current);
  }
  async delete(key: Key): Promise<void> {
    this.items.delete(this.id(key));
  }
  async query(partitionKey: string, value: string): Promise<Item[]> {
    return [...this.items.values()]
      .filter((item) => item[partitionKey] === value)
      .sort((a, b) => String(a[this.keys[1] ?? '']).localeCompare(String(b[this.keys[1] ?? ''])));
  }
  async batchPut(items: Item[]): Promise<void> {
    for (const item of items) await this.put(item);
  }
  async batchGet(keys: Key[]): Promise<Item[]> {
    return keys.flatMap((key) => {
      const item = this.items.get(this.id(key));
      return item ? [structuredClone(item)] : [];
    });
  }
  /** All or nothing: every condition is checked before anything is written (no await between). */
  async transact(writes: readonly TransactWrite[]): Promise<boolean> {
    const tables = writes.map((w) => {
      if (!(w.table instanceof MemoryTable)) throw new Error('a transaction spans memory tables only');
      return w.table;
    });
    for (const [i, w] of writes.entries()) {
      if ('putIfAbsent' in w && tables[i]!.items.has(tables[i]!.id(w.putIfAbsent))) return false;
    }
    for (const [i, w] of writes.entries()) {
      const table = tables[i]!;
      if ('putIfAbsent' in w) table.items.set(table.id(w.putIfAbsent), structuredClone(w.putIfAbsent));
      else {
        const current = table.items.get(table.id(w.increment)) ?? { ...w.increment };
        for (const [k, by] of Object.entries(w.counters)) current[k] = Number(current[k] ?? 0) + by;
        table.items.set(table.id(w.increment), current);
      }
    }
    return true;
  }
}
