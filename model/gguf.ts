/**
 * GGUF, the file format of llama.cpp's models: enough of it to refuse a bad model file in one
 * line before the runtime touches it, and to describe a good one (architecture, name, size).
 * Layout (little-endian): magic "GGUF", version (u32, 2 or 3), tensor count and metadata count
 * (u64), the metadata key/value pairs, the tensor infos (name, dimensions, ggml type, offset),
 * padding to `general.alignment` (32 by default), then the tensor data.
 *
 * The reader reads the header only, in chunks, so a multi-gigabyte model costs a few reads.
 */
import { open } from 'node:fs/promises';
import { ConfigurationError } from '../core/errors';

export const ggufMagic = 'GGUF';
export const ggufDefaultAlignment = 32;

/** GGUF metadata value types, as numbered in the file. */
export const GgufType = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

/** ggml tensor types: F32 and F16 are the ones Tailor itself writes (test models). */
export const GgmlType = { f32: 0, f16: 1 } as const;

/**
 * [block size, bytes per block] of each ggml tensor type, as llama.cpp's gguf-py lists them
 * (GGML_QUANT_SIZES). A type missing here is one this reader cannot size; its extent is not checked.
 */
const ggmlTypeSizes: Readonly<Record<number, readonly [number, number]>> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0
  3: [32, 20], // Q4_1
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0
  9: [32, 40], // Q8_1
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  15: [256, 292], // Q8_K
  16: [256, 66], // IQ2_XXS
  17: [256, 74], // IQ2_XS
  18: [256, 98], // IQ3_XXS
  19: [256, 50], // IQ1_S
  20: [32, 18], // IQ4_NL
  21: [256, 110], // IQ3_S
  22: [256, 82], // IQ2_S
  23: [256, 136], // IQ4_XS
  24: [1, 1], // I8
  25: [1, 2], // I16
  26: [1, 4], // I32
  27: [1, 8], // I64
  28: [1, 8], // F64
  29: [256, 56], // IQ1_M
  30: [1, 2], // BF16
  34: [256, 54], // TQ1_0
  35: [256, 66], // TQ2_0
};

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: number;
  /** From the start of the data section. */
  readonly offset: number;
}

export interface GgufHeader {
  readonly version: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
  /** Where the tensor data starts, in bytes from the start of the file. */
  readonly dataOffset: number;
  readonly fileSize: number;
}

/** What Tailor reports about a model file. */
export interface GgufSummary {
  readonly architecture: string;
  readonly name?: string;
  readonly contextLength?: number;
  readonly parameters: number;
  readonly fileSize: number;
  readonly hasChatTemplate: boolean;
}

/**
 * A model file that cannot be used: missing, unreadable, not GGUF, corrupt (cut short, a header
 * that does not parse), or a model the runtime cannot load. The message is one line that starts
 * with the file's path.
 */
export class ModelFileError extends ConfigurationError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`model file ${file}: ${reason}`);
  }
}

/** Arrays longer than this in a header are taken as corruption (real vocabularies hold < 1M tokens). */
const maxArrayLength = 50_000_000;

/** Reads the file forwards in chunks; every read past the end is corruption. */
class HeaderReader {
  private buffer = Buffer.alloc(0);
  /** File position of buffer[0]. */
  private start = 0;
  position = 0;

  constructor(
    private readonly read: (position: number, length: number) => Promise<Buffer>,
    readonly fileSize: number,
  ) {}

  private async need(n: number): Promise<void> {
    if (this.position + n > this.fileSize) {
      throw new CorruptError(
        `the header runs past the end of the file (byte ${this.position + n} of ${this.fileSize})`,
      );
    }
    const end = this.start + this.buffer.length;
    if (this.position + n <= end) return;
    const keep = this.position < end ? this.buffer.subarray(this.position - this.start) : Buffer.alloc(0);
    const chunk = await this.read(Math.max(this.position, end), Math.max(n - keep.length, 1 << 20));
    this.buffer = Buffer.concat([keep, chunk]);
    this.start = this.position;
  }

  private at(): number {
    return this.position - this.start;
  }

  async u32(): Promise<number> {
    await this.need(4);
    const v = this.buffer.readUInt32LE(this.at());
    this.position += 4;
    return v;
  }

  async u64(): Promise<number> {
    await this.need(8);
    const v = this.buffer.readBigUInt64LE(this.at());
    this.position += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new CorruptError(`a length or offset is impossibly large (${v})`);
    return Number(v);
  }

  async string(): Promise<string> {
    const length = await this.u64();
    await this.need(length);
    const v = this.buffer.toString('utf8', this.at(), this.at() + length);
    this.position += length;
    return v;
  }

