/**
 * A tiny language model that llama.cpp really loads: the llama architecture with two blocks, 64
 * wide, four heads, a byte-level SentencePiece vocabulary (the 256 bytes as byte-fallback tokens
 * plus ChatML's control tokens) and Qwen's ChatML chat template, about 480 KB as F32.
 *
 * The weights are random (seeded) with one hand-set part: every token embedding carries a
 * constant first component, and the output matrix reads that component with a per-token bias,
 * so whatever the input, the model prefers closing quotes, then brackets, then letters, and
 * `<|im_end|>` once the JSON is complete. Under the copy schema's grammar that keeps strings
 * short, so a test can bound the tokens; the grammar, not the weights, makes the JSON valid.
 */
import { Rng } from '../../core/random';
import { type MetaValue, type Tensor, writeGguf } from './gguf-writer';

export const tinyChatTemplate =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface TinyModelOptions {
  readonly seed?: number;
  /** `general.architecture`; anything but 'llama' makes a file the runtime cannot load. */
  readonly architecture?: string;
  readonly layers?: number;
}

const embd = 64;
const heads = 4;
const ff = 128;

/** SentencePiece token types, as llama.cpp numbers them. */
const tokenType = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

const special = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'] as const;
const imEnd = 4;

/** The tiny model's vocabulary: control tokens, then one token per byte. */
export function tinyVocabulary(): { tokens: string[]; types: number[] } {
  const tokens: string[] = [...special];
  const types: number[] = [
    tokenType.unknown,
    tokenType.control,
    tokenType.control,
    tokenType.control,
    tokenType.control,
  ];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(tokenType.byte);
  }
  return { tokens, types };
}

/** The hand-set preference of each token (added to its logit, whatever the input). */
function outputBias(vocabSize: number): Float32Array {
  const bias = new Float32Array(vocabSize);
  const byte = (c: string) => special.length + c.charCodeAt(0);
  for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ') bias[byte(c)] = 3;
  // A closing quote beats everything a string may hold; a closing bracket beats a comma.
  bias[byte('"')] = 12;
  bias[byte(']')] = 8;
  bias[imEnd] = 14;
  return bias;
}

/** The model file's bytes. */
export function buildTinyModel(options: TinyModelOptions = {}): Buffer {
  const rng = new Rng(options.seed ?? 7);
  const gaussian = (): number => {
    // Box-Muller on the seeded generator.
    const u = 1 - rng.int(2 ** 30) / 2 ** 30;
    const v = rng.int(2 ** 30) / 2 ** 30;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const random = (length: number, scale: number) => {
    const a = new Float32Array(length);
    for (let i = 0; i < length; i++) a[i] = gaussian() * scale;
    return a;
  };
  const ones = (length: number) => new Float32Array(length).fill(1);

  const { tokens, types } = tinyVocabulary();
  const vocab = tokens.length;
  const layers = options.layers ?? 2;
  const architecture = options.architecture ?? 'llama';

  // Embeddings: a constant first component the output reads as a bias, small random elsewhere.
  const tokenEmbd = random(vocab * embd, 0.1);
  for (let t = 0; t < vocab; t++) tokenEmbd[t * embd] = 1;
  // After RMS normalization the constant component is about 1 / rms of an embedding.
  const constant = 1 / Math.sqrt((1 + (embd - 1) * 0.01) / embd);
  const bias = outputBias(vocab);
  const output = random(vocab * embd, 0.1);
  for (let t = 0; t < vocab; t++) output[t * embd] = bias[t]! / constant;

  const tensors: Tensor[] = [
    { name: 'token_embd.weight', dims: [embd, vocab], data: tokenEmbd },
    { name: 'output_norm.weight', dims: [embd], data: ones(embd) },
    { name: 'output.weight', dims: [embd, vocab], data: output },
  ];
  for (let l = 0; l < layers; l++) {
    const w = (name: string, dims: number[], scale: number) =>
      tensors.push({ name: `blk.${l}.${name}.weight`, dims, data: random(dims[0]! * dims[1]!, scale) });
    tensors.push({ name: `blk.${l}.attn_norm.weight`, dims: [embd], data: ones(embd) });
    w('attn_q', [embd, embd], 0.1);
    w('attn_k', [embd, embd], 0.1);
    w('attn_v', [embd, embd], 0.1);
    // Small output projections: the residual stream stays close to the embedding.
    w('attn_output', [embd, embd], 0.01);
    tensors.push({ name: `blk.${l}.ffn_norm.weight`, dims: [embd], data: ones(embd) });
    w('ffn_gate', [embd, ff], 0.1);
    w('ffn_up', [embd, ff], 0.1);
    w('ffn_down', [ff, embd], 0.01);
  }

  const a = (key: string) => `${architecture}.${key}`;
  const metadata = new Map<string, MetaValue>([
    ['general.architecture', { type: 'string', value: architecture }],
    ['general.name', { type: 'string', value: 'tailor-tiny-test' }],
    ['general.file_type', { type: 'u32', value: 0 }],
    [a('context_length'), { type: 'u32', value: 4096 }],
    [a('embedding_length'), { type: 'u32', value: embd }],
    [a('block_count'), { type: 'u32', value: layers }],
    [a('feed_forward_length'), { type: 'u32', value: ff }],
    [a('attention.head_count'), { type: 'u32', value: heads }],
    [a('attention.head_count_kv'), { type: 'u32', value: heads }],
    [a('attention.layer_norm_rms_epsilon'), { type: 'f32', value: 1e-5 }],
    [a('rope.dimension_count'), { type: 'u32', value: embd / heads }],
    [a('rope.freq_base'), { type: 'f32', value: 10_000 }],
    [a('vocab_size'), { type: 'u32', value: vocab }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'strings', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'f32s', value: new Float32Array(vocab) }],
    ['tokenizer.ggml.token_type', { type: 'i32s', value: types }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: imEnd }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: 0 }],
    ['tokenizer.ggml.padding_token_id', { type: 'u32', value: 2 }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_space_prefix', { type: 'bool', value: false }],
    ['tokenizer.chat_template', { type: 'string', value: tinyChatTemplate }],
  ]);
  return writeGguf(metadata, tensors);
}
