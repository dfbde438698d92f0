/**
 * Regenerates `samples/online-retail-sample.csv.gz`, the data `tailor demo` uploads: every
 * invoice line (purchases and cancellations) of a fixed pseudo-random choice of whole
 * customers from the UCI Online Retail set in ../shared/data (see samples/README.md).
 *
 * Customers are ranked by hash32('tailor-demo-sample', CustomerID) and the first N kept, so
 * the choice is stable and does not favour big or early customers. Lines keep their original
 * text and order; lines without a customer are left out.
 *
 *   npx tsx samples/make-sample.ts [--customers 500] [--source ../shared/data/uci-online-retail/online_retail.csv.gz]
 */
import { createReadStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createGunzip, gzipSync } from 'node:zlib';
import { parse } from 'csv-parse';
import { hash32 } from '../core/hash';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '500' },
    source: {
      type: 'string',
      default: path.join('..', 'shared', 'data', 'uci-online-retail', 'online_retail.csv.gz'),
    },
    out: { type: 'string', default: path.join('samples', 'online-retail-sample.csv.gz') },
  },
});

/** Each data line's raw text and customer id (empty when none), in file order. */
async function* lines(file: string): AsyncGenerator<{ raw: string; customer: string; header: boolean }> {
  const parser = createReadStream(file)
    .pipe(createGunzip())
    .pipe(parse({ raw: true, relax_quotes: true }));
  let header = true;
  for await (const { raw, record } of parser as AsyncIterable<{ raw: string; record: string[] }>) {
    yield { raw: raw.replace(/\r?\n$/, ''), customer: header ? '' : (record[6] ?? '').trim(), header };
    header = false;
  }
}

async function main(): Promise<void> {
  const wanted = Number(values.customers);
  const customers = new Set<string>();
  for await (const line of lines(values.source)) if (line.customer) customers.add(line.customer);
  const rank = (id: string) => hash32('tailor-demo-sample', id);
  const chosen = new Set(
    [...customers].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, wanted),
  );
  const kept: string[] = [];
  for await (const line of lines(values.source)) {
    if (line.header || chosen.has(line.customer)) kept.push(line.raw);
  }
  const gz = gzipSync(`${kept.join('\n')}\n`, { level: 9 });
  writeFileSync(values.out, gz);
  console.log(
    `${values.out}: ${chosen.size} of ${customers.size} customers, ${kept.length - 1} lines, ${gz.length} bytes`,
  );
}

await main();
