/**
 * Chinese product copy written from the learned copy model (copy-model.ts): the attributes the
 * product has, in the order human copy mentions them, each in a clause human copy used for that
 * attribute, with the product's own value in the slot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '../../core/random';
import {
  type ClauseTemplate,
  type CopyModel,
  continuing,
  endKey,
  startKey,
  type TypeModel,
} from './copy-model';

/** The shipped model's file name; a Lambda bundle carries it beside its code (see `assets` of TailorFunction). */
export const copyModelFile = 'copy-model.zh.json';

/** Where scripts/learn-copy-model.ts writes the shipped model. */
export const copyModelPath = join(import.meta.dirname ?? __dirname, copyModelFile);

let shipped: CopyModel | undefined;

/**
 * The model learned from the AdvertiseGen train records, as shipped: read on first use (2 MB of
 * JSON kept out of the code, so bundles stay small and start-up pays nothing until Chinese copy
 * is written).
 */
export function shippedCopyModel(): CopyModel {
  shipped ??= JSON.parse(readFileSync(copyModelPath, 'utf8')) as CopyModel;
  return shipped;
}

/** A product as the writer sees it: its garment type and attribute (key, value) pairs. */
export interface ZhItem {
  readonly type: string;
  readonly attributes: ReadonlyArray<readonly [key: string, value: string]>;
}

export interface ZhWriteOptions {
  /** Most characters the text may have. */
  readonly maxChars: number;
  /** Characters to aim for (human AdvertiseGen copy averages 111). */
  readonly targetChars: number;
  /** Terms the text must not contain. */
  readonly avoid?: readonly string[];
}

export interface Written {
  readonly text: string;
  /** The attribute values stated, exactly as the product gives them. */
  readonly facts: readonly string[];
}

interface Prepared {
  readonly model: TypeModel;
  readonly byKey: ReadonlyMap<string, readonly ClauseTemplate[]>;
  readonly typicality: ReadonlyMap<string, number>;
  /** Each template's own bigrams, slots left out. */
  readonly grams: ReadonlyMap<ClauseTemplate, ReadonlySet<string>>;
}

/** Templates considered per attribute key, the most typical first. */
const candidatesPerKey = 150;

const prepared = new WeakMap<TypeModel, Prepared>();

/**
 * How typical a clause reads: the mean log-frequency of its character bigrams over the type's
 * clause bank. Typical clauses share the wording most human copy uses.
 */
function prepare(model: TypeModel): Prepared {
  const hit = prepared.get(model);
  if (hit) return hit;
  const freq = new Map<string, number>();
  const texts = [...model.templates.map((t) => t.text), ...model.opening, ...model.middle, ...model.closing];
  const bigrams = (text: string) => {
    const chars = Array.from(text.replace(/\{[^}]+\}/g, '□'));
    const out: string[] = [];
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
    return out;
  };
  for (const t of texts) for (const g of bigrams(t)) freq.set(g, (freq.get(g) ?? 0) + 1);
  const typicality = new Map<string, number>();
  for (const t of texts) {
    const gs = bigrams(t);
    typicality.set(
      t,
      gs.length === 0 ? 0 : gs.reduce((s, g) => s + Math.log1p(freq.get(g) ?? 0), 0) / gs.length,
    );
  }
  const byKey = new Map<string, ClauseTemplate[]>();
  for (const t of model.templates) {
    for (const key of new Set(t.slots)) {
      if (!byKey.has(key)) byKey.set(key, []);
      byKey.get(key)!.push(t);
    }
  }
  // Only the most typical templates of each key are ever chosen: scanning them is enough and fast.
  const rank = (t: ClauseTemplate) => (typicality.get(t.text) ?? 0) + 0.8 * (t.slots.length - 1);
  for (const [key, list] of byKey)
    byKey.set(key, list.sort((a, b) => rank(b) - rank(a)).slice(0, candidatesPerKey));
  const grams = new Map<ClauseTemplate, Set<string>>();
  for (const list of byKey.values())
    for (const t of list) grams.set(t, bigramSet(t.text.replace(/\{[^}]+\}/g, '，')));
  const out = { model, byKey, typicality, grams };
  prepared.set(model, out);
  return out;
}

