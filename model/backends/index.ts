import { ConfigurationError } from '../../core/errors';
import type { GenerationBackend } from '../backend';
import { embeddedBackend } from '../embedded';
import { llamaCppServerBackend } from './llamacpp';
import { openaiCompatibleBackend } from './openai';

export { BackendError } from './http';
export { type LlamaCppServerOptions, llamaCppServerBackend } from './llamacpp';
export { type OpenAiCompatibleOptions, openaiCompatibleBackend } from './openai';

export const backendKinds = ['embedded', 'openai', 'llamacpp'] as const;
export type BackendKind = (typeof backendKinds)[number];

/** The settings `backendFromConfig` reads (a subset of the process environment). */
export interface BackendSettings {
  readonly TAILOR_MODEL_BACKEND?: string;
  readonly TAILOR_MODEL_URL?: string;
  readonly TAILOR_MODEL_NAME?: string;
  readonly TAILOR_MODEL_API_KEY?: string;
  readonly [key: string]: string | undefined;
}

/**
 * The local model server's backend, chosen by configuration:
 * - `TAILOR_MODEL_BACKEND=embedded` (the default): the phrase-grammar generator, no model needed;
 * - `openai`: an OpenAI-compatible server at `TAILOR_MODEL_URL` running `TAILOR_MODEL_NAME`,
 *   with `TAILOR_MODEL_API_KEY` as bearer token when set;
 * - `llamacpp`: llama.cpp's `llama-server` at `TAILOR_MODEL_URL`.
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
    default:
      throw new ConfigurationError(
        `TAILOR_MODEL_BACKEND must be one of ${backendKinds.join(', ')}, got "${settings.TAILOR_MODEL_BACKEND}"`,
      );
  }
}
