import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetBucketCorsCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type LocalSystem, startLocal } from '../../local/runtime';

/**
 * The web console in a real browser (Debian's chromium, driven by playwright-core) against a
 * local system started here on free ports: upload a catalog and events, follow profiling, open a
 * segment, generate variants in the playground, start a campaign from kept ones and find it on
 * the campaigns page; every page is captured in English and Chinese under test-results/console/.
 */
const root = join(__dirname, '..', '..');
const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const shots = join(root, 'test-results', 'console');
const fixtures = join(__dirname, 'fixtures');

let system: LocalSystem;
let browser: Browser;
let page: Page;
const problems: string[] = [];

jest.setTimeout(240_000);

beforeAll(async () => {
  if (!existsSync(join(root, 'console', 'dist', 'index.html'))) {
    execFileSync('npx', ['vite', 'build', 'console', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  }
  if (!existsSync(chromiumPath)) {
    throw new Error(`no chromium at ${chromiumPath}: install Debian's package (apt-get install chromium)`);
  }
  mkdirSync(shots, { recursive: true });
  system = await startLocal({
    inMemory: true,
    schedules: false,
    ports: { api: 0, dynamodb: 0, s3: 0, stepfunctions: 0, model: 0 },
  });
  await allowBrowserUploads(system);
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await system?.close();
});

/**
 * The deployed data bucket lets browsers PUT presigned uploads from any origin (its CORS rule in
 * the stateful stack). Until the local runtime gives s3rver the same rule, set it here through
 * the S3 API when the bucket has none, so the console's upload runs as it does on AWS.
 */
async function allowBrowserUploads(local: LocalSystem): Promise<void> {
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: local.endpoints.s3,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    await s3.send(new GetBucketCorsCommand({ Bucket: local.bucket }));
  } catch {
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: local.bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedMethods: ['PUT'],
              AllowedOrigins: ['*'],
              AllowedHeaders: ['*'],
              ExposeHeaders: ['ETag'],
            },
          ],
        },
      }),
    );
  }
  s3.destroy();
}

/** Decisions for every profiled user, an impression for each send, and clicks for some. */
async function sendTraffic(campaignId: string): Promise<void> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${system.apiUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const users = ['ana', 'ben', 'chen', 'dora', 'eli', 'fay', 'gus', 'hua', 'ivy', 'jon', 'kai', 'lea'];
  const events: unknown[] = [];
  for (let round = 0; round < 3; round++) {
    for (const [i, userId] of users.entries()) {
      const decision = await call('GET', `/campaigns/${campaignId}/decision?userId=${userId}`);
      if (!decision['send'] || typeof decision['impressionId'] !== 'string') continue;
      const impressionId = decision['impressionId'];
      events.push({ eventId: `imp-${impressionId}`, type: 'impression', impressionId });
      if ((i + round) % 3 === 0)
        events.push({ eventId: `click-${impressionId}`, type: 'click', impressionId });
    }
  }
  if (events.length > 0) await call('POST', '/feedback', { events });
}

