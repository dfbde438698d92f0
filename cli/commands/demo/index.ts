/**
 * `tailor demo`: the whole loop on the bundled sample (samples/online-retail-sample.csv.gz,
 * whole customers of the UCI Online Retail set), against the local system started in-process
 * (or a running one given by `--api`):
 *
 *   ingest → profile → campaign (generate, predict, select) → decisions with feedback simulated
 *   from a known ground truth → re-optimize (verdicts, challengers, retraining) → a second round
 *   of decisions → re-optimize again (records the second round, writes the report) → report.
 *
 * The ground truth is hidden from Tailor: per segment, one generated variant has a clearly
 * higher true click rate than the others (chosen by a hash of the seed and the ids), and a
 * click converts more often than a user converts on their own, so sending beats the no-send
 * control. What Tailor learns (allocation, leaders, regret against a uniform split) is then
 * compared with that truth.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import type { CampaignState } from '../../../functions/optimize/records';
import { campaignReportPrefix } from '../../../functions/optimize/report/write';
import type { RunRecord } from '../../../functions/profile/runs';
import { type ApiClient, apiClient } from '../../client';
import { pairs, table } from '../../output';
import { createCampaign, optimize, printCampaign } from '../campaign';
import { followRun, printRules, printSegments, profileRun } from '../profile';
import { defaultPorts } from '../start';
import { upload } from '../upload';
import {
  heading,
  pct,
  printChanges,
  printExamplePair,
  printRegret,
  printRound,
  printTruth,
  saveReport,
  seconds,
} from './print';
import { defaultSample, type RoundResult, readSample, runRound, type SampleFacts } from './steps';
import { groundTruth, regretOf } from './truth';

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

/**
 * The local system `npm start` runs on the default port, when one answers: its API is healthy
 * and its `/config.json` names its S3 endpoint and bucket (only the local HTTP API does).
 */
export async function runningLocalSystem(): Promise<
  { apiUrl: string; s3: string; bucket: string } | undefined