/** The type model for a product, when the copy model knows its garment type. */
export function typeModel(model: CopyModel, type: string): TypeModel | undefined {
  return Object.hasOwn(model.types, type) ? model.types[type] : undefined;
}

function avoided(text: string, avoid: readonly string[] | undefined): boolean {
  if (!avoid || avoid.length === 0) return false;
  const lower = text.toLowerCase();
  return avoid.some((t) => t.trim() !== '' && lower.includes(t.trim().toLowerCase()));
}

/** End a clause with a comma unless it ends a sentence already. */
function asClause(text: string): string {
  return /[，。！？；]$/.test(text) ? text : `${text.replace(/[,.!?;…~]+$/, '')}，`;
}

function asLast(text: string): string {
  return /[。！？]$/.test(text) ? text : `${text.replace(/[，,；;…~]+$/, '')}。`;
}

function bigramSet(text: string): Set<string> {
  const chars = Array.from(text.replace(/[，。！？；、\s]/g, ''));
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
  return out;
}

function length(parts: readonly string[]): number {
  return parts.reduce((n, p) => n + Array.from(p).length, 0);
}

/**
 * Write copy for a product from its type model, deterministically for the generator's state:
 * attribute clauses in the learned order until every attribute is said (or the limit is near),
 * then connective clauses from human copy until the target length.
 */
export function writeZh(model: TypeModel, item: ZhItem, rng: Rng, options: ZhWriteOptions): Written {
  const p = prepare(model);
  const remaining = new Map<string, string[]>();
  for (const [key, value] of item.attributes) {
    if (!remaining.has(key)) remaining.set(key, []);
    if (!remaining.get(key)!.includes(value)) remaining.get(key)!.push(value);
  }
  const clauses: string[] = [];
  const facts: string[] = [];
  let current = startKey;
  const budget = options.maxChars - 1;

  while (remaining.size > 0) {
    const from = model.transitions[current] ?? {};
    const keys = [...remaining.keys()];
    // Sharpened sampling over the learned transitions: mostly the usual next attribute, sometimes another.
    const weights = keys.map((k) => ((from[k] ?? 0) + 0.5) ** 2);
    const key = keys[rng.weightedIndex(weights)]!;
    const choice = bestTemplate(p, key, remaining, rng, options.avoid, bigramSet(clauses.join('')));
    if (!choice) {
      remaining.delete(key);
      continue;
    }
    const text = asClause(choice.text);
    if (length(clauses) + Array.from(text).length > budget) {
      remaining.delete(key);
      continue;
    }
    clauses.push(text);
    for (const [k, v] of choice.used) {
      facts.push(v);
      const left = remaining.get(k)!.filter((x) => x !== v);
      if (left.length === 0) remaining.delete(k);
      else remaining.set(k, left);
    }
    current = choice.used.at(-1)?.[0] ?? current;
  }

  // Connective copy: an opening, then closing and middle clauses until the target length.
  const pick = (bank: readonly string[]) => {
    if (bank.length === 0) return undefined;
    // The most typical of a seeded handful reads naturally and still varies with the seed.
    let best: string | undefined;
    let bestScore = -Infinity;
    for (let i = 0; i < 12; i++) {
      const c = bank[rng.int(bank.length)]!;
      const score = (p.typicality.get(c) ?? 0) - 0.02 * Math.abs(Array.from(c).length - 12);
      if (score <= bestScore || avoided(c, options.avoid) || clauses.includes(asClause(c))) continue;
      best = c;
      bestScore = score;
    }
    return best;
  };
  const fits = (extra: string) =>
    length(clauses) + Array.from(extra).length <= Math.min(budget, options.targetChars);
  const opening = pick(model.opening);
  if (opening && fits(opening)) clauses.unshift(asClause(opening));
  for (let tries = 0; tries < 20 && length(clauses) < options.targetChars - 12; tries++) {
    const closing = pick(tries === 0 ? model.closing : model.middle);
    if (!closing) break;
    if (!fits(closing)) continue;
    if (tries === 0) clauses.push(asClause(closing));
    else clauses.splice(Math.max(1, clauses.length - 1), 0, asClause(closing));
  }
  if (clauses.length === 0) return { text: '', facts: [] };
  clauses[clauses.length - 1] = asLast(clauses.at(-1)!);
  return { text: clauses.join(''), facts };
}

