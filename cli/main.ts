import { Command, Option } from 'commander';
import type { Prediction } from '../functions/predict/core';
import type { Segment } from '../functions/profile/segments';
import type { StoredRule } from '../functions/profile/store';
import { channels, goals, languages } from '../model/contract';
import { ApiClient, ApiError } from './client';
import { printRules, printRun, printSegment, printSegments, profileRun } from './commands/profile';
import { defaultPorts, start } from './commands/start';
import { printUpload, upload } from './commands/upload';
import { pairs } from './output';

const program = new Command('tailor')
  .description('Tailor: personalized marketing copy, predicted and improved from feedback')
  .version('0.1.0');

/** Options every client command shares: where the API is and how to authenticate. */
function withApi(command: Command): Command {
  return command
    .addOption(
      new Option('--api <url>', 'API base URL (local system by default, or a deployed API)')
        .env('TAILOR_API_URL')
        .default(`http://127.0.0.1:${defaultPorts.api}`),
    )
    .addOption(new Option('--token <jwt>', 'bearer token for the JWT authorizer').env('TAILOR_API_TOKEN'))
    .addOption(new Option('--sigv4 <region>', 'sign requests with SigV4 for the IAM authorizer'))
    .addOption(new Option('--json', 'print JSON instead of tables'));
}

function client(options: { api: string; token?: string; sigv4?: string }): ApiClient {
  return new ApiClient({
    url: options.api,
    token: options.token,
    sigv4: options.sigv4 ? { region: options.sigv4 } : undefined,
  });
}

program
  .command('start')
  .description('start the whole system on this machine (emulators, functions, API)')
  .option('--host <host>', 'interface to bind', '127.0.0.1')
  .option('--port <port>', 'HTTP API port', String(defaultPorts.api))
  .option('--dynamodb-port <port>', 'DynamoDB (dynalite) port', String(defaultPorts.dynamodb))
  .option('--s3-port <port>', 'S3 (s3rver) port', String(defaultPorts.s3))
  .option('--sfn-port <port>', 'Step Functions port', String(defaultPorts.stepfunctions))
  .option('--model-port <port>', 'model endpoint port', String(defaultPorts.model))
  .option('--data-dir <dir>', 'where data is kept between runs', '.tailor')
  .option('--in-memory', 'keep nothing after exit')
  .option('--no-schedules', 'do not fire the schedule rules')
  .action(start);

withApi(program.command('health').description('check the API and the stores behind it')).action(
  async (options) => {
    const health = await client(options).request<{
      status: string;
      version: string;
      checks: Record<string, { ok: boolean; ms: number; error?: string }>;
    }>('GET', 'health');
    if (options.json) return console.log(JSON.stringify(health, null, 2));
    console.log(
      pairs([
        ['status', health.status],
        ['version', health.version],
        ...Object.entries(health.checks).map(
          ([name, c]) => [name, c.ok ? `ok (${c.ms} ms)` : `failing: ${c.error}`] as [string, string],
        ),
      ]),
    );
  },
);

withApi(
  program
    .command('upload <file>')
    .description('upload a CSV or JSON Lines file (gzip accepted) for batch ingestion')
    .addOption(
      new Option('--kind <kind>', 'what the file holds').choices(['events', 'products']).default('events'),
    )
    .option(
      '--mapping <name>',
      'column mapping: a preset (uci-online-retail, taobao-userbehavior, bigbasket-catalog, myntra-catalog) or a JSON mapping file',
    )
    .option('--no-wait', 'return once the file is uploaded')
    .option('--timeout <seconds>', 'how long to wait for ingestion', '900'),
).action(async (file: string, options) => {
  const status = await upload(client(options), file, options);
  if (options.json && status) console.log(JSON.stringify(status, null, 2));
});

withApi(program.command('upload-status <uploadId>').description('show an upload and its counts')).action(
  async (uploadId: string, options) => {
    const status = await client(options).request<Parameters<typeof printUpload>[0]>(
      'GET',
      `uploads/${uploadId}`,
    );
    if (options.json) console.log(JSON.stringify(status, null, 2));
    else printUpload(status);
  },
);