> {
  const apiUrl = `http://127.0.0.1:${defaultPorts.api}`;
  try {
    const get = (p: string) => fetch(`${apiUrl}${p}`, { signal: AbortSignal.timeout(2000) });
    const health = await get('/health');
    if (!health.ok) return undefined;
    const config = (await (await get('/config.json')).json()) as { local?: { s3?: string; bucket?: string } };
    const { s3, bucket } = config.local ?? {};
    return s3 && bucket ? { apiUrl, s3, bucket } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The demo's own thresholds for the preference-pair export (the service's defaults, 200 sends a
 * side and P ≥ 0.9, are for real traffic; the demo's few thousand decisions spread over a dozen
 * arms would never reach them). Sent in the re-optimization's run input.
 */
export const demoPreferenceThresholds = { minSends: 50, minProbability: 0.8 } as const;

export interface DemoOptions {
  readonly fresh?: boolean;
  readonly api?: string;
  readonly s3?: string;
  readonly bucket?: string;
  readonly sample: string;
  readonly decisions: string;
  readonly language: 'en' | 'zh';
  readonly seed: string;
  readonly concurrency: string;
  readonly out: string;
}

export const steps = 9;

type DemoSystem = { apiUrl: string; endpoints: { s3: string }; bucket: string; close(): Promise<void> };

/** Step 1: the system the demo talks to (given, the running local one, or one started here). */
async function connect(
  options: DemoOptions,
  onStarted: (system: DemoSystem) => void,
): Promise<{ client: ApiClient; s3: { endpoint: string; bucket: string } | undefined }> {
  let system: DemoSystem | undefined;
  heading(1, steps, 'The system');
  const running = options.api || options.fresh ? undefined : await runningLocalSystem();
  if (options.api) {
    console.log(`using the running system at ${options.api}`);
  } else if (running) {
    console.log(
      pairs([
        ['using the local system at', running.apiUrl],
        ['S3 (s3rver)', `${running.s3}  bucket ${running.bucket}`],
        ['watch it in the console', `${running.apiUrl}/`],
      ]),
    );
    console.log('  (a system answered on the default port; --fresh starts a throw-away one instead)');
  } else {
    const { startLocal } = await import('../../../local/runtime');
    const t = performance.now();
    system = await startLocal({
      inMemory: true,
      schedules: false,
      ports: { api: 0, dynamodb: 0, s3: 0, stepfunctions: 0, model: 0 },
    });
    onStarted(system);
    console.log(
      pairs([
        ['HTTP API', system.apiUrl],
        ['S3 (s3rver)', `${system.endpoints.s3}  bucket ${system.bucket}`],
        ['started in', `${seconds(t)} (in memory; closed when the demo ends)`],
      ]),
    );
    console.log(`  While the demo runs:  curl ${system.apiUrl}/health`);
  }
  const client = apiClient({ url: options.api ?? running?.apiUrl ?? system!.apiUrl });
  const s3 = system
    ? { endpoint: system.endpoints.s3, bucket: system.bucket }
    : running
      ? { endpoint: running.s3, bucket: running.bucket }
      : options.s3 && options.bucket
        ? { endpoint: options.s3, bucket: options.bucket }
        : undefined;

  return { client, s3 };
}

/** Steps 2 and 3: ingest the sample, then profile (segments, personas, cross-sell rules). */
async function ingestAndProfile(client: ApiClient, file: string): Promise<SampleFacts> {
  heading(2, steps, 'Ingest the sample');
  const sample = await readSample(file);
  console.log(
    `${file}: ${sample.lines.toLocaleString('en')} invoice lines of ${sample.users.length} customers ` +
      '(UCI Online Retail, CC BY 4.0; see samples/README.md)',
  );
  const t = performance.now();
  const uploaded = (await upload(client, file, {
    kind: 'events',
    mapping: 'uci-online-retail',
    wait: true,
    timeout: '600',
  })) as { status: string; profilingRunId?: string } | undefined;
  if (uploaded?.status === 'failed') throw new Error('the sample was not ingested (see the table above)');
  console.log(`  ingested in ${seconds(t)}`);

  heading(3, steps, 'Profile: segments, personas and cross-sell rules');
  const t3 = performance.now();
  let run: RunRecord;
  if (uploaded?.profilingRunId) {
    console.log(`the upload started profiling run ${uploaded.profilingRunId}`);
    run = await followRun(client, uploaded.profilingRunId, 600);
  } else {
    console.log(`the upload is ${uploaded?.status ?? 'done'} and started no run; starting one`);
    run = await profileRun(client, { wait: true, timeout: '600' });
  }
  if (run.status !== 'succeeded') throw new Error(`profiling run ${run.runId} ${run.status}: ${run.error}`);
  const { segments } = await client.segments();
  printSegments(segments);
  const { rules } = await client.rules({ limit: 3 });
  if (rules.length > 0) printRules(rules);
  console.log(`  profiled in ${seconds(t3)}`);

  return sample;
}

/** Step 4: the campaign, generated and predicted per segment from the sample's best sellers. */
async function campaignStep(
  client: ApiClient,
  sample: SampleFacts,
  language: DemoOptions['language'],
  seed: number,
): Promise<CampaignState> {
  heading(4, steps, 'Campaign: generate and predict copy per segment');
  console.log(
    table(
      ['best seller of the sample', 'title', 'customers', 'units'],
      sample.bestSellers.map((p) => [p.productId, p.title, p.buyers, p.units]),
    ),
  );
  const t = performance.now();
  const created = await createCampaign(
    client,
    {
      name: `tailor demo (seed ${seed})`,
      goal: 'promotion',
      channel: 'email',
      language,
      tone: 'friendly',
      productIds: sample.bestSellers.map((p) => p.productId),
      audience: { kind: 'everyone' },
      variantsPerSegment: 3,
      controlShare: 0.1,
      objective: 'click',
      trafficSplit: 'bandit',
      seed,
    },
    { wait: true, timeout: '600' },
  );
  if (!('variants' in created)) throw new Error('the campaign came back without its variants');
  const _campaignId = created.campaign.campaignId;
  printCampaign(created);
  console.log(
    `  created in ${seconds(t)}: ${created.variants.length} arms in ${new Set(created.variants.map((v) => v.segmentId)).size} segments`,
  );

  return created;
}

/** Step 9: a last re-optimization (records round 2, writes the report), then the report saved here. */
async function reportStep(
  client: ApiClient,
  campaignId: string,
  s3: { endpoint: string; bucket: string } | undefined,
  options: DemoOptions,
): Promise<void> {
  heading(9, steps, 'Report');
  const t = performance.now();
  // A last re-optimization (no breeding) records round 2 and writes the report with its charts.
  const final = await optimize(
    client,
    { campaignIds: [campaignId], breed: false, preferences: demoPreferenceThresholds },
    {
      wait: true,
      timeout: '600',
    },
  );
  const state = await client.campaign(campaignId);
  printCampaign(state);
  const key = state.campaign.reportKey ?? `${campaignReportPrefix(campaignId)}report.md`;
  const saved = await saveReport(path.resolve(options.out), state, s3);
  console.log(
    pairs([
      ['re-optimization', `${final.runId} ${final.status}`],
      ['report in the data bucket', s3 ? `s3://${s3.bucket}/${key}` : key],
      [
        'written here',
        `${path.join(options.out, 'report.md')} (+ ${saved.files.length - 1} SVG charts, ${saved.from})`,
      ],
      ['also', `tailor campaign report ${campaignId}${options.api ? ` --api ${options.api}` : ''}`],
    ]),
  );
  console.log(`  report in ${seconds(t)}`);
}

/** `tailor demo`: run the whole loop and say what happened at each step. */
export async function demo(options: DemoOptions): Promise<void> {
  const started = performance.now();
  const decisions = Number(options.decisions);
  const seed = Number(options.seed);
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(decisions) || decisions < 10) throw new Error('--decisions must be an integer ≥ 10');
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new Error('--concurrency must be an integer from 1 to 64');
  }
  if (!existsSync(options.sample)) {
    throw new Error(
      `no sample at ${options.sample}: run the demo from the repository root, or give --sample`,
    );
  }

  let system:
    | { apiUrl: string; endpoints: { s3: string }; bucket: string; close(): Promise<void> }
    | undefined;
  const stop = () => {
    void system?.close().finally(() => process.exit(130));
  };
  try {
    const connected = await connect(options, (started) => {
      system = started;
      process.once('SIGINT', stop);
    });
    const { client, s3 } = connected;
    const sample = await ingestAndProfile(client, options.sample);
    const created = await campaignStep(client, sample, options.language, seed);
    const campaignId = created.campaign.campaignId;
    let t = performance.now();
    heading(5, steps, 'The ground truth the simulated users follow (hidden from Tailor)');
    let truth = groundTruth(seed, created.variants);
    printTruth(created, truth);

    // A four-week campaign, then two more weeks after the re-optimization, in simulated time.
    const day = 24 * 3600 * 1000;
    const start = Math.ceil(Date.parse(created.campaign.createdAt) / 3_600_000) * 3_600_000;
    const first = Math.round((decisions * 2) / 3);
    const second = decisions - first;
    const activeOf = (state: CampaignState) => {
      const active = new Map<string, string[]>();
      for (const v of state.variants) {
        if (v.kind === 'control' || v.status !== 'active') continue;
        active.set(v.segmentId, [...(active.get(v.segmentId) ?? []), v.variantId]);
      }
      return active;
    };

    heading(
      6,
      steps,
      `Round 1: ${first.toLocaleString('en')} decisions over 4 simulated weeks, feedback as it comes`,
    );
    const round1 = await runRound(client, campaignId, {
      round: 1,
      decisions: first,
      users: sample.users,
      truth,
      seed,
      concurrency,
      from: start,
      to: start + 28 * day,
    });
    const regret1 = regretOf(round1.sends, truth, activeOf(created));
    printRound(round1, truth, created);

    heading(7, steps, 'Re-optimize: verdicts, stopped losers, challengers, retraining');
    t = performance.now();
    const reoptimized = await optimize(
      client,
      { campaignIds: [campaignId], breed: true, preferences: demoPreferenceThresholds },
      {
        wait: true,
        timeout: '600',
      },
    );
    const afterFirst = await client.campaign(campaignId);
    truth = groundTruth(seed, afterFirst.variants);
    printChanges(created, afterFirst, reoptimized, truth);
    const exported = (reoptimized.summary as { export?: { key?: string | null } } | undefined)?.export;
    await printExamplePair(s3, exported?.key);
    console.log(`  re-optimized in ${seconds(t)}`);

    heading(8, steps, `Round 2: ${second.toLocaleString('en')} decisions over 2 more simulated weeks`);
    const round2 = await runRound(client, campaignId, {
      round: 2,
      decisions: second,
      users: sample.users,
      truth,
      seed,
      concurrency,
      from: start + 28 * day,
      to: start + 42 * day,
    });
    const regret2 = regretOf(round2.sends, truth, activeOf(afterFirst));
    printRound(round2, truth, afterFirst);
    const share = (r: RoundResult) =>
      r.sends.length
        ? r.sends.filter((s) => truth.best.get(s.segmentId)?.variantId === s.variantId).length /
          r.sends.length
        : 0;
    console.log(
      `  sends to each segment's true best arm: round 1 ${pct(share(round1))} → round 2 ${pct(share(round2))}`,
    );
    console.log('\nRegret against the oracle (expected clicks, so click noise does not count):');
    printRegret([
      { name: '1', figures: regret1 },
      { name: '2', figures: regret2 },
    ]);

    await reportStep(client, campaignId, s3, options);
    console.log(`\nThe whole loop took ${seconds(started)}.`);
  } finally {
    process.removeListener('SIGINT', stop);
    await system?.close();
  }
}

/** Register `tailor demo` on the program. */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the whole loop on a bundled sample: ingest, profile, campaign, simulated feedback, re-optimize, report',
    )
    .option(
      '--api <url>',
      'use this running system (default: the local one on port 3000 when it answers, else one started in-process)',
    )
    .option('--fresh', 'start a throw-away in-process system even when a local one is running')
    .option('--s3 <url>', 'with --api: the S3 endpoint (s3rver) to read the report from')
    .option('--bucket <name>', 'with --api and --s3: the data bucket')
    .option('--sample <file>', 'the invoice lines to upload (UCI Online Retail columns)', defaultSample)
    .option(
      '--decisions <n>',
      'decisions in all: two thirds before the re-optimization, one third after',
      '2000',
    )
    .addOption(
      new Option('--language <language>', 'language of the copy').choices(['en', 'zh']).default('en'),
    )
    .option('--seed <n>', 'seed of the ground truth, the users drawn and their outcomes', '7')
    .option('--concurrency <n>', 'decisions in flight at a time', '8')
    .option('--out <dir>', 'where to write the report and its charts', 'tailor-demo-report')
    .action(demo);
}
