import { ConfigurationError } from '../../core/errors';
import type { GenerationBackend } from '../backend';
import { chooseModelFile, defaultModelsDir, resolveModelArgument } from '../catalog';
import { embeddedBackend } from '../embedded';
import { type GpuChoice, ggufBackend } from './gguf';
import { llamaCppServerBackend } from './llamacpp';
import { openaiCompatibleBackend } from './openai';

export { type GgufBackend, type GgufBackendOptions, ggufBackend } from './gguf';
export { BackendError } from './http';
export { type LlamaCppServerOptions, llamaCppServerBackend } from './llamacpp';
export { type OpenAiCompatibleOptions, openaiCompatibleBackend } from './openai';

export const backendKinds = ['embedded', 'openai', 'llamacpp', 'gguf'] as const;
export type BackendKind = (typeof backendKinds)[number];

/** The settings `backendFromConfig` reads (a subset of the process environment). */
export interface BackendSettings {
  readonly TAILOR_MODEL_BACKEND?: string;
  readonly TAILOR_MODEL_URL?: string;
  readonly TAILOR_MODEL_NAME?: string;
  readonly TAILOR_MODEL_API_KEY?: string;
  /** gguf: the model file, a catalog name, or a file name in the models folder. */
  readonly TAILOR_MODEL_PATH?: string;
  /** gguf: the models folder (default .tailor/models). */
  readonly TAILOR_MODELS_DIR?: string;
  /** gguf: auto (default), cpu, cuda, vulkan or metal. */
  readonly TAILOR_MODEL_GPU?: string;
  /** gguf: CPU threads. */
  readonly TAILOR_MODEL_THREADS?: string;
  /** gguf: context size in tokens. */
  readonly TAILOR_MODEL_CONTEXT?: string;
  readonly [key: string]: string | undefined;
}

/**
 * The local model server's backend, chosen by configuration:
 * - `TAILOR_MODEL_BACKEND=embedded` (the default): the phrase-grammar generator, no model needed;
 * - `openai`: an OpenAI-compatible server at `TAILOR_MODEL_URL` running `TAILOR_MODEL_NAME`,
 *   with `TAILOR_MODEL_API_KEY` as bearer token when set;
 * - `llamacpp`: llama.cpp's `llama-server` at `TAILOR_MODEL_URL`;
 * - `gguf`: a GGUF model in-process through node-llama-cpp: `TAILOR_MODEL_PATH` (a file, a
 *   catalog name or a file in `TAILOR_MODELS_DIR`), else the model `tailor model pull` put in
 *   the models folder; `TAILOR_MODEL_GPU`, `TAILOR_MODEL_THREADS`, `TAILOR_MODEL_CONTEXT` tune it.
 * A missing or unknown setting is a ConfigurationError naming it, raised at start-up.
 */
export function backendFromConfig(settings: BackendSettings): GenerationBackend {
  const kind = (settings.TAILOR_MODEL_BACKEND?.trim() || 'embedded').toLowerCase();
  const setting = (name: keyof BackendSettings & string): string => {
    const value = settings[name]?.trim();
    if (!value) throw new ConfigurationError(`TAILOR_MODEL_BACKEND=${kind} needs ${name}`);
    return value;
  };
  const url = (): string => {
    const value = setting('TAILOR_MODEL_URL');
    if (!/^https?:\/\/[^/]/i.test(value)) {
      throw new ConfigurationError(`TAILOR_MODEL_URL must be an http or https URL, got "${value}"`);
    }
    return value;
  };
  switch (kind) {
    case 'embedded':
      return embeddedBackend();
    case 'openai': {
      const apiKey = settings.TAILOR_MODEL_API_KEY?.trim();
      return openaiCompatibleBackend({
        baseUrl: url(),
        model: setting('TAILOR_MODEL_NAME'),
        ...(apiKey ? { apiKey } : {}),
      });
    }
    case 'llamacpp':
      return llamaCppServerBackend({ baseUrl: url() });
    case 'gguf': {
      const dir = settings.TAILOR_MODELS_DIR?.trim() || defaultModelsDir();
      const named = settings.TAILOR_MODEL_PATH?.trim();
      const modelPath = named ? resolveModelArgument(named, dir) : chooseModelFile(dir);
      if (!modelPath) {
        throw new ConfigurationError(
          `TAILOR_MODEL_BACKEND=gguf needs TAILOR_MODEL_PATH, or a model in ${dir} (tailor model pull qwen2.5-1.5b-instruct)`,
        );
      }
      const threads = positiveInteger(settings, 'TAILOR_MODEL_THREADS');
      const contextSize = positiveInteger(settings, 'TAILOR_MODEL_CONTEXT');
      return ggufBackend({
        modelPath,
        gpu: gpuChoice(settings.TAILOR_MODEL_GPU),
        ...(threads !== undefined ? { threads } : {}),
        ...(contextSize !== undefined ? { contextSize } : {}),
      });
    }
    default:
      throw new ConfigurationError(
        `TAILOR_MODEL_BACKEND must be one of ${backendKinds.join(', ')}, got "${settings.TAILOR_MODEL_BACKEND}"`,
      );
  }
}

function positiveInteger(settings: BackendSettings, name: string): number | undefined {
  const value = settings[name]?.trim();
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigurationError(`${name} must be a positive integer, got "${value}"`);
  return n;
}

const gpuChoices: Record<string, GpuChoice> = {
  auto: 'auto',
  cpu: false,
  false: false,
  cuda: 'cuda',
  vulkan: 'vulkan',
  metal: 'metal',
};

function gpuChoice(value: string | undefined): GpuChoice {
  const key = value?.trim().toLowerCase() || 'auto';
  const choice = gpuChoices[key];
  if (choice === undefined) {
    throw new ConfigurationError(
      `TAILOR_MODEL_GPU must be one of ${Object.keys(gpuChoices).join(', ')}, got "${value}"`,
    );
  }
  return choice;
}
