import { createHash } from 'node:crypto';
import {
  type BriefProduct,
  type ChatRequest,
  type CopyBrief,
  ModelOutputError,
  type ParsedCompletion,
  parseCompletionDetails,
} from '../../model/contract';
import { NotFoundError } from '../shared/errors';
import { buildChatRequest, promptVersion } from './prompt';
import type { GenerateInput, Product } from './schema';

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
  /** Source of the seed when the request gives none (tests pin it). */
  readonly random?: () => number;
}

export interface GeneratedVariant {
  /** Stable for the same copy from the same prompt version: a content hash. */
  readonly variantId: string;
  readonly headline: string;
  readonly body: string;
  readonly callToAction: string;
  readonly factsUsed: readonly string[];
}

export interface GenerateResult {
  readonly promptVersion: string;
  /** The model the endpoint says answered. */
  readonly backend?: string;
  /** The sampling seed of the answer that was used; send it again to reproduce the copy. */
  readonly seed: number;
  readonly variants: readonly GeneratedVariant[];
}

/** A malformed answer is retried this many times, with a new seed, before giving up. */
const malformedRetries = 1;

/**
 * Generate copy variants for products (inline and/or looked up in the catalog) with the model
 * endpoint. Unknown product ids are a NotFoundError naming them. The model's answer is parsed
 * strictly; a malformed one is retried once with the next seed (the same seed would sample the
 * same answer), then it is a ModelOutputError.
 */
export async function generateCopy(input: GenerateInput, ports: GeneratePorts): Promise<GenerateResult> {
  const products = await resolveProducts(input, ports.catalog);
  const brief = toBrief(input, products);
  const firstSeed = input.seed ?? Math.floor((ports.random ?? Math.random)() * 2 ** 32);

  let lastError: ModelOutputError | undefined;
  for (let attempt = 0; attempt <= malformedRetries; attempt++) {
    const seed = (firstSeed + attempt) % 2 ** 32;
    const raw = await ports.model.invoke(buildChatRequest(brief, seed));
    let parsed: ParsedCompletion;
    try {
      parsed = parseCompletionDetails(raw);
      if (parsed.output.variants.length !== brief.variants) {
        throw new ModelOutputError(
          `the model wrote ${parsed.output.variants.length} variants; ${brief.variants} were asked for`,
        );
      }
    } catch (error) {
      if (!(error instanceof ModelOutputError)) throw error;
      lastError = error;
      continue;
    }
    return {
      promptVersion,
      backend: parsed.model,
      seed,
      variants: parsed.output.variants.map((v) => ({ variantId: variantId(v), ...v })),
    };
  }
  throw new ModelOutputError(
    `the model endpoint answered malformed copy ${malformedRetries + 1} times; last: ${lastError?.message}`,
  );
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
  return {
    language: input.language,
    goal: input.goal,
    channel: input.channel,
    tone: input.tone,
    variants: input.variants,
    ...(input.persona ? { persona: { label: input.persona.label, interests: input.persona.interests } } : {}),
    products: products.map(toBriefProduct),
  };
}

/** The facts the model may use; the free-text description stays out of the prompt for now. */
function toBriefProduct(product: Product): BriefProduct {
  const attributes = product.attributes
    ? Object.fromEntries(Object.entries(product.attributes).map(([k, v]) => [k, String(v)]))
    : undefined;
  return {
    productId: product.productId,
    title: product.title,
    category: product.category,
    price: product.price,
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
