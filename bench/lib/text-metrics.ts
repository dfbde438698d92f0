/**
 * Text-generation metrics for the generation benchmarks: BLEU-4, ROUGE-L, distinct-2 and
 * attribute coverage. Pure functions over token arrays, so the tokenization is the caller's
 * choice and is stated beside every figure:
 *
 * - Chinese is tokenized by character (`tokenize(text, 'zh')`: every code point except
 *   whitespace, punctuation kept), as the AdvertiseGen evaluations do for BLEU (ChatGLM's
 *   ptuning `main.py` scores `list(pred)` against `list(label)`).
 * - English is tokenized into lower-case words (`tokenize(text, 'en')`: runs of letters and
 *   digits, apostrophes and hyphens inside a word kept, punctuation dropped).
 */

export type TokenLanguage = 'zh' | 'en';

/** Tokens of a text: characters for Chinese, lower-case words for English (see the module doc). */
export function tokenize(text: string, language: TokenLanguage): string[] {
  if (language === 'zh') return Array.from(text).filter((ch) => !/\s/u.test(ch));
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
}

/** The n-grams of a token list, each joined with U+0001 so tokens cannot run together. */
export function ngrams(tokens: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join('\u0001'));
  return out;
}

function counts(items: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const item of items) map.set(item, (map.get(item) ?? 0) + 1);
  return map;
}

export interface BleuResult {
  /** 0 to 1; multiply by 100 for the usual reporting scale. */
  readonly bleu: number;
  /** Modified (clipped) n-gram precisions p1..p4, after smoothing. */
  readonly precisions: readonly number[];
  readonly brevityPenalty: number;
  /** Hypothesis length over effective reference length (closest reference per segment). */
  readonly lengthRatio: number;
}

/**
 * BLEU-4 (Papineni et al. 2002) over a corpus: clipped n-gram counts (each n-gram counted at
 * most as often as in the reference that has it most) and totals summed over all segments
 * before dividing, uniform weights 1/4, and the brevity penalty exp(1 - r/c) with r the sum
 * of each segment's closest reference length (the shorter one on a tie), as NLTK's
 * `corpus_bleu` does.
 *
 * Smoothing: NLTK's method 3 (the NIST geometric sequence, Chen & Cherry 2014): a precision
 * whose clipped count is 0 becomes 1 / (2^k * total) with k = 1, 2, ... for each successive
 * zero. It only matters for short texts (at corpus level over hundreds of segments no count
 * is 0); with no unigram match at all BLEU is 0. With one segment this is NLTK's
 * `sentence_bleu(..., smoothing_function=SmoothingFunction().method3)`.
 *
 * `references[i]` are the references of `hypotheses[i]` (one or more token lists).
 */
export function corpusBleu(
  hypotheses: readonly (readonly string[])[],
  references: readonly (readonly (readonly string[])[])[],
  maxN = 4,
): BleuResult {
  if (hypotheses.length !== references.length) {
    throw new Error(`${hypotheses.length} hypotheses but ${references.length} reference sets`);
  }
  const matched = new Array<number>(maxN).fill(0);
  const total = new Array<number>(maxN).fill(0);
  let hypLength = 0;
  let refLength = 0;
  for (const [i, hyp] of hypotheses.entries()) {
    const refs = references[i]!;
    if (refs.length === 0) throw new Error(`hypothesis ${i} has no reference`);
    hypLength += hyp.length;
    refLength += closestLength(hyp.length, refs);
    for (let n = 1; n <= maxN; n++) {
      const hypCounts = counts(ngrams(hyp, n));
      const maxRef = new Map<string, number>();
      for (const ref of refs) {
        for (const [gram, c] of counts(ngrams(ref, n))) maxRef.set(gram, Math.max(maxRef.get(gram) ?? 0, c));
      }
      for (const [gram, c] of hypCounts) matched[n - 1]! += Math.min(c, maxRef.get(gram) ?? 0);
      total[n - 1]! += Math.max(0, hyp.length - n + 1);
    }
  }
  const lengthRatio = refLength === 0 ? 0 : hypLength / refLength;
  const brevityPenalty =
    hypLength === 0 ? 0 : hypLength > refLength ? 1 : Math.exp(1 - refLength / hypLength);
  if (matched[0] === 0) return { bleu: 0, precisions: new Array(maxN).fill(0), brevityPenalty, lengthRatio };

  let zeros = 0;
  const precisions = matched.map((m, k) => {
    const denominator = Math.max(1, total[k]!);
    if (m > 0) return m / denominator;
    zeros++;
    return 1 / (2 ** zeros * denominator);
  });
  const logMean = precisions.reduce((sum, p) => sum + Math.log(p), 0) / maxN;
  return { bleu: brevityPenalty * Math.exp(logMean), precisions, brevityPenalty, lengthRatio };
}

/** BLEU-4 of one hypothesis against its references, smoothed as in `corpusBleu`. */
export function sentenceBleu(
  hypothesis: readonly string[],
  references: readonly (readonly string[])[],
): number {
  return corpusBleu([hypothesis], [references]).bleu;
}

function closestLength(length: number, refs: readonly (readonly string[])[]): number {
  let best = refs[0]!.length;
  for (const ref of refs) {
    const d = Math.abs(ref.length - length);
    const bestD = Math.abs(best - length);
    if (d < bestD || (d === bestD && ref.length < best)) best = ref.length;
  }
  return best;
}

