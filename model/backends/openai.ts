import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { GenerationBackend } from '../backend';
import { type ChatRequest, type ChatResponse, chatResponseSchema } from '../contract';
import { estimateTokens } from '../embedded';
import { BackendError, baseUrlOf, postJson } from './http';

export interface OpenAiCompatibleOptions {
  /** The server's root, e.g. http://127.0.0.1:11434 (Ollama) or http://127.0.0.1:8000 (vLLM); a trailing /v1 is accepted. */
  readonly baseUrl: string;
  /** The model the server should run (Ollama's tag, vLLM's served model name). */
  readonly model: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  readonly apiKey?: string;
  readonly timeoutMs?: number;
}

/**
 * An answer of the chat-completions API, as loosely as servers that speak it differ: `usage` is
 * optional (some leave it out), `content` may be null (a refusal or a tool call).
 */
const openAiAnswerSchema = z.object({
  id: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  system_fingerprint: z.string().nullish(),
  choices: z
    .array(
      z.object({
        index: z.number().int().min(0).optional(),
        message: z.object({
          role: z.string().optional(),
          content: z.string().nullish(),
          refusal: z.string().nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z
    .object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number().optional() })
    .nullish(),
});

/**
 * A backend for any server speaking OpenAI's chat-completions API (Ollama, vLLM, llama.cpp's
 * server, TGI, LM Studio): `POST {baseUrl}/v1/chat/completions` with the request's messages and
 * sampling settings, and the copy schema as `response_format: { type: 'json_schema' }`, the
 * structured-output form those servers turn into constrained decoding. The answer is checked and
 * returned in the contract's shape, so the caller parses it as it parses TGI's.
 */
export function openaiCompatibleBackend(options: OpenAiCompatibleOptions): GenerationBackend {
  const url = `${baseUrlOf(options.baseUrl, '/v1')}/v1/chat/completions`;
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const timeoutMs = options.timeoutMs ?? 120_000;
  return {
    name: 'openai-compatible',
    async complete(request) {
      const json = await postJson(url, toOpenAiRequest(request, options.model), {
        headers,
        timeoutMs,
        what: 'the OpenAI-compatible server',
      });
      return fromOpenAiAnswer(json, request, options.model);
    },
  };
}

/** The contract's request in OpenAI's words: TGI's grammar becomes a json_schema response format. */
export function toOpenAiRequest(request: ChatRequest, model: string): Record<string, unknown> {
  return {
    model,
    messages: request.messages,
    stream: false,
    ...(request.max_tokens !== undefined ? { max_tokens: request.max_tokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.top_p !== undefined ? { top_p: request.top_p } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.response_format
      ? {
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'copy', strict: true, schema: request.response_format.value },
          },
        }
      : {}),
  };
}

function fromOpenAiAnswer(json: unknown, request: ChatRequest, model: string): ChatResponse {
  const answer = openAiAnswerSchema.safeParse(json);
  if (!answer.success) {
    const issue = answer.error.issues[0];
    throw new BackendError(
      `the OpenAI-compatible server answered something that is not a chat completion: ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  const choice = answer.data.choices[0]!;
  const content = choice.message.content;
  if (content === undefined || content === null) {
    throw new BackendError(
      `the OpenAI-compatible server answered no content${choice.message.refusal ? ` (refusal: ${choice.message.refusal})` : ''}`,
    );
  }
  const promptTokens =
    answer.data.usage?.prompt_tokens ??
    request.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0);
  const completionTokens = answer.data.usage?.completion_tokens ?? estimateTokens(content);
  const response: ChatResponse = {
    id: answer.data.id ?? `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(answer.data.created ?? Date.now() / 1000),
    model: answer.data.model ?? model,
    ...(answer.data.system_fingerprint ? { system_fingerprint: answer.data.system_fingerprint } : {}),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content },
        finish_reason: choice.finish_reason ?? 'stop',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: answer.data.usage?.total_tokens ?? promptTokens + completionTokens,
    },
  };
  return chatResponseSchema.parse(response);
}
