import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigurationError } from '../../../core/errors';
import { backendFromConfig, ggufBackend } from '../../../model/backends';
import { grammarRepetitionLimit, toGrammarSchema } from '../../../model/backends/gguf';
import { chooseModelFile, modelCatalog } from '../../../model/catalog';
import { copyOutputJsonSchema } from '../../../model/contract';
import { inspectModelFile, ModelFileError, readGgufHeader, tensorBytes } from '../../../model/gguf';
import { buildTinyModel, tinyChatTemplate, tinyVocabulary } from '../../support/tiny-gguf';

let dir: string;
const tiny = buildTinyModel();

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tailor-gguf-unit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('the GGUF header reader', () => {
  test('reads back what the test writer wrote: metadata, tensors and where the data starts', async () => {
    const header = await readGgufHeader(file('tiny.gguf', tiny));
    expect(header.version).toBe(3);
    expect(header.metadata.get('general.architecture')).toBe('llama');
    expect(header.metadata.get('llama.block_count')).toBe(2);
    expect(header.metadata.get('tokenizer.chat_template')).toBe(tinyChatTemplate);
    expect(header.metadata.get('tokenizer.ggml.tokens')).toEqual(tinyVocabulary().tokens);
    expect(header.tensors.map((t) => t.name)).toContain('blk.1.ffn_down.weight');
    expect(header.tensors[0]).toMatchObject({ name: 'token_embd.weight', dims: [64, 261], offset: 0 });
    expect(header.dataOffset % 32).toBe(0);
    const last = header.tensors.at(-1)!;
    expect(header.dataOffset + last.offset + tensorBytes(last)!).toBeLessThanOrEqual(tiny.length);
  });

  test('summarizes a model: architecture, name, context, parameters, chat template', async () => {
    const summary = await inspectModelFile(file('tiny2.gguf', tiny));
    expect(summary).toMatchObject({
      architecture: 'llama',
      name: 'tailor-tiny-test',
      contextLength: 4096,
      fileSize: tiny.length,
      hasChatTemplate: true,
    });
    // 2 × 261 × 64 (embeddings, output) + 64 + 2 × (4 × 64² + 3 × 64 × 128 + 2 × 64)
    expect(summary.parameters).toBe(2 * 261 * 64 + 64 + 2 * (4 * 64 * 64 + 3 * 64 * 128 + 2 * 64));
  });

  test('sizes quantized tensors by their blocks (Q4_K: 144 bytes per 256 values)', () => {
    expect(tensorBytes({ dims: [4096, 4096], type: 12 })).toBe((4096 * 4096 * 144) / 256);
    expect(tensorBytes({ dims: [10], type: 999 })).toBeUndefined();
  });
});

describe('a bad model file is a ModelFileError: one line naming the file', () => {
  const refused = async (p: string) => {
    const error = await inspectModelFile(p).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFileError);
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message.startsWith(`model file ${p}: `)).toBe(true);
    expect(message).not.toContain('\n');
    return message;
  };

  test('missing', async () => {
    expect(await refused(path.join(dir, 'nope.gguf'))).toMatch(/does not exist$/);
  });
  test('a folder', async () => {
    const folder = path.join(dir, 'folder.gguf');
    mkdirSync(folder, { recursive: true });
    expect(await refused(folder)).toMatch(/is a folder/);
  });
  test('empty', async () => {
    expect(await refused(file('empty.gguf', ''))).toMatch(/is empty/);
  });
  test('not GGUF (a safetensors or text file)', async () => {
    expect(await refused(file('model.gguf', '{"__metadata__":{}}'))).toMatch(
      /is not a GGUF model \(it starts with "\{\\"__"/,
    );
  });
  test('corrupt: cut inside the header', async () => {
    expect(await refused(file('cut-header.gguf', tiny.subarray(0, 2000)))).toMatch(
      /is corrupt: the header runs past the end/,
    );
  });
  test('corrupt: cut inside the tensor data (an interrupted download)', async () => {
    expect(await refused(file('cut-data.gguf', tiny.subarray(0, tiny.length - 100)))).toMatch(
      /is corrupt: tensor blk\.1\.ffn_down\.weight ends at byte \d+ but the file has \d+ \(cut short\?\)/,
    );
  });
  test('corrupt: an impossible version', async () => {
    const bad = Buffer.from(tiny);
    bad.writeUInt32LE(77, 4);
    expect(await refused(file('version.gguf', bad))).toMatch(/is corrupt: GGUF version 77/);
  });
  test('the gguf backend refuses it at load, before the runtime is touched', async () => {
    const backend = ggufBackend({ modelPath: file('notes.gguf', 'hello') });
    await expect(backend.load()).rejects.toThrow(/^model file .*notes\.gguf: is not a GGUF model/);
  });
});

