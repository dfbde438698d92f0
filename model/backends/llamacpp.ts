import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { GenerationBackend } from '../backend';
import { type ChatRequest, type ChatResponse, chatResponseSchema } from '../contract';
import { BackendError, baseUrlOf, postJson } from './http';

export interface LlamaCppServerOptions {
  /** llama.cpp's `llama-server`, e.g. http://127.0.0.1:8080 */
  readonly baseUrl: string;
  readonly timeoutMs?: number;
}

const templateAnswerSchema = z.object({ prompt: z.string() });

/** The fields of `POST /completion`'s answer that Tailor reads. */
const completionAnswerSchema = z.object({
  content: z.string(),
  model: z.string().optional(),
  tokens_predicted: z.number().int().min(0).optional(),
  tokens_evaluated: z.number().int().min(0).optional(),
  /** 'eos', 'word' (a stop string), 'limit' (n_predict reached) or 'none'. */
  stop_type: z.string().optional(),
  truncated: z.boolean().optional(),
});

/** llama.cpp's stop types as the contract's finish reasons ('length' is the one that matters). */
const finishReasons: Record<string, string> = { eos: 'eos_token', word: 'stop_sequence', limit: 'length' };

/**
 * A backend for llama.cpp's own server (`llama-server -m model.gguf`), a real LLM on a laptop's
 * CPU or GPU, through its native API: `POST /apply-template` turns the messages into a prompt
 * with the model's own chat template, then `POST /completion` samples it with `json_schema`, which
 * the server compiles to a grammar so the output is always JSON of the copy schema. The answer is
 * returned in the contract's shape.
 */
export function llamaCppServerBackend(options: LlamaCppServerOptions): GenerationBackend {
  const base = baseUrlOf(options.baseUrl);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const post = (path: string, body: unknown) =>
    postJson(`${base}${path}`, body, { timeoutMs, what: 'the llama.cpp server' });
  return {
    name: 'llamacpp',
    async complete(request) {
      const template = templateAnswerSchema.safeParse(
        await post('/apply-template', { messages: request.messages }),
      );
      if (!template.success)
        throw new BackendError('the llama.cpp server answered /apply-template without a prompt');
      const answer = completionAnswerSchema.safeParse(
        await post('/completion', toCompletionRequest(request, template.data.prompt)),
      );
      if (!answer.success) {
        const issue = answer.error.issues[0];
        throw new BackendError(
          `the llama.cpp server answered /completion with something unusable: ${issue?.path.join('.')}: ${issue?.message}`,
        );
      }
      return toChatResponse(answer.data);
    },
  };
}

/** The native completion request: sampling settings in llama.cpp's names, the schema as `json_schema`. */
export function toCompletionRequest(request: ChatRequest, prompt: string): Record<string, unknown> {
  return {
    prompt,
    stream: false,
    cache_prompt: true,
    ...(request.max_tokens !== undefined ? { n_predict: request.max_tokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.top_p !== undefined ? { top_p: request.top_p } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.response_format ? { json_schema: request.response_format.value } : {}),
  };
}

function toChatResponse(answer: z.infer<typeof completionAnswerSchema>): ChatResponse {
  const promptTokens = answer.tokens_evaluated ?? 0;
  const completionTokens = answer.tokens_predicted ?? 0;
  const response: ChatResponse = {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: answer.model ?? 'llama.cpp',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.content },
        finish_reason: finishReasons[answer.stop_type ?? 'eos'] ?? 'eos_token',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
  return chatResponseSchema.parse(response);
}