const profile = program.command('profile').description('profiling runs');
withApi(
  profile
    .command('run')
    .description('start a profiling run and follow it')
    .option('--no-wait', 'return once the run has started')
    .option('--timeout <seconds>', 'how long to wait', '3600'),
).action(async (options) => {
  const run = await profileRun(client(options), options);
  if (options.json) console.log(JSON.stringify(run, null, 2));
});
withApi(profile.command('status <runId>').description('show a profiling run')).action(
  async (runId: string, options) => {
    const run = await client(options).request<Parameters<typeof printRun>[0]>(
      'GET',
      `profiles/runs/${runId}`,
    );
    if (options.json) console.log(JSON.stringify(run, null, 2));
    else printRun(run);
  },
);

withApi(profile.command('get <userId>').description("show a user's profile")).action(
  async (userId: string, options) => {
    const found = await client(options).request<Record<string, unknown>>(
      'GET',
      `profiles/${encodeURIComponent(userId)}`,
    );
    console.log(JSON.stringify(found, null, 2));
  },
);

withApi(
  program.command('segments [segmentId]').description('list the segments and personas, or show one'),
).action(async (segmentId: string | undefined, options) => {
  const api = client(options);
  if (segmentId) {
    const segment = await api.request<Segment>('GET', `segments/${encodeURIComponent(segmentId)}`);
    return options.json ? console.log(JSON.stringify(segment, null, 2)) : printSegment(segment);
  }
  const { segments } = await api.request<{ segments: Segment[] }>('GET', 'segments');
  if (options.json) console.log(JSON.stringify(segments, null, 2));
  else printSegments(segments);
});

withApi(
  program
    .command('rules')
    .description('cross-sell rules: "customers who bought X also buy Y"')
    .option('--product <productId>', 'only rules for this product')
    .option('--limit <n>', 'how many', '20'),
).action(async (options) => {
  const query = new URLSearchParams({
    limit: options.limit,
    ...(options.product ? { productId: options.product } : {}),
  });
  const { rules } = await client(options).request<{ rules: StoredRule[] }>('GET', `rules?${query}`);
  if (options.json) console.log(JSON.stringify(rules, null, 2));
  else printRules(rules);
});

withApi(
  program
    .command('predict')
    .description('predict click, conversion and uplift of a piece of copy for a user or a segment')
    .option('--user <userId>', 'the user it is for')
    .option('--segment <segmentId>', 'or the segment')
    .requiredOption('--headline <text>', 'the copy (repeat the command for more variants)')
    .option('--body <text>', 'body text', '')
    .addOption(new Option('--channel <channel>').choices(channels).default('push'))
    .addOption(new Option('--goal <goal>').choices(goals).default('recommendation'))
    .addOption(new Option('--language <language>').choices(languages).default('en')),
).action(async (options) => {
  const result = await client(options).request<{
    audience: { segmentId: string; tier: string | null };
    predictions: Prediction[];
  }>('POST', 'predict', {
    userId: options.user,
    segmentId: options.segment,
    variants: [
      {
        headline: options.headline,
        body: options.body,
        channel: options.channel,
        goal: options.goal,
        language: options.language,
      },
    ],
  });
  if (options.json) return console.log(JSON.stringify(result, null, 2));
  const pct = (e: { p: number; low: number; high: number }) =>
    `${(e.p * 100).toFixed(2)}%  (${(e.low * 100).toFixed(2)}–${(e.high * 100).toFixed(2)}%)`;
  for (const p of result.predictions) {
    console.log(
      pairs([
        ['audience', `${result.audience.segmentId} (${result.audience.tier ?? 'unknown tier'})`],
        ['click', pct(p.ctr)],
        ['conversion after click', pct(p.cvr)],
        ['uplift of sending', `${(p.uplift.p * 100).toFixed(3)} points; send: ${p.send ? 'yes' : 'no'}`],
        ['expected value per send', p.expectedValue],
        ['models', `ctr ${p.source.ctr}, cvr ${p.source.cvr}, uplift ${p.source.uplift}`],
      ]),
    );
    for (const reason of p.reasons) console.log(`  · ${reason.text}`);
  }
});

program.parseAsync(process.argv).catch((error: Error) => {
  if (error instanceof ApiError) {
    console.error(`tailor: ${error.status ? `${error.status} ` : ''}${error.message}`);
  } else {
    console.error(`tailor: ${error.message}`);
  }
  process.exit(1);
});
