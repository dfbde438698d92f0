import type { Readable } from 'node:stream';

/**
 * The storage ports the pure cores take. Adapters for S3 and DynamoDB live in `adapters/`;
 * tests pass the in-memory ones from `test/support`.
 */
export interface ObjectStore {
  put(key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
  /** The object's bytes as a stream; NotFoundError when absent. */
  getStream(key: string): Promise<Readable>;
  /** The object's text, or undefined when absent. */
  getText(key: string): Promise<string | undefined>;
  /** Every object under a prefix, pages followed. */
  list(prefix: string): Promise<Array<{ key: string; size: number }>>;
  head(key: string): Promise<{ size: number; etag: string } | undefined>;
  /** A URL the caller can PUT the object's bytes to, without credentials. */
  presignPut(key: string, expiresInSeconds: number): Promise<string>;
  readonly bucket: string;
}

export type Item = Record<string, unknown>;
export type Key = Record<string, string>;

/**
 * One write of a transaction ({@link Table.transact}), on this or another table of the same
 * store: put an item only if none has its key, or add to numeric attributes (creating the item).
 */
export type TransactWrite =
  | { readonly table: Table; readonly putIfAbsent: Item; readonly keyName: string }
  | { readonly table: Table; readonly increment: Key; readonly counters: Record<string, number> };

export interface Table {
  get(key: Key): Promise<Item | undefined>;
  put(item: Item): Promise<void>;
  /** Write only if no item has this key; false when one exists (used for exactly-once). */
  putIfAbsent(item: Item, keyName: string): Promise<boolean>;
  /** Set the given attributes on an existing or new item; returns the item after the update. */
  update(key: Key, attributes: Item): Promise<Item>;
  /**
   * Set attributes only if `attribute` currently equals `expected` (undefined: is absent);
   * false when it does not. The compare and the write are one atomic step.
   */
  compareAndSet(key: Key, attribute: string, expected: unknown, attributes: Item): Promise<boolean>;
  /** Add `by` to numeric attributes atomically. */
  increment(key: Key, counters: Record<string, number>): Promise<Item>;
  delete(key: Key): Promise<void>;
  /** All items of a partition, in sort-key order, pages followed up to `limit`. */
  query(partitionKey: string, value: string, limit?: number): Promise<Item[]>;
  batchPut(items: Item[]): Promise<void>;
  batchGet(keys: Key[]): Promise<Item[]>;
  /**
   * The writes as one transaction: all of them or none, even if the process dies midway. False
   * (and nothing written) when a `putIfAbsent` found its key taken; conflicts with concurrent
   * transactions are retried inside. At most 100 writes, no two on one item.
   */
  transact(writes: readonly TransactWrite[]): Promise<boolean>;
}
