import { createHash } from 'node:crypto';
import { NotFoundError, UpstreamError } from '../../core/errors';
import {
  type BriefProduct,
  type ChatRequest,
  type CopyBrief,
  type CopyVariant,
  type Language,
  ModelOutputError,
  type ParsedCompletion,
  parseCompletionDetails,
} from '../../model/contract';
import { categoryName } from '../profile/categories';
import { fallbackCurrency } from '../shared/schemas';
import { type Check, checkNearDuplicate, checkVariant, type GuardrailPolicy } from './guardrails';
import { buildChatRequest, promptVersion } from './prompt';
import { type Rendered, render } from './render';
import type { GenerateInput, Product } from './schema';
import { type AudiencePort, resolveTarget } from './target';

/** Where products come from when a request names them by id. */
export interface CatalogPort {
  /** The products that exist among `ids`, in any order; unknown ids are simply absent. */
  getProducts(ids: readonly string[]): Promise<Product[]>;
}

/** The model endpoint: one invocation, the raw answer body. */
export interface ModelPort {
  invoke(request: ChatRequest): Promise<Uint8Array>;
}

export interface GeneratePorts {
  readonly catalog: CatalogPort;
  readonly model: ModelPort;
  /** Profiles and segments, for requests aimed at a user or a segment. */
  readonly audience?: AudiencePort;
  /** The embedded generator, for requests that allow falling back when the endpoint fails. */
  readonly fallback?: ModelPort;
  /** Source of the seed when the request gives none (tests pin it). */
  readonly random?: () => number;
  /** ISO 4217 currency of products that name none (the TAILOR_DEFAULT_CURRENCY setting). */
  readonly defaultCurrency?: string;
}

export interface GeneratedVariant {
  /** Stable for the same copy from the same prompt version: a content hash. */
  readonly variantId: string;
  readonly headline: string;
  readonly body: string;
  readonly callToAction: string;
  readonly factsUsed: readonly string[];
  /** Every guardrail rule run on this variant; all passed. */
  readonly checks: readonly Check[];
  /** The copy as its channel sends it. */
  readonly rendered: Rendered;
}

/** A variant the guardrails refused, with why. */
export interface DroppedVariant {
  readonly headline: string;
  readonly reason: string;
}

export interface GenerateResult {
  readonly promptVersion: string;
  /** The model the endpoint says answered. */
  readonly backend?: string;
  /** Present when the endpoint failed and the embedded generator answered instead: why. */
  readonly fallback?: { readonly reason: string };
  /** The sampling seed of the answer that was used; send it again to reproduce the copy. */
  readonly seed: number;
  /** The seed of the second answer, asked for to replace refused variants, when there was one. */
  readonly regenerationSeed?: number;
  /** The variants that passed every guardrail: as many as asked for, or fewer when some were dropped. */
  readonly variants: readonly GeneratedVariant[];
  readonly dropped: readonly DroppedVariant[];
  /**
   * The products the copy is about: inline, from the catalog, or chosen from the user's profile,
   * each with its currency (the default setting's when it names none).
   */
  readonly products: readonly Product[];
}

/** A malformed answer is retried this many times, with a new seed, before giving up. */
const malformedRetries = 1;

/**
 * Generate copy variants for products (inline and/or looked up in the catalog) with the model
 * endpoint. Unknown product ids are a NotFoundError naming them. The model's answer is parsed
 * strictly; a malformed one is retried once with the next seed (the same seed would sample the
 * same answer), then it is a ModelOutputError.
 *
 * Every variant then goes through the guardrails. When some fail, the model is asked once more,
 * with a new seed, for the missing number; what still fails is dropped, and every refused
 * variant is listed in `dropped` with its reasons.
 */
export async function generateCopy(request: GenerateInput, ports: GeneratePorts): Promise<GenerateResult> {
  const input = ports.audience ? await resolveTarget(request, ports.audience) : request;
  const currency = ports.defaultCurrency ?? fallbackCurrency;
  const products = (await resolveProducts(input, ports.catalog)).map((p) =>
    p.currency ? p : { ...p, currency },
  );
  const brief = toBrief(input, products);
  const policy = guardrailPolicy(input, products);
  const firstSeed = input.seed ?? Math.floor((ports.random ?? Math.random)() * 2 ** 32);

  // The endpoint's faults, after its retries, end the request, unless the request allows
  // falling back to the embedded generator; the answer then says so.
  let model = ports.model;
  let fallback: { readonly reason: string } | undefined;
  let first: Awaited<ReturnType<typeof complete>>;
  try {
    first = await complete(brief, firstSeed, model);
  } catch (error) {
    if (!(input.allowFallback && ports.fallback && error instanceof UpstreamError)) throw error;
    fallback = { reason: error.message };
    model = ports.fallback;
    first = await complete(brief, firstSeed, model);
  }
  const kept: GeneratedVariant[] = [];
  const dropped: DroppedVariant[] = [];
  const review = (variants: readonly CopyVariant[]) => {
    for (const v of variants) {
      if (kept.length >= brief.variants) return;
      const checks = [...checkVariant(v, policy), checkNearDuplicate(v, kept)];
      const failed = checks.filter((c) => !c.passed);
      if (failed.length > 0) {
        dropped.push({
          headline: v.headline,
          reason: failed.map((c) => `${c.rule}: ${c.reason}`).join('; '),
        });
        continue;
      }
      kept.push({ variantId: variantId(v), ...v, checks, rendered: render(v, input) });
    }
  };
  review(first.parsed.output.variants);

  let regenerationSeed: number | undefined;
  if (kept.length < brief.variants) {
    const missing = brief.variants - kept.length;
    regenerationSeed = (first.seed + malformedRetries + 1) % 2 ** 32;
    try {
      const second = await complete({ ...brief, variants: missing }, regenerationSeed, model);
      regenerationSeed = second.seed;
      review(second.parsed.output.variants);
    } catch (error) {
      // Unusable replacements leave the request with the variants that passed.
      if (!(error instanceof ModelOutputError)) throw error;
    }
  }

  return {
    promptVersion,
    backend: first.parsed.model,
    ...(fallback ? { fallback } : {}),
    seed: first.seed,
    ...(regenerationSeed !== undefined ? { regenerationSeed } : {}),
    variants: kept,
    dropped,
    products,
  };
}