  async value(type: number, depth = 0): Promise<GgufValue> {
    const fixed: Record<number, [number, (b: Buffer, o: number) => GgufValue]> = {
      [GgufType.uint8]: [1, (b, o) => b.readUInt8(o)],
      [GgufType.int8]: [1, (b, o) => b.readInt8(o)],
      [GgufType.uint16]: [2, (b, o) => b.readUInt16LE(o)],
      [GgufType.int16]: [2, (b, o) => b.readInt16LE(o)],
      [GgufType.uint32]: [4, (b, o) => b.readUInt32LE(o)],
      [GgufType.int32]: [4, (b, o) => b.readInt32LE(o)],
      [GgufType.float32]: [4, (b, o) => b.readFloatLE(o)],
      [GgufType.bool]: [1, (b, o) => b.readUInt8(o) !== 0],
      [GgufType.uint64]: [8, (b, o) => b.readBigUInt64LE(o)],
      [GgufType.int64]: [8, (b, o) => b.readBigInt64LE(o)],
      [GgufType.float64]: [8, (b, o) => b.readDoubleLE(o)],
    };
    if (type === GgufType.string) return this.string();
    if (type === GgufType.array) {
      if (depth > 2) throw new CorruptError('arrays nested too deeply');
      const itemType = await this.u32();
      const count = await this.u64();
      if (count > maxArrayLength) throw new CorruptError(`an array of ${count} items`);
      const items: GgufValue[] = [];
      for (let i = 0; i < count; i++) items.push(await this.value(itemType, depth + 1));
      return items;
    }
    const reader = fixed[type];
    if (!reader) throw new CorruptError(`unknown metadata value type ${type}`);
    await this.need(reader[0]);
    const v = reader[1](this.buffer, this.at());
    this.position += reader[0];
    return v;
  }
}

class CorruptError extends Error {}

/**
 * Read a GGUF file's header and check that the tensor data it describes is all there. Throws a
 * ModelFileError saying what is wrong, in one line naming the file.
 */
export async function readGgufHeader(file: string): Promise<GgufHeader> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new ModelFileError(file, fileSystemReason(error as NodeJS.ErrnoException));
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new ModelFileError(file, 'is a folder, not a GGUF file');
    const read = async (position: number, length: number) => {
      const size = Math.min(length, stat.size - position);
      const buffer = Buffer.alloc(Math.max(size, 0));
      try {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        return buffer.subarray(0, bytesRead);
      } catch (error) {
        throw new ModelFileError(file, fileSystemReason(error as NodeJS.ErrnoException));
      }
    };
    const magic = await read(0, 4);
    if (magic.length < 4 || magic.toString('latin1') !== ggufMagic) {
      throw new ModelFileError(
        file,
        stat.size === 0
          ? 'is empty, not a GGUF model'
          : `is not a GGUF model (it starts with ${JSON.stringify(magic.toString('latin1').replace(/[^\x20-\x7e]/g, '.'))}, not "GGUF")`,
      );
    }
    try {
      return await parseHeader(new HeaderReader(read, stat.size));
    } catch (error) {
      if (error instanceof CorruptError) throw new ModelFileError(file, `is corrupt: ${error.message}`);
      throw error;
    }
  } finally {
    await handle.close();
  }
}

async function parseHeader(reader: HeaderReader): Promise<GgufHeader> {
  reader.position = 4;
  const version = await reader.u32();
  if (version !== 2 && version !== 3) throw new CorruptError(`GGUF version ${version} (2 and 3 exist)`);
  const tensorCount = await reader.u64();
  const kvCount = await reader.u64();
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = await reader.string();
    const type = await reader.u32();
    metadata.set(key, await reader.value(type));
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = await reader.string();
    const nDims = await reader.u32();
    if (nDims < 1 || nDims > 4) throw new CorruptError(`tensor ${name} has ${nDims} dimensions`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(await reader.u64());
    const type = await reader.u32();
    const offset = await reader.u64();
    tensors.push({ name, dims, type, offset });
  }
  const alignmentValue = metadata.get('general.alignment');
  const alignment =
    typeof alignmentValue === 'number' && alignmentValue > 0 ? alignmentValue : ggufDefaultAlignment;
  const dataOffset = Math.ceil(reader.position / alignment) * alignment;
  for (const tensor of tensors) {
    const bytes = tensorBytes(tensor);
    if (bytes === undefined) continue;
    const end = dataOffset + tensor.offset + bytes;
    if (end > reader.fileSize) {
      throw new CorruptError(
        `tensor ${tensor.name} ends at byte ${end} but the file has ${reader.fileSize} (cut short?)`,
      );
    }
  }
  return { version, metadata, tensors, dataOffset, fileSize: reader.fileSize };
}

/** A tensor's size in bytes, or undefined for a type this reader cannot size. */
export function tensorBytes(tensor: Pick<GgufTensorInfo, 'dims' | 'type'>): number | undefined {
  const size = ggmlTypeSizes[tensor.type];
  if (!size) return undefined;
  const elements = tensor.dims.reduce((a, b) => a * b, 1);
  return Math.ceil(elements / size[0]) * size[1];
}

/** What a model file is, from its header. */
export function summarize(header: GgufHeader): GgufSummary {
  const architecture = header.metadata.get('general.architecture');
  const name = header.metadata.get('general.name');
  const context = header.metadata.get(`${String(architecture)}.context_length`);
  return {
    architecture: typeof architecture === 'string' ? architecture : 'unknown',
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof context === 'number' ? { contextLength: context } : {}),
    parameters: header.tensors.reduce((sum, t) => sum + t.dims.reduce((a, b) => a * b, 1), 0),
    fileSize: header.fileSize,
    hasChatTemplate: typeof header.metadata.get('tokenizer.chat_template') === 'string',
  };
}

/** Read and summarize a model file, refusing a bad one (see `readGgufHeader`). */
export async function inspectModelFile(file: string): Promise<GgufSummary> {
  const header = await readGgufHeader(file);
  if (!header.metadata.has('general.architecture')) {
    throw new ModelFileError(file, 'is corrupt: it names no general.architecture');
  }
  return summarize(header);
}

function fileSystemReason(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    case 'EISDIR':
      return 'is a folder, not a GGUF file';
    default:
      return `cannot be read (${error.code ?? error.message})`;
  }
}
