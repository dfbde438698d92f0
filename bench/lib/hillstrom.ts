import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { mulberry32 } from '../../core/random';

/** The Hillstrom MineThatData e-mail experiment (see ../shared/data/hillstrom/README.md). */
export const hillstromFile = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'shared',
  'data',
  'hillstrom',
  'Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv',
);

/** One customer of the experiment: features, the randomized arm (`segment`) and the outcomes. */
export interface HillstromCustomer {
  recency: number;
  history: number;
  historySegment: string;
  mens: number;
  womens: number;
  zip: string;
  newbie: number;
  channel: string;
  segment: string;
  visit: number;
  conversion: number;
  spend: number;
}

export function readHillstrom(): HillstromCustomer[] {
  const records = parse(readFileSync(hillstromFile, 'utf8'), { columns: true, trim: true }) as Array<
    Record<string, string>
  >;
  return records.map((r) => ({
    recency: Number(r['recency']),
    history: Number(r['history']),
    historySegment: r['history_segment']!,
    mens: Number(r['mens']),
    womens: Number(r['womens']),
    zip: r['zip_code']!,
    newbie: Number(r['newbie']),
    channel: r['channel']!,
    segment: r['segment']!,
    visit: Number(r['visit']),
    conversion: Number(r['conversion']),
    spend: Number(r['spend']),
  }));
}

/**
 * The split stratified by arm: arm by arm in the order given, the arm's row indices
 * (ascending) are shuffled by Fisher–Yates from one seeded stream, and the first
 * round(testFraction × size) go to the test set. `train` is in that shuffled order, arm after
 * arm; `test` is ascending.
 */
export function splitByArm(
  arms: ReadonlyArray<string>,
  order: ReadonlyArray<string>,
  testFraction: number,
  seed: number,
): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  const random = mulberry32(seed);
  for (const arm of order) {
    const rows = arms.flatMap((a, i) => (a === arm ? [i] : []));
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    const cut = Math.round(testFraction * rows.length);
    test.push(...rows.slice(0, cut));
    train.push(...rows.slice(cut));
  }
  test.sort((a, b) => a - b);
  return { train, test };
}