describe('the grammar schema', () => {
  test('lowers a maxLength over llama.cpp repetition limit and keeps the rest of the contract', () => {
    const schema = toGrammarSchema(copyOutputJsonSchema) as {
      properties: {
        variants: { items: { properties: Record<string, { maxLength?: number; minLength?: number }> } };
      };
    };
    const fields = schema.properties.variants.items.properties;
    expect(fields['body']).toEqual({ type: 'string', minLength: 1, maxLength: grammarRepetitionLimit });
    expect(fields['headline']).toEqual({ type: 'string', minLength: 1, maxLength: 200 });
    expect(JSON.stringify(schema)).toContain('"additionalProperties":false');
  });
  test('drops keywords the grammar compiler does not know, reads anyOf as oneOf', () => {
    expect(
      toGrammarSchema({ $schema: 'x', type: 'object', anyOf: [{ type: 'string', pattern: 'a+' }] }),
    ).toEqual({
      type: 'object',
      oneOf: [{ type: 'string' }],
    });
  });
});

describe('choosing the gguf backend', () => {
  test('TAILOR_MODEL_PATH names the file; a catalog name resolves in the models folder', () => {
    expect(backendFromConfig({ TAILOR_MODEL_BACKEND: 'gguf', TAILOR_MODEL_PATH: '/m/x.gguf' }).name).toBe(
      'gguf',
    );
    expect(() =>
      backendFromConfig({ TAILOR_MODEL_BACKEND: 'gguf', TAILOR_MODELS_DIR: path.join(dir, 'none') }),
    ).toThrow(/TAILOR_MODEL_BACKEND=gguf needs TAILOR_MODEL_PATH, or a model in .*none \(tailor model pull/);
  });
  test('without a path, the largest catalog model in the folder is chosen', () => {
    const models = path.join(dir, 'models');
    mkdirSync(models, { recursive: true });
    writeFileSync(path.join(models, modelCatalog[0]!.file), 'x');
    writeFileSync(path.join(models, modelCatalog[1]!.file), 'x');
    writeFileSync(path.join(models, 'other.gguf'), 'x');
    expect(chooseModelFile(models)).toBe(path.join(models, modelCatalog[1]!.file));
    expect(chooseModelFile(path.join(dir, 'absent'))).toBeUndefined();
  });
  test('a bad GPU or thread setting is refused by name', () => {
    expect(() =>
      backendFromConfig({
        TAILOR_MODEL_BACKEND: 'gguf',
        TAILOR_MODEL_PATH: 'a.gguf',
        TAILOR_MODEL_GPU: 'tpu',
      }),
    ).toThrow(/TAILOR_MODEL_GPU must be one of auto, cpu/);
    expect(() =>
      backendFromConfig({
        TAILOR_MODEL_BACKEND: 'gguf',
        TAILOR_MODEL_PATH: 'a.gguf',
        TAILOR_MODEL_THREADS: '0',
      }),
    ).toThrow(/TAILOR_MODEL_THREADS must be a positive integer/);
  });
});
