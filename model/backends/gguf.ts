/**
 * A GGUF model run inside the local model server through node-llama-cpp (llama.cpp's Node
 * binding): no second server to start, the model's own chat template, output constrained by the
 * request's JSON schema, the CPU, or the GPU when there is one.
 *
 * node-llama-cpp is imported lazily, when the backend loads: it is a native module of several
 * hundred megabytes that only the local model server needs, never a Lambda bundle.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ChatHistoryItem, Llama, LlamaChat, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import { ConfigurationError } from '../../core/errors';
import { type GenerationBackend, ModelBusyError } from '../backend';
import { type ChatRequest, type ChatResponse, chatResponseSchema } from '../contract';
import { type GgufSummary, inspectModelFile, ModelFileError } from '../gguf';
import { BackendError } from './http';

export type GpuChoice = 'auto' | false | 'cuda' | 'vulkan' | 'metal';

export interface GgufBackendOptions {
  /** The .gguf file. */
  readonly modelPath: string;
  /** 'auto' (the default) uses CUDA, Vulkan or Metal when present, else the CPU; false forces the CPU. */
  readonly gpu?: GpuChoice;
  /** CPU threads; default: node-llama-cpp's choice (the machine's cores). */
  readonly threads?: number;
  /** Tokens of context (prompt and answer together); default: the model's, at most 8192. */
  readonly contextSize?: number;
  /** Requests waiting behind the one being answered before new ones are refused; default 64. */
  readonly maxQueue?: number;
}

/** What a loaded GGUF backend says about itself. */
export interface GgufBackend extends GenerationBackend {
  /** Load the model; a bad file is a ModelFileError naming it. Called once; later calls wait for the first. */
  load(): Promise<GgufSummary>;
  close(): Promise<void>;
  /** Where generation runs once loaded: 'cpu', 'cuda', 'vulkan' or 'metal'. */
  readonly device: string | undefined;
}

/**
 * llama.cpp refuses a grammar that repeats a rule 2,000 times or more (its parser's
 * MAX_REPETITION_THRESHOLD), and a JSON schema's maxLength becomes such a repetition.
 */
export const grammarRepetitionLimit = 1999;

const defaultContextCap = 8192;
const defaultMaxQueue = 64;

/** The local model server's backend for a GGUF file (see the module comment). */
export function ggufBackend(options: GgufBackendOptions): GgufBackend {
  const file = path.resolve(options.modelPath);
  const maxQueue = options.maxQueue ?? defaultMaxQueue;
  let loading: Promise<Loaded> | undefined;
  let loaded: Loaded | undefined;
  let device: string | undefined;
  // One sequence of one context, reused by every request (the KV cache keeps the common prompt
  // prefix, such as the system message, between requests); requests take turns on it.
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;

  const load = async (): Promise<Loaded> => {
    loading ??= loadModel(file, options).then((l) => {
      loaded = l;
      device = l.llama.gpu === false ? 'cpu' : l.llama.gpu;
      return l;
    });
    return loading;
  };

  return {
    name: 'gguf',
    get device() {
      return device;
    },
    load: async () => (await load()).summary,
    async close() {
      const l = loaded ?? (loading ? await loading.catch(() => undefined) : undefined);
      if (!l) return;
      await tail.catch(() => undefined);
      await l.model.dispose();
      await l.llama.dispose();
    },
    async complete(request) {
      const l = await load();
      if (waiting >= maxQueue) {
        throw new ModelBusyError(`the GGUF model is busy: ${waiting} requests are already waiting`);
      }
      waiting++;
      const turn = tail.then(() => {
        waiting--;
        return generate(l, request);
      });
      tail = turn.catch(() => undefined);
      return turn;
    },
  };
}

interface Loaded {
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly chat: LlamaChat;
  readonly summary: GgufSummary;
  readonly modelName: string;
  /** Compiled grammars by schema, so a repeated schema is compiled once. */
  readonly grammars: Map<string, LlamaGrammar>;
}