/** Length of the longest common subsequence of two token lists (O(n·m) time, O(m) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Uint32Array(b.length + 1);
  let curr = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      curr[j] = ai === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, curr[j - 1]!);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[b.length]!;
}

export interface RougeL {
  readonly precision: number;
  readonly recall: number;
  /** F1 (β = 1): 2PR / (P + R). */
  readonly f: number;
}

/**
 * ROUGE-L (Lin 2004) of a hypothesis against one reference: LCS / hypothesis length
 * (precision), LCS / reference length (recall), and their harmonic mean (β = 1). With several
 * references, the reference with the highest F.
 */
export function rougeL(hypothesis: readonly string[], references: readonly (readonly string[])[]): RougeL {
  let best: RougeL = { precision: 0, recall: 0, f: 0 };
  for (const ref of references) {
    const lcs = lcsLength(hypothesis, ref);
    const precision = hypothesis.length === 0 ? 0 : lcs / hypothesis.length;
    const recall = ref.length === 0 ? 0 : lcs / ref.length;
    const f = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    if (f > best.f || best.f === 0) best = { precision, recall, f };
  }
  return best;
}

/**
 * Distinct-n (Li et al. 2016) over a set of outputs: distinct n-grams / total n-grams, pooled
 * over all outputs (n-grams never span two outputs). 0 when there are no n-grams.
 */
export function distinctN(outputs: readonly (readonly string[])[], n = 2): number {
  const seen = new Set<string>();
  let total = 0;
  for (const tokens of outputs) {
    for (const gram of ngrams(tokens, n)) {
      seen.add(gram);
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
}

/**
 * Attribute coverage: the share of the distinct, non-empty attribute values that appear in the
 * text, as substrings, ignoring case. 1 when there are no values (nothing to cover).
 */
export function attributeCoverage(text: string, values: readonly string[]): number {
  const wanted = [...new Set(values.map((v) => v.trim().toLowerCase()).filter(Boolean))];
  if (wanted.length === 0) return 1;
  const lower = text.toLowerCase();
  return wanted.filter((v) => lower.includes(v)).length / wanted.length;
}

/** The p-quantile (0..1) of a sample by the nearest-rank method; NaN for an empty sample. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1]!;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export interface RougeScores {
  /** F1 of ROUGE-1, ROUGE-2 and ROUGE-L, 0 to 1. */
  readonly rouge1: number;
  readonly rouge2: number;
  readonly rougeL: number;
}

/**
 * ROUGE-1/2/L F as the Python `rouge` package (pltrdy, 1.0.x) computes them, which ChatGLM-6B's
 * ptuning evaluation calls on jieba words joined by spaces: the texts are split into
 * "sentences" at '.', ROUGE-N counts distinct n-grams (sets) of the whole text, and ROUGE-L
 * is the summary-level union LCS over distinct words; F = 2PR / (P + R + 1e-8).
 */
export function pyRouge(hypothesis: readonly string[], reference: readonly string[]): RougeScores {
  const sentences = (tokens: readonly string[]) =>
    tokens
      .join(' ')
      .split('.')
      .filter((s) => s.length > 0)
      .map((s) => s.split(/\s+/).filter(Boolean));
  const hyp = sentences(hypothesis);
  const ref = sentences(reference);
  const f = (overlap: number, evaluated: number, referenced: number) => {
    const p = evaluated === 0 ? 0 : overlap / evaluated;
    const r = referenced === 0 ? 0 : overlap / referenced;
    return (2 * p * r) / (p + r + 1e-8);
  };
  const rougeN = (n: number) => {
    const set = (ss: string[][]) => new Set(ngrams(ss.flat(), n));
    const h = set(hyp);
    const r = set(ref);
    let overlap = 0;
    for (const g of h) if (r.has(g)) overlap++;
    return f(overlap, h.size, r.size);
  };
  const m = new Set(ref.flat()).size;
  const n = new Set(hyp.flat()).size;
  const union = new Set<string>();
  let llcs = 0;
  for (const refS of ref) {
    const before = union.size;
    for (const hypS of hyp) for (const token of reconLcs(refS, hypS)) union.add(token);
    llcs += union.size - before;
  }
  return { rouge1: rougeN(1), rouge2: rougeN(2), rougeL: f(llcs, n, m) };
}

/** The tokens of one longest common subsequence, reconstructed as the `rouge` package does. */
function reconLcs(x: readonly string[], y: readonly string[]): string[] {
  const rows = x.length + 1;
  const cols = y.length + 1;
  const table = new Uint16Array(rows * cols);
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      table[i * cols + j] =
        x[i - 1] === y[j - 1]
          ? table[(i - 1) * cols + j - 1]! + 1
          : Math.max(table[(i - 1) * cols + j]!, table[i * cols + j - 1]!);
    }
  }
  const out: string[] = [];
  let i = x.length;
  let j = y.length;
  while (i > 0 && j > 0) {
    if (x[i - 1] === y[j - 1]) {
      out.push(x[i - 1]!);
      i--;
      j--;
    } else if (table[(i - 1) * cols + j]! > table[i * cols + j - 1]!) i--;
    else j--;
  }
  return out.reverse();
}
