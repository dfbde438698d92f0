import type { ChatRequest, ChatResponse } from './contract';

/**
 * What answers the model server's invocations: the embedded generator by default, llama.cpp's
 * server or any OpenAI-compatible server when configured (see `backendFromConfig` in
 * ./backends), all behind this one interface. A backend that
 * cannot use a request throws a `ValidationError` (the server answers it as the container's
 * 4xx); anything else it throws is the container's 5xx.
 */
export interface GenerationBackend {
  readonly name: string;
  complete(request: ChatRequest): Promise<ChatResponse>;
}
