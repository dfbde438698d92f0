import { randomInt } from 'node:crypto';
import { hash32 } from '../../core/hash';
import type { GenerationBackend } from '../backend';
import { type ChatRequest, type ChatResponse, PromptDataError, readDataBlock } from '../contract';
import { composeCopy } from './compose';

/** The `model` the embedded generator names in its answers. */
export const embeddedModelName = 'tailor-embedded';

export interface EmbeddedOptions {
  /** Milliseconds since the epoch, for `created` (tests pin it). */
  readonly now?: () => number;
}

/**
 * The default backend: composes copy from a phrase grammar, with no weights, no network and no
 * GPU. It reads the same request the LLM gets (the data block in the last user message) and
 * answers in the same chat completion shape, cut off with finish_reason 'length' when the copy
 * would exceed `max_tokens`, as a real model's would.
 */
export function embeddedBackend(options: EmbeddedOptions = {}): GenerationBackend {
  return {
    name: 'embedded',
    complete: async (request) => completeEmbedded(request, options),
  };
}

/** One completion from the embedded generator; deterministic for the request's `seed`. */
export function completeEmbedded(request: ChatRequest, options: EmbeddedOptions = {}): ChatResponse {
  const user = request.messages.findLast((m) => m.role === 'user');
  if (!user) throw new PromptDataError('the request has no user message');
  const brief = readDataBlock(user.content);
  // Like TGI, no seed means a fresh one.
  const seed = request.seed ?? randomInt(0, 2 ** 32 - 1);
  let content = JSON.stringify(composeCopy(brief, seed));

  let completionTokens = estimateTokens(content);
  let finishReason = 'eos_token';
  if (request.max_tokens !== undefined && completionTokens > request.max_tokens) {
    content = truncateToTokens(content, request.max_tokens);
    completionTokens = request.max_tokens;
    finishReason = 'length';
  }
  const promptTokens = request.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0);
  const created = Math.floor((options.now ?? Date.now)() / 1000);
  return {
    id: `chatcmpl-${hash32(seed, content).toString(16).padStart(8, '0')}`,
    object: 'chat.completion',
    created,
    model: embeddedModelName,
    system_fingerprint: `${embeddedModelName}-1`,
    choices: [
      { index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: finishReason },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

/** A rough token count in the way BPE tokenizers split: one per CJK character, one per 4 others. */
export function estimateTokens(text: string): number {
  let wide = 0;
  let narrow = 0;
  for (const ch of text) {
    if (ch.codePointAt(0)! >= 0x2e80) wide++;
    else narrow++;
  }
  return wide + Math.ceil(narrow / 4);
}

function truncateToTokens(text: string, maxTokens: number): string {
  let wide = 0;
  let narrow = 0;
  let end = 0;
  for (const ch of text) {
    if (ch.codePointAt(0)! >= 0x2e80) wide++;
    else narrow++;
    if (wide + Math.ceil(narrow / 4) > maxTokens) break;
    end += ch.length;
  }
  return text.slice(0, end);
}
