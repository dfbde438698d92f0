/**
 * The profile pipeline on real data, through the local system exactly as a user drives it:
 * upload (presigned PUT to S3) → ingestion → profiling run (Step Functions, Distributed Map)
 * → API reads. Data sets from ../shared/data (see its README):
 * - UCI Online Retail, all 541,909 invoice lines (mapping `uci-online-retail`): segments,
 *   personas, rules, cleaning counts;
 * - the Taobao UserBehavior two-hour slice (mapping `taobao-userbehavior`): ingestion and funnel;
 * - the BigBasket catalog (mapping `bigbasket-catalog`): catalog ingestion.
 *
 *   npx tsx bench/profile-real-data.ts [--only uci|taobao|bigbasket]
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient } from '../cli/client';
import { printRules, printSegment, printSegments } from '../cli/commands/profile';
import { upload } from '../cli/commands/upload';
import { sleep, table } from '../cli/output';
import type { UploadRecord } from '../functions/profile/uploads';
import { startLocal } from '../local/runtime';
import { progress } from './lib/timing';

const data = path.resolve('..', 'shared', 'data');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const log = progress();

async function withSystem<T>(work: (client: ApiClient) => Promise<T>): Promise<T> {
  const system = await startLocal({
    dataDir: mkdtempSync(path.join(tmpdir(), 'tailor-bench-')),
    schedules: false,
    ports: { api: 0, dynamodb: 0, s3: 0, stepfunctions: 0, model: 0 },
  });
  try {
    return await work(new ApiClient({ url: system.apiUrl }));
  } finally {
    await system.close();
  }
}

async function waitForRun(client: ApiClient, runId: string) {
  let last = '';
  for (;;) {
    const run = await client.run(runId);
    const line = `run ${run.status} / ${run.phase}: shards ${run.shardsDone ?? 0}/${run.shardCount ?? '?'} aggregated, ${run.shardsAssigned ?? 0} assigned`;
    if (line !== last) log(line);
    last = line;
    if (run.status === 'succeeded' || run.status === 'failed') return run;
    await sleep(1000);
  }
}

async function onlineRetail() {
  const file = path.join(data, 'uci-online-retail', 'online_retail.csv.gz');
  if (!existsSync(file)) return console.log(`missing ${file}`);
  await withSystem(async (client) => {
    log('UCI Online Retail: uploading 541,909 invoice lines');
    const started = Date.now();
    const status = await upload(client, file, {
      kind: 'events',
      mapping: 'uci-online-retail',
      wait: true,
      timeout: '3600',
    });
    const ingestSeconds = (Date.now() - started) / 1000;
    log(
      `ingested in ${ingestSeconds.toFixed(1)} s (${Math.round((status?.rowsRead ?? 0) / ingestSeconds)} rows/s)`,
    );
    const runId = (status as UploadRecord | undefined)?.profilingRunId ?? '';
    const runStarted = Date.now();
    const run = await waitForRun(client, runId);
    log(`profiling run ${run.status} in ${((Date.now() - runStarted) / 1000).toFixed(1)} s`);
    const f = run.figures;
    if (run.status !== 'succeeded' || !f) return console.log(run);
    console.log('\n## UCI Online Retail: cleaning');
    console.log(table(['rule', 'events'], Object.entries(f.cleaning)));
    console.log(
      `snapshot ${f.snapshotDate}; users ${f.users}, buyers ${f.buyers}; baskets ${f.baskets}; k ${f.k}; rules ${f.rules}`,
    );
    console.log(`silhouette by k: ${f.silhouette.map((s) => `${s.k}: ${s.silhouette}`).join(', ')}`);
    const { segments } = await client.segments();
    console.log('\n## Segments and personas');
    printSegments(segments);
    for (const segment of segments) printSegment(segment);
    const { rules } = await client.rules({ limit: 10 });
    console.log('\n## Top rules');
    printRules(rules);
    const profile = await client.profile('17850');
    console.log('\n## Profile of customer 17850');
    console.log(
      JSON.stringify(
        {
          segment: profile['segmentId'],
          rfm: profile['rfm'],
          features: profile['features'],
          topCategories: profile['topCategories'],
          crossSell: profile['crossSell'],
        },
        null,
        1,
      ),
    );
    console.log(`\nreport: s3://…/${run.reportKey}`);
  });
}

async function taobao() {
  const file = path.join(data, 'taobao-userbehavior-slice', 'UserBehavior_slice.csv');
  await withSystem(async (client) => {
    log('Taobao UserBehavior slice: uploading');
    const started = Date.now();
    const status = await upload(client, file, {
      kind: 'events',
      mapping: 'taobao-userbehavior',
      wait: true,
      timeout: '1800',
    });
    log(`ingested in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const run = await waitForRun(client, (status as UploadRecord | undefined)?.profilingRunId ?? '');
    console.log('\n## Taobao slice: events by type and funnel');
    console.log(table(['type', 'events'], Object.entries(run.figures?.eventTypes ?? {})));
    console.log(JSON.stringify(run.figures?.funnel));
  });
}

async function bigbasket() {
  const file = path.join(data, 'bigbasket-product-catalog', 'bigbasket_products_no_description.csv');
  await withSystem(async (client) => {
    log('BigBasket catalog: uploading');
    await upload(client, file, {
      kind: 'products',
      mapping: 'bigbasket-catalog',
      wait: true,
      timeout: '1800',
    });
  });
}

if (!only || only === 'uci') await onlineRetail();
if (!only || only === 'taobao') await taobao();
if (!only || only === 'bigbasket') await bigbasket();
