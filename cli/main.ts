import { Command, Option } from 'commander';
import { channels, goals, languages } from '../model/contract';
import { type ApiClient, ApiError, apiClient } from './client';
import {
  createCampaign,
  optimize,
  postFeedbackFile,
  printCampaign,
  printCampaigns,
  printGenerated,
} from './commands/campaign';
import { demoCommand } from './commands/demo';
import { modelCommand } from './commands/model';
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
  return apiClient({
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
  .option('--dynamodb-port <port>', 'DynamoDB port', String(defaultPorts.dynamodb))
  .option(
    '--dynamodb <engine>',
    'dynalite (Node, the default) or dynamodb-local (AWS DynamoDB Local, needs Java 17+); default: $TAILOR_DYNAMODB',
  )
  .option('--s3-port <port>', 'S3 (s3rver) port', String(defaultPorts.s3))
  .option('--sfn-port <port>', 'Step Functions port', String(defaultPorts.stepfunctions))
  .option('--model-port <port>', 'model endpoint port', String(defaultPorts.model))
  .option('--data-dir <dir>', 'where data is kept between runs', '.tailor')
  .option('--in-memory', 'keep nothing after exit')
  .option('--no-schedules', 'do not fire the schedule rules')
  .option(
    '--model <name|file>',
    'run a GGUF model in the model endpoint (a catalog name, a file in <data-dir>/models, or a path)',
  )
  .action(start);

withApi(program.command('health').description('check the API and the stores behind it')).action(
  async (options) => {
    const health = await client(options).health();
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
    const status = await client(options).upload(uploadId);
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
    const run = await client(options).run(runId);
    if (options.json) console.log(JSON.stringify(run, null, 2));
    else printRun(run);
  },
);

withApi(profile.command('get <userId>').description("show a user's profile")).action(
  async (userId: string, options) => {
    const found = await client(options).profile(userId);
    console.log(JSON.stringify(found, null, 2));
  },
);

withApi(
  program.command('segments [segmentId]').description('list the segments and personas, or show one'),
).action(async (segmentId: string | undefined, options) => {
  const api = client(options);
  if (segmentId) {
    const segment = await api.segment(segmentId);
    return options.json ? console.log(JSON.stringify(segment, null, 2)) : printSegment(segment);
  }
  const { segments } = await api.segments();
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
  const { rules } = await client(options).rules({ limit: Number(options.limit), productId: options.product });
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
  const result = await client(options).predict({
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

const list = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

withApi(
  program
    .command('generate')
    .description('write copy variants for products, aimed at a user or a segment')
    .option('--products <ids>', 'catalog product ids, comma-separated', list)
    .option('--user <userId>', 'aim at this user (products from their profile when none are given)')
    .option('--segment <segmentId>', 'or at this segment')
    .addOption(new Option('--goal <goal>').choices(goals).default('recommendation'))
    .addOption(new Option('--channel <channel>').choices(channels).default('push'))
    .addOption(new Option('--language <language>').choices(languages).default('en'))
    .option('--tone <tone>', 'tone or brand voice', 'friendly')
    .option('--variants <n>', 'how many variants', '3')
    .option('--seed <n>', 'fix the sampling for reproducible copy'),
).action(async (options) => {
  const result = await client(options).generate({
    productIds: options.products,
    userId: options.user,
    segmentId: options.segment,
    goal: options.goal,
    channel: options.channel,
    language: options.language,
    tone: options.tone,
    variants: Number(options.variants),
    seed: options.seed === undefined ? undefined : Number(options.seed),
  });
  if (options.json) console.log(JSON.stringify(result, null, 2));
  else printGenerated(result);
});

const campaign = program
  .command('campaign')
  .description('campaigns: variants per segment, allocation, results');
withApi(
  campaign
    .command('create <name>')
    .description('create a campaign: generate, predict and select variants for each target segment')
    .option('--products <ids>', 'catalog product ids, comma-separated', list)
    .option('--category <category>', 'or a category to promote')
    .option('--segments <ids>', 'target these segments (default: everyone)', list)
    .option('--users <ids>', 'or these users', list)
    .option('--user-list <key>', 'or the users listed in this object of the data bucket (a batch campaign)')
    .addOption(new Option('--goal <goal>').choices(goals).default('promotion'))
    .addOption(new Option('--channel <channel>').choices(channels).default('email'))
    .addOption(new Option('--language <language>').choices(languages).default('en'))
    .option('--tone <tone>', 'tone or brand voice', 'friendly')
    .option('--variants <n>', 'variants kept per segment', '3')
    .option('--control <share>', 'share of traffic held out as a no-send control', '0.1')
    .addOption(new Option('--objective <objective>').choices(['click', 'conversion']).default('click'))
    .addOption(new Option('--split <split>', 'traffic split').choices(['bandit', 'even']).default('bandit'))
    .option('--cap <count/hours>', 'frequency cap: messages per user per period', '3/168')
    .option('--start <iso>', 'start time')
    .option('--end <iso>', 'end time')
    .option('--no-wait', 'return once the campaign run has started')
    .option('--timeout <seconds>', 'how long to wait for the variants', '600'),
).action(async (name: string, options) => {
  const [count, hours] = String(options.cap).split('/').map(Number);
  const audience = options.segments
    ? { kind: 'segments', segmentIds: options.segments }
    : options.users
      ? { kind: 'users', userIds: options.users }
      : options.userList
        ? { kind: 'userList', key: options.userList }
        : { kind: 'everyone' };
  const result = await createCampaign(
    client(options),
    {
      name,
      productIds: options.products,
      category: options.category,
      audience,
      goal: options.goal,
      channel: options.channel,
      language: options.language,
      tone: options.tone,
      variantsPerSegment: Number(options.variants),
      controlShare: Number(options.control),
      objective: options.objective,
      trafficSplit: options.split,
      frequencyCap: { count: count ?? 3, periodHours: hours ?? 168 },
      startAt: options.start,
      endAt: options.end,
    } as never,
    { ...options, quiet: options.json },
  );
  if (options.json) console.log(JSON.stringify(result, null, 2));
  else if ('variants' in result) printCampaign(result);
});
withApi(
  campaign.command('list').description('recent campaigns').option('--limit <n>', 'how many', '20'),
).action(async (options) => {
  const { campaigns } = await client(options).campaigns(Number(options.limit));
  if (options.json) console.log(JSON.stringify(campaigns, null, 2));
  else printCampaigns(campaigns);
});
withApi(
  campaign.command('get <campaignId>').description('a campaign: variants, predictions, counts, posteriors'),
).action(async (campaignId: string, options) => {
  const state = await client(options).campaign(campaignId);
  if (options.json) console.log(JSON.stringify(state, null, 2));
  else printCampaign(state);
});
withApi(
  campaign
    .command('decide <campaignId> <userId>')
    .description('which variant to send this user now (records an impression)'),
).action(async (campaignId: string, userId: string, options) => {
  const decision = await client(options).decision(campaignId, { userId });
  if (options.json) return console.log(JSON.stringify(decision, null, 2));
  const d = decision as Record<string, unknown>;
  console.log(
    pairs(
      ['send', 'reason', 'segmentId', 'variantId', 'impressionId', 'headline', 'callToAction']
        .filter((k) => d[k] !== undefined)
        .map((k) => [k, String(d[k])]),
    ),
  );
});
withApi(
  campaign.command('report <campaignId>').description("the campaign's latest report (Markdown)"),
).action(async (campaignId: string, options) => {
  const report = await client(options).report(campaignId);
  if (options.json) console.log(JSON.stringify(report, null, 2));
  else console.log(`${report.markdown}\n\n(report and charts in the data bucket under ${report.key})`);
});

withApi(
  program
    .command('feedback <file>')
    .description(
      'send feedback events (JSON Lines or a JSON array): impression, click, conversion, unsubscribe',
    ),
).action(async (file: string, options) => {
  const totals = await postFeedbackFile(client(options), file);
  if (options.json) console.log(JSON.stringify(totals, null, 2));
  else console.log(pairs(Object.entries(totals)));
});

const optimizeCommand = program.command('optimize').description('re-optimization runs');
withApi(
  optimizeCommand
    .command('run', { isDefault: true })
    .description('update posteriors and verdicts, breed challengers, retrain, export preference pairs')
    .option('--campaigns <ids>', 'only these campaigns (default: every active one)', list)
    .option('--no-breed', 'do not breed challengers')
    .option('--no-wait', 'return once the run has started')
    .option('--timeout <seconds>', 'how long to wait', '1800'),
).action(async (options) => {
  const run = await optimize(
    client(options),
    { campaignIds: options.campaigns, breed: options.breed },
    { ...options, quiet: options.json },
  );
  console.log(JSON.stringify(run, null, 2));
});
withApi(optimizeCommand.command('status <runId>').description('show a re-optimization run')).action(
  async (runId: string, options) => {
    const run = await client(options).optimization(runId);
    console.log(JSON.stringify(run, null, 2));
  },
);

demoCommand(program);
modelCommand(program);

program.parseAsync(process.argv).catch((error: Error) => {
  if (error instanceof ApiError) {
    console.error(`tailor: ${error.status ? `${error.status} ` : ''}${error.message}`);
  } else {
    console.error(`tailor: ${error.message}`);
  }
  process.exit(1);
});