interface Choice {
  readonly text: string;
  readonly used: ReadonlyArray<readonly [string, string]>;
}

/**
 * The clause for `key`: among the templates whose every slot the product can fill, the one
 * covering most attributes, reading most typically and, best, learned with the same values.
 */
function bestTemplate(
  p: Prepared,
  key: string,
  remaining: ReadonlyMap<string, readonly string[]>,
  rng: Rng,
  avoid: readonly string[] | undefined,
  written: ReadonlySet<string>,
): Choice | undefined {
  let best: Choice | undefined;
  let bestScore = -Infinity;
  for (const t of p.byKey.get(key) ?? []) {
    const pool = new Map<string, string[]>();
    const used: Array<readonly [string, string]> = [];
    let same = 0;
    let ok = true;
    for (const [i, slot] of t.slots.entries()) {
      if (!pool.has(slot)) pool.set(slot, [...(remaining.get(slot) ?? [])]);
      const values = pool.get(slot)!;
      if (values.length === 0) {
        ok = false;
        break;
      }
      const learned = t.learnedValues[i];
      const at = learned !== undefined ? values.indexOf(learned) : -1;
      const value = values.splice(at >= 0 ? at : 0, 1)[0]!;
      if (at >= 0) same++;
      used.push([slot, value]);
    }
    if (!ok) continue;
    const score =
      (p.typicality.get(t.text) ?? 0) +
      0.8 * (t.slots.length - 1) +
      (0.6 * same) / t.slots.length +
      0.6 * rng.float();
    if (score <= bestScore) continue;
    // Wording already used reads as repetition: penalise the share of the clause's bigrams said before.
    const grams = p.grams.get(t) ?? new Set<string>();
    let repeated = 0;
    for (const g of grams) if (written.has(g)) repeated++;
    const final = score - (grams.size === 0 ? 0 : (2.5 * repeated) / grams.size);
    if (final <= bestScore) continue;
    let n = 0;
    const text = t.text.replace(/\{[^}]+\}/g, () => used[n++]![1]);
    if (avoided(text, avoid)) continue;
    best = { text, used };
    bestScore = final;
  }
  return best;
}

/**
 * Short clauses about the product for headlines: for each attribute, the most typical templates
 * the product can fill, at most `maxChars` long. Deterministic for the product alone, so a
 * caller can enumerate headlines without repeats across seeds.
 */
export function shortClauses(
  model: TypeModel,
  item: ZhItem,
  maxChars: number,
  perKey: number,
  avoid?: readonly string[],
): Written[] {
  const p = prepare(model);
  const values = new Map<string, string[]>();
  for (const [key, value] of item.attributes) {
    if (!values.has(key)) values.set(key, []);
    if (!values.get(key)!.includes(value)) values.get(key)!.push(value);
  }
  const out: Written[] = [];
  const seen = new Set<string>();
  for (const key of values.keys()) {
    let taken = 0;
    for (const t of p.byKey.get(key) ?? []) {
      if (taken >= perKey) break;
      const pool = new Map<string, string[]>();
      const used: string[] = [];
      for (const slot of t.slots) {
        if (!pool.has(slot)) pool.set(slot, [...(values.get(slot) ?? [])]);
        const v = pool.get(slot)!.shift();
        if (v === undefined) break;
        used.push(v);
      }
      if (used.length !== t.slots.length) continue;
      let n = 0;
      const text = t.text.replace(/\{[^}]+\}/g, () => used[n++]!).replace(/[，。！？；,.!?;…~]+$/u, '');
      if (
        Array.from(text).length > maxChars ||
        continuing.test(text) ||
        seen.has(text) ||
        avoided(text, avoid)
      )
        continue;
      seen.add(text);
      out.push({ text, facts: used });
      taken++;
    }
  }
  return out;
}
