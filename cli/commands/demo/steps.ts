import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SingleBar } from 'cli-progress';
import { parse } from 'csv-parse/sync';
import { hash32 } from '../../../core/hash';
import { mulberry32 } from '../../../core/random';
import { maxFeedbackBatch } from '../../../functions/optimize/schema';
import { categoryOfDescription, nonProduct } from '../../../functions/profile/categories';
import type { ApiClient } from '../../client';
import { pct } from './print';
import { armKey, type GroundTruth, type SimulatedEvent, simulateOutcome } from './truth';

// ---------------------------------------------------------------------------------------------
// The sample
// ---------------------------------------------------------------------------------------------

export const defaultSample = path.join('samples', 'online-retail-sample.csv.gz');

export interface SampleFacts {
  readonly lines: number;
  readonly users: string[];
  /** Products bought by the most customers, charges left out. */
  readonly bestSellers: Array<{ productId: string; title: string; buyers: number; units: number }>;
}

/** Read the sample (UCI Online Retail columns): its customers and its best sellers. */
export async function readSample(file: string): Promise<SampleFacts> {
  const raw = await readFile(file);
  const text = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const rows = parse(text, { columns: true, skip_empty_lines: true, relax_quotes: true }) as Array<
    Record<string, string>
  >;
  const users = new Set<string>();
  const products = new Map<string, { title: string; buyers: Set<string>; units: number }>();
  for (const row of rows) {
    const user = (row['CustomerID'] ?? '').trim().replace(/\.0+$/, '');
    if (!user) continue;
    users.add(user);
    const code = (row['StockCode'] ?? '').trim().toUpperCase();
    const description = (row['Description'] ?? '').trim();
    const quantity = Number(row['Quantity']);
    if (!code || !description || (row['InvoiceNo'] ?? '').startsWith('C') || !(quantity > 0)) continue;
    if (categoryOfDescription(description, code) === nonProduct.id) continue;
    const entry = products.get(code) ?? { title: description, buyers: new Set<string>(), units: 0 };
    entry.buyers.add(user);
    entry.units += quantity;
    products.set(code, entry);
  }
  const bestSellers = [...products.entries()]
    .map(([productId, p]) => ({ productId, title: p.title, buyers: p.buyers.size, units: p.units }))
    .sort((a, b) => b.buyers - a.buyers || b.units - a.units || a.productId.localeCompare(b.productId))
    .slice(0, 3);
  return { lines: rows.length, users: [...users].sort(), bestSellers };
}

// ---------------------------------------------------------------------------------------------
// The rounds of decisions
// ---------------------------------------------------------------------------------------------

/** Feedback is posted after this many decisions, or sooner when a batch is full. */
export const feedbackEvery = 50;

export interface RoundResult {
  readonly decisions: number;
  readonly reasons: Map<string, number>;
  /** Per `segment#variant`: sends, clicks and conversions the simulated users made. */
  readonly arms: Map<string, { sends: number; clicks: number; conversions: number; value: number }>;
  readonly sends: Array<{ segmentId: string; variantId: string }>;
  readonly feedback: { accepted: number; duplicates: number; rejected: number };
  readonly seconds: number;
}

export interface RoundOptions {
  readonly round: number;
  readonly decisions: number;
  readonly users: readonly string[];
  readonly truth: GroundTruth;
  readonly seed: number;
  readonly concurrency: number;
  /** Simulated time of the first and the last decision (ms). */
  readonly from: number;
  readonly to: number;
}

/**
 * `decisions` decisions for users drawn uniformly from the sample, `concurrency` at a time, at
 * simulated times spread evenly from `from` to `to` (the frequency cap and the send-hour
 * statistics count in them); each answer's outcome is drawn from the ground truth and posted
 * as feedback in batches while the round goes on, so the bandit learns as it goes.
 */
export async function runRound(client: ApiClient, campaignId: string, o: RoundOptions): Promise<RoundResult> {
  const started = performance.now();
  const reasons = new Map<string, number>();
  const arms = new Map<string, { sends: number; clicks: number; conversions: number; value: number }>();
  const sends: Array<{ segmentId: string; variantId: string }> = [];
  const feedback = { accepted: 0, duplicates: 0, rejected: 0 };
  let buffer: SimulatedEvent[] = [];
  let posting: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch = buffer;
    buffer = [];
    if (batch.length === 0) return;
    posting = posting.then(async () => {
      const result = await client.feedback({ events: batch });
      feedback.accepted += result.accepted;
      feedback.duplicates += result.duplicates;
      feedback.rejected += result.rejected.length;
    });
  };

  let clicks = 0;
  let bestSends = 0;
  const bar = new SingleBar({
    format: `round ${o.round}  [{bar}] {value}/{total} decisions  {sends} sends, {clicks} clicks, {best} to the true best`,
    hideCursor: true,
  });
  bar.start(o.decisions, 0, { sends: 0, clicks: 0, best: '–' });
  let next = 0;
  const step = o.decisions > 1 ? (o.to - o.from) / (o.decisions - 1) : 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= o.decisions) return;
      const random = mulberry32(hash32(o.seed, 'decision', o.round, i));
      const userId = o.users[Math.floor(random() * o.users.length)]!;
      const at = new Date(o.from + Math.round(i * step)).toISOString();
      const decision = await client.decision(campaignId, { userId, at });
      reasons.set(decision.reason, (reasons.get(decision.reason) ?? 0) + 1);
      const outcome = simulateOutcome(decision, o.truth, random);
      if ('impressionId' in decision) {
        const key = armKey(decision.segmentId, decision.variantId);
        const arm = arms.get(key) ?? { sends: 0, clicks: 0, conversions: 0, value: 0 };
        arm.sends++;
        if (outcome.clicked) arm.clicks++;
        if (outcome.converted) arm.conversions++;
        arm.value += outcome.events.find((e) => e.type === 'conversion')?.value ?? 0;
        arms.set(key, arm);
        if (decision.send) {
          sends.push({ segmentId: decision.segmentId, variantId: decision.variantId });
          if (o.truth.best.get(decision.segmentId)?.variantId === decision.variantId) bestSends++;
        }
      }
      if (outcome.clicked) clicks++;
      buffer.push(...outcome.events);
      // Feedback arrives while the round goes on: every `feedbackEvery` decisions (or 500 events).
      if (buffer.length >= maxFeedbackBatch || (i + 1) % feedbackEvery === 0) flush();
      bar.increment(1, {
        sends: sends.length,
        clicks,
        best: sends.length ? pct(bestSends / sends.length, 0) : '–',
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
    flush();
    await posting;
  } finally {
    bar.stop();
  }
  return {
    decisions: o.decisions,
    reasons,
    arms,
    sends,
    feedback,
    seconds: (performance.now() - started) / 1000,
  };
}
