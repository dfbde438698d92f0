/**
 * The generation model's contract, written once and used by both sides: the generate function
 * (the only caller) and the local model server with its backends.
 *
 * The production endpoint serves Hugging Face text-generation-inference (TGI) with
 * MESSAGES_API_ENABLED=true, so SageMaker's `/invocations` speaks TGI's Messages API: an
 * OpenAI-style chat completion request and answer. JSON output is forced with TGI's grammar
 * field, `response_format: { type: 'json_object' | 'json', value: <JSON Schema> }` (TGI's
 * `GrammarType`, tagged `type`, content `value`).
 *
 * The structured inputs travel in the user message as one fenced ```json data block placed
 * after the instructions, so that product and user text is data, never instructions; the
 * embedded generator reads the same block.
 */
import * as z from 'zod';
import { UpstreamError, ValidationError } from '../core/errors';

/** The content type of every invocation, both ways. */
export const modelContentType = 'application/json';

// ---------------------------------------------------------------------------------------------
// The wire format: TGI Messages API
// ---------------------------------------------------------------------------------------------

export const chatRoles = ['system', 'user', 'assistant'] as const;

export const chatMessageSchema = z.object({
  role: z.enum(chatRoles),
  content: z.string(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** TGI's grammar: `json` (alias `json_object`) with a JSON Schema as `value`. */
export const responseFormatSchema = z.object({
  type: z.enum(['json_object', 'json']),
  value: z.record(z.string(), z.unknown()),
});
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

/**
 * A chat completion request. Fields TGI accepts that Tailor does not use are let through
 * unvalidated (and dropped), as TGI ignores them too; streaming is not part of the contract.
 */
export const chatRequestSchema = z.object({
  /** TGI ignores the model name; Tailor sends 'tgi'. */
  model: z.string().optional(),
  messages: z.array(chatMessageSchema).min(1),
  max_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  seed: z.number().int().min(0).optional(),
  response_format: responseFormatSchema.optional(),
  stream: z.literal(false).optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export const usageSchema = z.object({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
});
export type Usage = z.infer<typeof usageSchema>;

/**
 * TGI's finish reasons are 'length', 'eos_token' and 'stop_sequence'; OpenAI-compatible servers
 * say 'stop'. Only 'length' (cut off at max_tokens) matters to the caller.
 */
export const chatChoiceSchema = z.object({
  index: z.number().int().min(0),
  message: z.object({ role: z.literal('assistant'), content: z.string() }),
  logprobs: z.unknown().optional(),
  finish_reason: z.string(),
});
export type ChatChoice = z.infer<typeof chatChoiceSchema>;

export const chatResponseSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  system_fingerprint: z.string().optional(),
  choices: z.array(chatChoiceSchema).min(1),
  usage: usageSchema,
});
export type ChatResponse = z.infer<typeof chatResponseSchema>;

// ---------------------------------------------------------------------------------------------
// What the model writes inside `content`
// ---------------------------------------------------------------------------------------------

export const maxVariants = 8;

export const copyVariantSchema = z.strictObject({
  headline: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(2000),
  callToAction: z.string().trim().min(1).max(60),
  /** The product facts the copy states, each exactly as the data block gives it. */
  factsUsed: z.array(z.string().min(1).max(1000)).max(20),
});
export type CopyVariant = z.infer<typeof copyVariantSchema>;

export const copyOutputSchema = z.strictObject({
  variants: z.array(copyVariantSchema).min(1).max(maxVariants),
});
export type CopyOutput = z.infer<typeof copyOutputSchema>;

/**
 * The JSON Schema sent as TGI's grammar, derived from `copyOutputSchema` so the two cannot
 * drift. `$schema` is left out: the grammar compiler needs only the structure.
 */
export const copyOutputJsonSchema: Record<string, unknown> = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(copyOutputSchema) as Record<string, unknown>;
  return schema;
})();

// ---------------------------------------------------------------------------------------------
// The data block: the structured inputs inside the user message
// ---------------------------------------------------------------------------------------------

export const languages = ['zh', 'en'] as const;
export type Language = (typeof languages)[number];

export const goals = [
  'recommendation',
  'promotion',
  'member_exclusive',
  'win_back',
  'new_arrival',
  'cart_recovery',
] as const;
export type Goal = (typeof goals)[number];

export const channels = ['push', 'sms', 'email', 'banner', 'social'] as const;
export type Channel = (typeof channels)[number];

export const briefProductSchema = z.object({
  productId: z.string().min(1),
  title: z.string().min(1),
  category: z.string().min(1),
  price: z.number().finite().min(0),
  /** ISO 4217 code of `price` ('CNY', 'GBP', 'INR'); prices are always written with it (see money.ts). */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as CNY, GBP or INR')
    .optional(),
  brand: z.string().min(1).optional(),
  attributes: z.record(z.string(), z.string()).optional(),
});
export type BriefProduct = z.infer<typeof briefProductSchema>;

/** The reader-facing parts of a piece of copy, as an example carries them. */
export const exampleCopySchema = z.object({
  headline: z.string().min(1).max(200),
  body: z.string().min(1).max(2000),
  callToAction: z.string().min(1).max(60),
});
export type ExampleCopy = z.infer<typeof exampleCopySchema>;

/**
 * Copy that won in the field for the same segment, goal, channel and language (an optimizer
 * winner), optionally with the copy it was preferred over (a preference pair). Examples show
 * what worked; they are data like the rest of the brief, never instructions, and their facts
 * belong to other products unless the brief's products carry them.
 */
export const copyExampleSchema = exampleCopySchema.extend({
  preferredOver: exampleCopySchema.optional(),
});
export type CopyExample = z.infer<typeof copyExampleSchema>;

/** Most examples one brief carries (the prompt keeps fewer when its token budget is spent). */
export const maxExamples = 8;

export const copyBriefSchema = z.object({
  language: z.enum(languages),
  goal: z.enum(goals),
  channel: z.enum(channels),
  tone: z.string().min(1),
  variants: z.number().int().min(1).max(maxVariants),
  persona: z.object({ label: z.string(), interests: z.array(z.string()) }).optional(),
  products: z.array(briefProductSchema).min(1),
  /** Terms every variant must contain. */
  mustInclude: z.array(z.string().min(1)).optional(),
  /** Terms no variant may contain: the campaign's, the brand's banned words and unsupported claims. */
  mustAvoid: z.array(z.string().min(1)).optional(),
  /** Winning copy from the optimization loop for this audience, best first (see `copyExampleSchema`). */
  examples: z.array(copyExampleSchema).max(maxExamples).optional(),
});
/** The structured inputs of one generation request, as the data block carries them. */
export type CopyBrief = z.infer<typeof copyBriefSchema>;

/** The prompt's data block is missing or does not hold a valid brief. */
export class PromptDataError extends ValidationError {}

/**
 * The brief as a fenced JSON block. Backticks and angle brackets inside strings are written as
 * JSON unicode escapes (still the same JSON value), so product text can neither close the fence
 * nor spell a chat template's special tokens such as `<|im_end|>`.
 */
export function formatDataBlock(brief: CopyBrief): string {
  const json = JSON.stringify(brief, null, 2).replace(
    /[`<>]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `\`\`\`json\n${json}\n\`\`\``;
}

/** Read the last fenced ```json block of a message as a brief; PromptDataError when absent or invalid. */
export function readDataBlock(text: string): CopyBrief {
  const blocks = [...text.matchAll(/```json[ \t]*\r?\n([\s\S]*?)\r?\n?```/g)];
  const last = blocks.at(-1)?.[1];
  if (last === undefined) {
    throw new PromptDataError('the user message has no ```json data block with the generation inputs');
  }
  let data: unknown;
  try {
    data = JSON.parse(last);
  } catch (error) {
    throw new PromptDataError(`the data block is not valid JSON: ${(error as Error).message}`);
  }
  const result = copyBriefSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PromptDataError(
      `the data block is not a valid brief: ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  return result.data;
}

// ---------------------------------------------------------------------------------------------
// Channel limits
// ---------------------------------------------------------------------------------------------

export interface ChannelLimit {
  /** Headline: characters (code points) in Chinese, words in English. */
  readonly headline: { readonly zh: number; readonly en: number };
  /** Body: characters (code points) in both languages. */
  readonly body: { readonly zh: number; readonly en: number };
}

/** How long copy may be on each channel (an SMS segment, a push notification's visible lines). */
export const channelLimits: Record<Channel, ChannelLimit> = {
  push: { headline: { zh: 30, en: 8 }, body: { zh: 60, en: 120 } },
  sms: { headline: { zh: 20, en: 8 }, body: { zh: 70, en: 160 } },
  banner: { headline: { zh: 16, en: 6 }, body: { zh: 30, en: 70 } },
  social: { headline: { zh: 30, en: 12 }, body: { zh: 140, en: 280 } },
  email: { headline: { zh: 40, en: 12 }, body: { zh: 300, en: 600 } },
};

/** Length in the unit the channel limit uses for this part and language. */
export function copyLength(text: string, part: 'headline' | 'body', language: Language): number {
  if (part === 'headline' && language === 'en') return text.split(/\s+/).filter(Boolean).length;
  return Array.from(text).length;
}

export function fitsChannel(
  text: string,
  part: 'headline' | 'body',
  channel: Channel,
  language: Language,
): boolean {
  return copyLength(text, part, language) <= channelLimits[channel][part][language];
}

// ---------------------------------------------------------------------------------------------
// Parsing the answer
// ---------------------------------------------------------------------------------------------

/** The model endpoint answered something that is not usable copy. */
export class ModelOutputError extends UpstreamError {}

export interface ParsedCompletion {
  readonly output: CopyOutput;
  /** The `model` the answer names (the serving backend). */
  readonly model: string;
  readonly usage: Usage;
}

/**
 * Strictly parse an invocation's answer: the chat completion envelope, then the copy JSON in
 * the first choice's content. Anything else (not JSON, wrong types, cut off at max_tokens,
 * no variants) is a ModelOutputError naming what was wrong.
 */
export function parseCompletionDetails(raw: Uint8Array | string): ParsedCompletion {
  const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
  const envelope = chatResponseSchema.safeParse(parseJson(text, 'the model answer'));
  if (!envelope.success) {
    throw new ModelOutputError(`the model answer is not a chat completion: ${firstIssue(envelope.error)}`);
  }
  const choice = envelope.data.choices[0]!;
  if (choice.finish_reason === 'length') {
    throw new ModelOutputError('the model answer was cut off at max_tokens (finish_reason "length")');
  }
  const output = copyOutputSchema.safeParse(parseJson(choice.message.content, 'the model content'));
  if (!output.success) {
    throw new ModelOutputError(
      `the model content does not match the copy schema: ${firstIssue(output.error)}`,
    );
  }
  return { output: output.data, model: envelope.data.model, usage: envelope.data.usage };
}

/** The copy in an invocation's answer; see `parseCompletionDetails`. */
export function parseCompletion(raw: Uint8Array | string): CopyOutput {
  return parseCompletionDetails(raw).output;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelOutputError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
