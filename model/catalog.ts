/**
 * The open instruct models `tailor model pull` knows, and the models folder the local system
 * reads them from.
 *
 * Sizes here are approximate unless `bytes` is set, and `sha256` is set only for a value that
 * was verified against the published file. Without one, the pull checks the file against the
 * SHA-256 and size Hugging Face declares for it (`X-Linked-Etag`, `X-Linked-Size`: the Git LFS
 * object's digest and size) and records what it verified beside the file.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface CatalogModel {
  /** The name `tailor model pull` takes. */
  readonly name: string;
  readonly repo: string;
  readonly file: string;
  readonly licence: string;
  readonly parameters: string;
  /** Approximate download size (a quantized file's size varies by a few percent between releases). */
  readonly approxSize: string;
  /** Approximate memory to run it with an 8K context: the weights plus the KV cache and buffers. */
  readonly memory: string;
  readonly note: string;
  /** Exact size and digest, when verified; checked when present. */
  readonly bytes?: number;
  readonly sha256?: string;
}

export const huggingFace = 'https://huggingface.co';

/** Qwen2.5 Instruct, quantized Q4_K_M by the Qwen team: good Chinese and English copy per gigabyte. */
export const modelCatalog: readonly CatalogModel[] = [
  {
    name: 'qwen2.5-0.5b-instruct',
    repo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF',
    file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
    licence: 'Apache-2.0',
    parameters: '0.5B',
    approxSize: '0.5 GB',
    memory: '≈ 1 GB',
    note: 'fastest; fine for trying the loop on a laptop CPU',
  },
  {
    name: 'qwen2.5-1.5b-instruct',
    repo: 'Qwen/Qwen2.5-1.5B-Instruct-GGUF',
    file: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
    licence: 'Apache-2.0',
    parameters: '1.5B',
    approxSize: '1.1 GB',
    memory: '≈ 2 GB',
    note: 'the recommended local default: usable copy in both languages on a CPU',
  },
  {
    name: 'qwen2.5-3b-instruct',
    repo: 'Qwen/Qwen2.5-3B-Instruct-GGUF',
    file: 'qwen2.5-3b-instruct-q4_k_m.gguf',
    licence: 'Qwen Research License (not Apache-2.0: non-commercial use)',
    parameters: '3B',
    approxSize: '2.1 GB',
    memory: '≈ 3.5 GB',
    note: 'better copy; check its licence before commercial use',
  },
  {
    name: 'qwen2.5-7b-instruct',
    repo: 'Qwen/Qwen2.5-7B-Instruct-GGUF',
    file: 'qwen2.5-7b-instruct-q4_k_m.gguf',
    licence: 'Apache-2.0',
    parameters: '7B',
    approxSize: '4.7 GB',
    memory: '≈ 6 GB (a GPU recommended)',
    note: 'the size the SageMaker endpoint serves by default (unquantized there)',
  },
];

export function catalogModel(name: string): CatalogModel | undefined {
  const wanted = name.trim().toLowerCase();
  return modelCatalog.find((m) => m.name === wanted || m.file === wanted);
}

/** The URL Hugging Face serves a repository file from (it redirects to its CDN). */
export function downloadUrl(model: Pick<CatalogModel, 'repo' | 'file'>, base = huggingFace): string {
  return `${base.replace(/\/+$/, '')}/${model.repo}/resolve/main/${model.file}`;
}

/** Where pulled models live: `<data dir>/models`, `.tailor/models` by default. */
export function defaultModelsDir(dataDir = '.tailor'): string {
  return path.join(dataDir, 'models');
}

/** The .gguf files in the models folder, by name; none when the folder is absent. */
export function modelFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.toLowerCase().endsWith('.gguf') && statSync(path.join(dir, n)).isFile())
    .sort();
}

/**
 * The model the local system runs when none is named: the largest catalog model present (the
 * best copy among those pulled), else the only .gguf file there, else undefined.
 */
export function chooseModelFile(dir: string): string | undefined {
  const files = modelFiles(dir);
  for (const model of [...modelCatalog].reverse()) {
    if (files.includes(model.file)) return path.join(dir, model.file);
  }
  return files.length === 1 ? path.join(dir, files[0]!) : undefined;
}

/** A model argument as a file: an existing path, a catalog name or a file name in the models folder. */
export function resolveModelArgument(argument: string, dir: string): string {
  const model = catalogModel(argument);
  if (model) return path.join(dir, model.file);
  if (!argument.includes('/') && !argument.includes(path.sep) && modelFiles(dir).includes(argument)) {
    return path.join(dir, argument);
  }
  return argument;
}