async function loadModel(file: string, options: GgufBackendOptions): Promise<Loaded> {
  // The header first: a missing, unreadable, foreign or cut-short file is named in one line
  // before the native runtime sees it.
  const summary = await inspectModelFile(file);
  let binding: typeof import('node-llama-cpp');
  try {
    binding = await import('node-llama-cpp');
  } catch (error) {
    throw new ConfigurationError(
      `TAILOR_MODEL_BACKEND=gguf needs node-llama-cpp, which did not load (${(error as Error).message.split('\n')[0]}); run npm ci`,
    );
  }
  // llama.cpp's own log lines are kept, not printed: the last error explains a failed load.
  const errors: string[] = [];
  const logger = (level: string, message: string) => {
    if (level === 'error' || level === 'fatal' || level === 'warn') errors.push(message.trim());
  };
  const llama = await binding.getLlama({
    gpu: options.gpu ?? 'auto',
    build: 'never',
    logLevel: binding.LlamaLogLevel.warn,
    logger: logger as never,
    progressLogs: false,
    ...(options.threads !== undefined ? { maxThreads: options.threads } : {}),
  });
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: file });
  } catch (error) {
    await llama.dispose();
    // llama.cpp logs the cause (an unknown architecture, a missing tensor) before its summary line.
    const reason =
      errors
        .find((line) => /unknown model architecture|error loading model:/.test(line))
        ?.replace(/^.*error loading model[^:]*: /, '') ??
      errors.findLast((line) => line.length > 0) ??
      (error as Error).message;
    throw new ModelFileError(
      file,
      `llama.cpp could not load this ${summary.architecture} model (${reason.split('\n')[0]})`,
    );
  }
  const trained = summary.contextLength ?? defaultContextCap;
  const context = await model.createContext({
    contextSize: options.contextSize ?? Math.min(trained, defaultContextCap),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
  // resolveChatWrapper (LlamaChat's default) reads the model's tokenizer.chat_template: a known
  // template gets its specialized wrapper, any other is rendered as the Jinja template it is.
  const chat = new binding.LlamaChat({ contextSequence: context.getSequence() });
  return {
    llama,
    model,
    chat,
    summary,
    modelName: summary.name ?? path.basename(file, '.gguf'),
    grammars: new Map(),
  };
}

const finishReasons: Record<string, string> = {
  maxTokens: 'length',
  eogToken: 'eos_token',
  stopGenerationTrigger: 'stop_sequence',
  customStopTrigger: 'stop_sequence',
};

async function generate(l: Loaded, request: ChatRequest): Promise<ChatResponse> {
  const history: ChatHistoryItem[] = request.messages.map((m) =>
    m.role === 'system'
      ? { type: 'system', text: m.content }
      : m.role === 'user'
        ? { type: 'user', text: m.content }
        : { type: 'model', response: [m.content] },
  );
  history.push({ type: 'model', response: [] });
  const grammar = request.response_format ? await grammarFor(l, request.response_format.value) : undefined;
  const promptTokens = l.chat.chatWrapper
    .generateContextState({ chatHistory: history })
    .contextText.tokenize(l.model.tokenizer).length;
  let result: Awaited<ReturnType<LlamaChat['generateResponse']>>;
  try {
    result = await l.chat.generateResponse(history, {
      ...(grammar ? { grammar } : {}),
      ...(request.max_tokens !== undefined ? { maxTokens: request.max_tokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.top_p !== undefined ? { topP: request.top_p } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
    });
  } catch (error) {
    throw new BackendError(`the GGUF model failed to generate: ${(error as Error).message}`);
  }
  // The JSON grammar ends the answer with newlines; they are not part of the content.
  const content = result.response.trim();
  const completionTokens = l.model.tokenize(result.response).length;
  return chatResponseSchema.parse({
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: l.modelName,
    system_fingerprint: `gguf-${l.summary.architecture}`,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content },
        finish_reason: finishReasons[result.metadata.stopReason] ?? 'stop_sequence',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  } satisfies ChatResponse);
}

async function grammarFor(l: Loaded, schema: Record<string, unknown>): Promise<LlamaGrammar> {
  const key = JSON.stringify(schema);
  const cached = l.grammars.get(key);
  if (cached) return cached;
  const grammar = await l.llama.createGrammarForJsonSchema(toGrammarSchema(schema) as never);
  if (l.grammars.size >= 32) l.grammars.delete(l.grammars.keys().next().value!);
  l.grammars.set(key, grammar);
  return grammar;
}

/** The JSON Schema keywords node-llama-cpp's grammar compiler understands. */
const grammarKeywords = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'enum',
  'const',
  'oneOf',
  'anyOf',
  'format',
  'description',
]);

/**
 * A JSON Schema (as TGI takes it) in the subset node-llama-cpp compiles to a grammar: other
 * keywords are dropped, `anyOf` is read as `oneOf` (the same set for the schemas Tailor sends),
 * and a maxLength (or maxItems) over llama.cpp's repetition limit is lowered to it, so the
 * grammar is, if anything, stricter than the schema: what it lets through, the schema accepts.
 */
export function toGrammarSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toGrammarSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!grammarKeywords.has(key)) continue;
    if (key === 'properties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toGrammarSchema(v)]),
      );
    } else if ((key === 'maxLength' || key === 'maxItems') && typeof value === 'number') {
      out[key] = Math.min(value, grammarRepetitionLimit);
    } else if (key === 'anyOf') {
      out['oneOf'] = toGrammarSchema(value);
    } else if (key === 'enum' || key === 'const' || key === 'required') {
      out[key] = value;
    } else {
      out[key] = toGrammarSchema(value);
    }
  }
  return out;
}