/** One answer with exactly `brief.variants` well-formed variants, retrying malformed ones. */
async function complete(
  brief: CopyBrief,
  firstSeed: number,
  model: ModelPort,
): Promise<{ parsed: ParsedCompletion; seed: number }> {
  let lastError: ModelOutputError | undefined;
  for (let attempt = 0; attempt <= malformedRetries; attempt++) {
    const seed = (firstSeed + attempt) % 2 ** 32;
    const raw = await model.invoke(buildChatRequest(brief, seed));
    try {
      const parsed = parseCompletionDetails(raw);
      if (parsed.output.variants.length !== brief.variants) {
        throw new ModelOutputError(
          `the model wrote ${parsed.output.variants.length} variants; ${brief.variants} were asked for`,
        );
      }
      return { parsed, seed };
    } catch (error) {
      if (!(error instanceof ModelOutputError)) throw error;
      lastError = error;
    }
  }
  throw new ModelOutputError(
    `the model endpoint answered malformed copy ${malformedRetries + 1} times; last: ${lastError?.message}`,
  );
}

/** The guardrails' settings for a request and its resolved products. */
export function guardrailPolicy(input: GenerateInput, products: readonly Product[]): GuardrailPolicy {
  return {
    channel: input.channel,
    language: input.language,
    products,
    bannedWords: input.bannedWords,
    mustAvoid: input.mustAvoid,
    mustInclude: input.mustInclude,
    smsMaxSegments: input.smsMaxSegments,
  };
}

async function resolveProducts(input: GenerateInput, catalog: CatalogPort): Promise<Product[]> {
  const inline = input.products ?? [];
  const ids = [...new Set(input.productIds ?? [])].filter((id) => !inline.some((p) => p.productId === id));
  if (ids.length === 0) return inline;
  const found = await catalog.getProducts(ids);
  const byId = new Map(found.map((p) => [p.productId, p]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length > 0) {
    throw new NotFoundError(`unknown product ids: ${missing.join(', ')}`, { productIds: missing });
  }
  return [...inline, ...ids.map((id) => byId.get(id)!)];
}

/** The data block's brief for a request and its resolved products. */
export function toBrief(input: GenerateInput, products: readonly Product[]): CopyBrief {
  const avoid = [...new Set([...input.mustAvoid, ...input.bannedWords])];
  return {
    language: input.language,
    goal: input.goal,
    channel: input.channel,
    tone: input.tone,
    variants: input.variants,
    ...(input.persona ? { persona: { label: input.persona.label, interests: input.persona.interests } } : {}),
    products: products.map((p) => toBriefProduct(p, input.language)),
    ...(input.mustInclude.length > 0 ? { mustInclude: input.mustInclude } : {}),
    ...(avoid.length > 0 ? { mustAvoid: avoid } : {}),
    ...(input.examples && input.examples.length > 0 ? { examples: input.examples } : {}),
  };
}

/**
 * The facts the model may use; the free-text description stays out of the prompt for now. A
 * category Tailor derived (an id such as `baking`) is named in the copy's language (烘焙厨房).
 */
function toBriefProduct(product: Product, language: Language): BriefProduct {
  const attributes = product.attributes
    ? Object.fromEntries(Object.entries(product.attributes).map(([k, v]) => [k, String(v)]))
    : undefined;
  return {
    productId: product.productId,
    title: product.title,
    category: categoryName(product.category)[language],
    price: product.price,
    ...(product.currency ? { currency: product.currency } : {}),
    ...(product.brand ? { brand: product.brand } : {}),
    ...(attributes && Object.keys(attributes).length > 0 ? { attributes } : {}),
  };
}

function variantId(v: { headline: string; body: string; callToAction: string }): string {
  const digest = createHash('sha256')
    .update([promptVersion, v.headline, v.body, v.callToAction].join('\u0000'))
    .digest('hex');
  return `var_${digest.slice(0, 16)}`;
}
