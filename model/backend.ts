import { UpstreamError } from '../core/errors';
import type { ChatRequest, ChatResponse } from './contract';

/** The backend's queue is full: the server answers 429, as TGI does when it is overloaded. */
export class ModelBusyError extends UpstreamError {}

/**
 * What answers the model server's invocations: the embedded generator by default, llama.cpp's
 * server, any OpenAI-compatible server or a GGUF model in-process when configured (see
 * `backendFromConfig` in ./backends), all behind this one interface. A backend that
 * cannot use a request throws a `ValidationError` (the server answers it as the container's
 * 4xx); anything else it throws is the container's 5xx.
 */
export interface GenerationBackend {
  readonly name: string;
  complete(request: ChatRequest): Promise<ChatResponse>;
  /**
   * Prepare before the first request (load a model); the model server waits for it before it
   * listens, so a bad model stops the start with its error. Optional.
   */
  load?(): Promise<unknown>;
  /** Release what `load` took. Optional. */
  close?(): Promise<void>;
}