async function open(hash: string, heading: RegExp | string): Promise<void> {
  await page.goto(`${system.apiUrl}/${hash}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

async function shot(name: string): Promise<void> {
  const lang = await page.evaluate<string>('document.documentElement.lang');
  await page.screenshot({ path: join(shots, `${lang.slice(0, 2)}-${name}.png`), fullPage: true });
}

async function uploadFile(file: string, kind: 'events' | 'products'): Promise<string> {
  const form = page.getByTestId('upload-form');
  await form.getByLabel('Kind').selectOption(kind);
  await form.getByLabel('File to upload').setInputFiles(join(fixtures, file));
  await form.getByRole('button', { name: 'Upload', exact: true }).click();
  const state = page.getByTestId('upload-state');
  await state.getByText(/Done:|Failed:|Something went wrong/).waitFor({ timeout: 60_000 });
  return (await state.textContent()) ?? '';
}

describe('the web console', () => {
  it('renders the overview first, with its figures, and measures the time to first render', async () => {
    // Evaluated in the page (a string: this project's types have no DOM).
    const timing = async () => {
      await page.getByTestId('overview-stats').waitFor();
      return page.evaluate<{ rendered: number; fcp?: number }>(
        "({ rendered: performance.now(), fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime })",
      );
    };
    await page.goto(`${system.apiUrl}/`);
    const cold = await timing();
    await page.reload();
    const warm = await timing();
    const ms = (x: number | undefined) => `${Math.round(x ?? Number.NaN)} ms`;
    console.log(
      `overview, first visit: first contentful paint ${ms(cold.fcp)}, figures rendered ${ms(cold.rendered)}; ` +
        `reload: ${ms(warm.fcp)}, ${ms(warm.rendered)} (from navigation start)`,
    );
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview');
    expect(await page.getByText('Nothing is failing.').count()).toBe(1);
  });

  it('uploads a catalog and an events file, showing counts and the profiling run they start', async () => {
    await open('#/data', 'Data');
    expect(await uploadFile('products.csv', 'products')).toMatch(/Done: 5 accepted, 0 rejected/);
    expect(await uploadFile('events.csv', 'events')).toMatch(/Done: 67 accepted, 1 rejected/);
    const uploads = page.getByTestId('uploads');
    await uploads.getByRole('cell', { name: 'events.csv', exact: true }).waitFor();
    // The events upload started a profiling run; the runs table follows it to the end.
    await page.getByTestId('runs').getByText('succeeded').first().waitFor({ timeout: 120_000 });
    expect(await uploads.locator('tbody tr').count()).toBe(2);
    await shot('data');
  });

  it('shows persona cards and charts, and a segment page with its rules', async () => {
    await open('#/segments', 'Segments');
    const cards = page.getByTestId('persona-cards').locator('li.persona');
    await cards.first().waitFor();
    expect(await cards.count()).toBeGreaterThan(1);
    await page.locator('figure.chart svg').first().waitFor();
    await shot('segments');
    await cards.first().getByRole('link').click();
    await page.getByRole('heading', { name: 'Bought together' }).waitFor();
    await page
      .getByTestId('rules')
      .getByText(/Bought Linen Shirt, also buy Canvas Tote/)
      .first()
      .waitFor();
    await shot('segment');
  });

  it('generates variants for the segment, with guardrails and predictions, and starts a campaign', async () => {
    await page.getByRole('link', { name: 'Generate copy for this segment' }).click();
    await page.getByRole('heading', { level: 1, name: 'Generate' }).waitFor();
    const form = page.getByTestId('generate-form');
    await form.getByLabel('Product ids (comma separated)').fill('p1, p2');
    await form.getByLabel('Variants').fill('3');
    await form.getByRole('button', { name: 'Generate' }).click();
    const variants = page.getByTestId('variants').locator('li.variant');
    await variants.first().waitFor({ timeout: 60_000 });
    expect(await variants.count()).toBeGreaterThan(0);
    await variants.first().getByText('Click rate').waitFor();
    expect(
      await variants
        .first()
        .getByText(/95% interval/)
        .count(),
    ).toBeGreaterThan(0);
    expect(
      await variants
        .first()
        .getByText(/Guardrails: \d+\/\d+ passed/)
        .count(),
    ).toBe(1);
    await variants.first().getByRole('button', { name: 'Keep' }).click();
    await page.getByText('1 kept').waitFor();
    await shot('generate');

    await page.getByLabel('Campaign name').fill('Spring linen');
    await page.getByRole('button', { name: 'Start a campaign' }).click();
    await page.getByRole('heading', { level: 1, name: /Spring linen/ }).waitFor({ timeout: 60_000 });
    // The campaign run generates and scores variants per segment; the page follows it.
    const variantsOrError = page.getByTestId('campaign-variants').or(page.locator('main .error'));
    await variantsOrError.first().waitFor({ timeout: 120_000 });
    await shot('campaign');
    expect(await page.locator('main .error').count()).toBe(0);
  });

  it('shows the campaign learning from feedback after a re-optimization: allocation, posteriors, verdicts', async () => {
    const campaignId = decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
    await sendTraffic(campaignId);
    await page.getByRole('button', { name: 'Re-optimize now' }).click();
    await page.getByText(/Re-optimization .* finished\./).waitFor({ timeout: 120_000 });
    await page.getByText(/Recorded by re-optimization/).waitFor();
    expect(
      await page
        .getByTestId('verdict')
        .getByText(/Method:/)
        .count(),
    ).toBeGreaterThan(0);
    await page.getByRole('img', { name: 'Chart: Allocation over time' }).locator('svg').waitFor();
    await shot('campaign');
  });

  it('lists the campaign on the campaigns page', async () => {
    await open('#/campaigns', 'Campaigns');
    await page.getByTestId('campaigns').getByRole('link', { name: 'Spring linen' }).waitFor();
    await shot('campaigns');
  });

  it('shows the model registry', async () => {
    await open('#/models', 'Models');
    await page.getByTestId('serving-ctr').waitFor();
    await shot('models');
  });

  it('switches to Chinese: labels translated, numbers and dates formatted for zh-CN', async () => {
    await open('#/', 'Overview');
    await page.getByTestId('language').selectOption('zh');
    await page.getByRole('heading', { level: 1, name: '总览' }).waitFor();
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe('zh-CN');
    await page.getByRole('navigation').getByRole('link', { name: '数据' }).waitFor();
    await shot('overview');
    const pages: Array<[string, string, string]> = [
      ['#/data', '数据', 'data'],
      ['#/segments', '人群', 'segments'],
      ['#/generate', '文案生成', 'generate'],
      ['#/campaigns', '营销活动', 'campaigns'],
      ['#/models', '模型', 'models'],
    ];
    for (const [hash, title, name] of pages) {
      await open(hash, title);
      await page.waitForLoadState('networkidle');
      await shot(name);
    }
    await open('#/campaigns', '营销活动');
    await page.getByTestId('campaigns').getByRole('link').first().click();
    await page.getByText('A/B 结论').waitFor();
    await page.getByRole('img', { name: '图表：流量分配变化' }).locator('svg').waitFor();
    await shot('campaign');
    // A date in the uploads table, as zh-CN writes it (year 年).
    await open('#/data', '数据');
    await page
      .getByTestId('uploads')
      .getByText(/\d{4}年/)
      .first()
      .waitFor();
    await page.getByRole('link', { name: '人群' }).click();
    await page.getByTestId('persona-cards').getByRole('link').first().click();
    await page.getByRole('heading', { name: '常一起购买' }).waitFor();
    await shot('segment');
  });

  it('takes the remaining English screenshots, reachable by keyboard from the skip link', async () => {
    await open('#/', '总览');
    await page.getByTestId('language').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await shot('overview');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe(
      'Skip to content',
    );
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('main');
  });

  it('logged no error in the browser console', () => {
    expect(problems).toEqual([]);
  });

  it('saved a screenshot of every page in both languages', () => {
    const names = ['overview', 'data', 'segments', 'segment', 'generate', 'campaign', 'campaigns', 'models'];
    for (const lang of ['en', 'zh']) {
      for (const name of names)
        expect(readFileSync(join(shots, `${lang}-${name}.png`)).length).toBeGreaterThan(1000);
    }
  });
});
