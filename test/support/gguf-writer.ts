/**
 * A GGUF writer for tests: metadata key/values and F32 tensors, laid out as llama.cpp reads them
 * (written from the format's description; llama.cpp's gguf-py was the reference). Tensor
 * dimensions are given in ggml's order: the first is the one that varies fastest in memory,
 * so a matrix of `out` rows by `in` columns is `[in, out]`.
 */
import { GgmlType, GgufType, ggufDefaultAlignment, ggufMagic } from '../../model/gguf';

export type MetaValue =
  | { readonly type: 'u32'; readonly value: number }
  | { readonly type: 'i32'; readonly value: number }
  | { readonly type: 'f32'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'f32s'; readonly value: ArrayLike<number> }
  | { readonly type: 'i32s'; readonly value: ArrayLike<number> };

export interface Tensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** A growing little-endian byte buffer. */
class Bytes {
  private buffer = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
  u32(v: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.buffer.writeInt32LE(v, this.length);
    this.length += 4;
  }
  u64(v: number): void {
    this.reserve(8);
    this.buffer.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  f32(v: number): void {
    this.reserve(4);
    this.buffer.writeFloatLE(v, this.length);
    this.length += 4;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buffer.writeUInt8(v, this.length);
    this.length += 1;
  }
  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.raw(bytes);
  }
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }
  pad(alignment: number): void {
    const padded = Math.ceil(this.length / alignment) * alignment;
    this.reserve(padded - this.length);
    this.length = padded;
  }
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** The whole file, version 3, default alignment. */
export function writeGguf(metadata: ReadonlyMap<string, MetaValue>, tensors: readonly Tensor[]): Buffer {
  const out = new Bytes();
  out.raw(Buffer.from(ggufMagic, 'latin1'));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(metadata.size);
  for (const [key, meta] of metadata) {
    out.string(key);
    writeValue(out, meta);
  }
  let offset = 0;
  for (const tensor of tensors) {
    const elements = tensor.dims.reduce((a, b) => a * b, 1);
    if (elements !== tensor.data.length) {
      throw new Error(
        `tensor ${tensor.name}: dims ${tensor.dims.join('x')} but ${tensor.data.length} values`,
      );
    }
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const d of tensor.dims) out.u64(d);
    out.u32(GgmlType.f32);
    out.u64(offset);
    offset += Math.ceil((elements * 4) / ggufDefaultAlignment) * ggufDefaultAlignment;
  }
  out.pad(ggufDefaultAlignment);
  for (const tensor of tensors) {
    out.raw(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    out.pad(ggufDefaultAlignment);
  }
  return out.bytes();
}

function writeValue(out: Bytes, meta: MetaValue): void {
  switch (meta.type) {
    case 'u32':
      out.u32(GgufType.uint32);
      out.u32(meta.value);
      return;
    case 'i32':
      out.u32(GgufType.int32);
      out.i32(meta.value);
      return;
    case 'f32':
      out.u32(GgufType.float32);
      out.f32(meta.value);
      return;
    case 'bool':
      out.u32(GgufType.bool);
      out.u8(meta.value ? 1 : 0);
      return;
    case 'string':
      out.u32(GgufType.string);
      out.string(meta.value);
      return;
    case 'strings':
      out.u32(GgufType.array);
      out.u32(GgufType.string);
      out.u64(meta.value.length);
      for (const s of meta.value) out.string(s);
      return;
    case 'f32s':
      out.u32(GgufType.array);
      out.u32(GgufType.float32);
      out.u64(meta.value.length);
      for (let i = 0; i < meta.value.length; i++) out.f32(meta.value[i]!);
      return;
    case 'i32s':
      out.u32(GgufType.array);
      out.u32(GgufType.int32);
      out.u64(meta.value.length);
      for (let i = 0; i < meta.value.length; i++) out.i32(meta.value[i]!);
      return;
  }
}
