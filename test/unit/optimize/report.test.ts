import { validate } from 'fast-xml-parser';
import { ValidationError } from '../../../core/errors';
import type { CampaignState, Counter, Variant } from '../../../functions/optimize/records';
import { campaignReport } from '../../../functions/optimize/report/campaign';
import { writeCampaignReport } from '../../../functions/optimize/report/write';
import { campaignBodySchema } from '../../../functions/optimize/schema';
import { MemoryObjectStore } from '../../support/memory';

/** XML well-formedness: the parser's validator, plus no bare `&` (which it lets through). */
function expectWellFormed(svg: string) {
  expect(validate(svg)).toBe(true);
  expect(svg).not.toMatch(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i);
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
}

const spec = (objective: 'click' | 'conversion') =>
  campaignBodySchema.parse({
    name: 'Spring <sale> | members',
    goal: 'promotion',
    channel: 'email',
    language: 'en',
    category: 'Kitchen',
    audience: { kind: 'segments', segmentIds: ['s1'] },
    controlShare: 0.1,
    objective,
    budget: { maxSends: 20000 },
    startAt: '2024-05-01T00:00:00Z',
  });

const variant = (v: Partial<Variant> & Pick<Variant, 'variantId' | 'kind'>): Variant => ({
  campaignId: 'c-1',
  segmentId: 's1',
  status: 'active',
  headline: v.kind === 'control' ? '' : `Headline ${v.variantId}`,
  body: '',
  callToAction: '',
  tone: 'friendly',
  factsUsed: [],
  products: [],
  prior: { alpha: 1, beta: 19 },
  createdAt: '2024-05-01T00:00:00Z',
  ...v,
});

const counter = (variantId: string, c: Partial<Counter>): Counter => ({
  segmentId: 's1',
  variantId,
  sends: 0,
  impressions: 0,
  clicks: 0,
  conversions: 0,
  value: 0,
  unsubscribes: 0,
  ...c,
});

const estimate = (p: number) => ({ p, low: p / 2, high: p * 2 });
const prediction = (ctr: number, cvr: number) => ({
  ctr: estimate(ctr),
  cvr: estimate(cvr),
  uplift: estimate(0.01),
  expectedValue: 1,
  send: true,
  source: { ctr: 'prior', cvr: 'prior', uplift: 'prior' },
  reasons: [],
});

/**
 * One segment: the control, v1 (the leader), v2 (stopped), c1 (a challenger bred from v1,
 * no sends yet), two re-optimizations, and a recorded verdict.
 */
function state(objective: 'click' | 'conversion' = 'conversion', withVerdict = true): CampaignState {
  return {
    campaign: {
      campaignId: 'c-1',
      spec: spec(objective),
      status: 'active',
      createdAt: '2024-04-30T12:00:00Z',
      updatedAt: '2024-05-02T00:05:00Z',
      segments: [{ segmentId: 's1', label: { en: 'Loyal buyers', zh: '忠实<买家>' }, size: 1200 }],
      ...(withVerdict
        ? {
            verdicts: {
              runId: 'opt-1',
              at: '2024-05-02T00:00:00Z',
              segments: {
                s1: {
                  objective: 'conversion',
                  messages: {
                    method: 'Message variants against each other; Monte Carlo',
                    reference: 'v1',
                    winner: null,
                    exact: false,
                    arms: [
                      {
                        variantId: 'v1',
                        trials: 400,
                        successes: 12,
                        mean: 13 / 402,
                        probabilityBest: 0.85,
                        expectedLoss: 0.0004,
                        probabilityBeatsReference: null,
                        status: 'running',
                      },
                      {
                        variantId: 'v2',
                        trials: 200,
                        successes: 1,
                        mean: 2 / 202,
                        probabilityBest: 0.01,
                        expectedLoss: 0.02,
                        probabilityBeatsReference: 0.02,
                        status: 'loser',
                      },
                    ],
                  },
                  control: null,
                  stopped: [{ variantId: 'v2', reason: 'clear loser' }],
                },
              },
            },
          }
        : {}),
    } as CampaignState['campaign'],
    variants: [
      variant({ variantId: 'control', kind: 'control', prior: { alpha: 1, beta: 49 } }),
      variant({ variantId: 'v1', kind: 'generated', prediction: prediction(0.08, 0.25) }),
      variant({
        variantId: 'v2',
        kind: 'generated',
        status: 'stopped',
        stoppedAt: '2024-05-02T00:00:00Z',
        stopReason: 'clear loser: P(beats control) 2%',
      }),
      variant({ variantId: 'c1', kind: 'challenger', parents: ['v1'] }),
    ],
    counters: [
      counter('control', { sends: 100, conversions: 2, value: 50 }),
      counter('v1', { sends: 400, impressions: 380, clicks: 40, conversions: 12, value: 600 }),
      counter('v2', { sends: 200, clicks: 10, conversions: 1, value: 30 }),
      counter('c1', {}),
    ],
    snapshots: [
      // Stored out of order on purpose: the report sorts them by time.
      {
        at: '2024-05-02T00:00:00Z',
        segments: {
          s1: [
            {
              variantId: 'control',
              share: 0.1,
              mean: 0.02,
              low: 0.005,
              high: 0.05,
              sends: 100,
              successes: 2,
            },
            { variantId: 'v1', share: 0.7, mean: 0.03, low: 0.02, high: 0.05, sends: 400, successes: 12 },
            { variantId: 'c1', share: 0.2, mean: 0.05, low: 0.01, high: 0.2, sends: 0, successes: 0 },
          ],
        },
      },
      {
        at: '2024-05-01T00:00:00Z',
        segments: {
          s1: [
            { variantId: 'control', share: 0.1, mean: 0.02, low: 0.005, high: 0.06, sends: 50, successes: 1 },
            { variantId: 'v1', share: 0.5, mean: 0.03, low: 0.01, high: 0.06, sends: 200, successes: 5 },
            { variantId: 'v2', share: 0.4, mean: 0.01, low: 0.002, high: 0.04, sends: 150, successes: 1 },
          ],
        },
      },
    ],
  };
}

const tableRow = (markdown: string, id: string) =>
  markdown.split('\n').find((l) => l.startsWith(`| \`${id}\` |`));

describe('campaign report', () => {
  it('writes the campaign definition with its name escaped for Markdown', () => {
    const { markdown } = campaignReport(state());
    expect(markdown).toContain('# Campaign report: Spring &lt;sale&gt; \\| members');
    expect(markdown).toContain('| Goal | promotion |');
    expect(markdown).toContain('| Channel | email |');
    expect(markdown).toContain('| Audience | segments `s1` |');
    expect(markdown).toContain('| Objective | conversions per send |');
    expect(markdown).toContain('| Control share | 10.0% |');
    expect(markdown).toContain('| Budget | 20,000 sends |');
    expect(markdown).toContain('| Start | 2024-05-01 00:00 UTC |');
    expect(markdown).toContain('| Status | active |');
  });

  it('sums the message arms and the control, with the lift in conversions per send', () => {
    const { markdown } = campaignReport(state());
    // Messages: 600 sends (trials 400 + 200 + 0), 13 conversions; control: 100 sends, 2.
    expect(markdown).toContain('| sends | 600 | 100 |');
    expect(markdown).toContain('| conversions per send | 2.17% | 2.00% |');
    expect(markdown).toContain('| value per send | 1.05 | 0.50 |');
    expect(markdown).toContain('+0.17 percentage points (+8.3% relative)');
    expect(markdown).toContain(
      '2 re-optimizations recorded, from 2024-05-01 00:00 UTC to 2024-05-02 00:00 UTC.',
    );
  });

  it('tabulates each arm with counts, rates, prediction, posterior and latest share', () => {
    const { markdown } = campaignReport(state());
    // v1: trials max(400, 380) = 400; posterior Beta(1 + 12, 19 + 388): mean 13 / 420.
    expect(tableRow(markdown, 'v1')).toMatch(
      /^\| `v1` \| Headline v1 \| generated \| active \| 70\.0% \| 400 \| 380 \| 40 \| 12 \| 600\.00 \| 10\.00% \| 30\.00% \| 3\.00% \| 8\.00% \| 25\.00% \| 3\.10% \[\d\.\d\d%, \d\.\d\d%\] \|$/,
    );
    // The control: no message, no CTR or CVR; posterior Beta(1 + 2, 49 + 98): mean 3 / 150.
    expect(tableRow(markdown, 'control')).toMatch(
      /^\| `control` \| \(no message\) \| control \| active \| 10\.0% \| 100 \| 0 \| — \| 2 \| 50\.00 \| — \| — \| 2\.00% \| — \| — \| 2\.00% \[/,
    );
    expect(tableRow(markdown, 'v2')).toMatch(
      /\| stopped \| — \| 200 \| 0 \| 10 \| 1 \| 30\.00 \| 5\.00% \| 10\.00% \| 0\.50% \|/,
    );
    // c1 has no sends: its rates are dashes, its posterior is the prior's mean 1 / 20.
    expect(tableRow(markdown, 'c1')).toMatch(
      /\| challenger \| active \| 20\.0% \| 0 \| 0 \| 0 \| 0 \| 0\.00 \| — \| — \| — \|.*\| 5\.00% \[/,
    );
    expect(markdown).toContain('Conversions per send now: messages 2.17%, control 2.00%.');
  });

  it('gives the exact 95% Beta intervals of the posteriors (checked against scipy.stats.beta.ppf)', () => {
    const { markdown } = campaignReport(state());
    // v1: Beta(13, 407); the control: Beta(3, 147); c1, no counts: its prior Beta(1, 19).
    expect(tableRow(markdown, 'v1')).toMatch(/\| 3\.10% \[1\.66%, 4\.95%\] \|$/);
    expect(tableRow(markdown, 'control')).toMatch(/\| 2\.00% \[0\.42%, 4\.76%\] \|$/);
    expect(tableRow(markdown, 'c1')).toMatch(/\| 5\.00% \[0\.13%, 17\.65%\] \|$/);
  });

  it('names the challengers with their parents and the stopped arms with their reasons', () => {
    const { markdown } = campaignReport(state());
    expect(markdown).toContain('- `c1` bred from `v1`');
    expect(markdown).toContain('- `v2` stopped 2024-05-02 00:00 UTC: clear loser: P(beats control) 2%');
  });

  it('shows the recorded verdict, and says so when there is none', () => {
    const withVerdict = campaignReport(state()).markdown;
    expect(withVerdict).toContain('Recorded 2024-05-02 00:00 UTC by re-optimization `opt-1`.');
    expect(withVerdict).toContain('**Message variants against each other (conversions per send)**');
    expect(withVerdict).toContain('No winner yet. Reference arm: `v1`.');
    expect(withVerdict).toContain('| `v1` | 12 / 400 | 3.23% | 85.0% | — | 0.040% | running |');
    expect(withVerdict).toContain('| `v2` | 1 / 200 | 0.99% | 1.0% | 2.0% | 2.000% | loser |');
    expect(withVerdict).toContain('Method: Message variants against each other; Monte Carlo');
    expect(withVerdict).not.toContain('against the no-send control**');
    const without = campaignReport(state('conversion', false)).markdown;
    expect(without).toContain('No A/B verdict recorded for this segment yet');
  });

  it('shows the comparison with the control when one was recorded', () => {
    const s = state('conversion', false);
    const verdicts = {
      at: '2024-05-02T00:00:00Z',
      segments: {
        s1: {
          objective: 'conversion',
          messages: null,
          control: {
            method: 'Conversions per send against the control',
            reference: 'control',
            winner: 'v1',
            arms: [{ variantId: 'v1', probabilityBest: 0.97, probabilityBeatsReference: 0.96 }],
          },
        },
      },
    };
    const { markdown } = campaignReport({
      ...s,
      campaign: { ...s.campaign, verdicts } as unknown as typeof s.campaign,
    });
    expect(markdown).toContain('**Message variants against the no-send control**');
    expect(markdown).toContain('Winner: `v1`. Reference arm: `control`.');
    expect(markdown).toContain('| `v1` | — | — | 97.0% | 96.0% | — | — |');
  });

  it('reads a bare kernel verdict per segment, and ignores a verdict it cannot read', () => {
    const s = state('conversion', false);
    const verdicts = { s1: { winner: null, variants: [{ id: 'v1', probabilityBeatsControl: 0.9 }, 'junk'] } };
    const { markdown } = campaignReport({
      ...s,
      campaign: { ...s.campaign, verdicts } as unknown as typeof s.campaign,
    });
    expect(markdown).toContain('| `v1` | — | — | — | 90.0% | — | — |');
    const junk = campaignReport({
      ...s,
      campaign: { ...s.campaign, verdicts: 'junk' } as unknown as typeof s.campaign,
    });
    expect(junk.markdown).toContain('No A/B verdict recorded');
  });

  it('links three charts per segment, each of which exists and is well-formed SVG', () => {
    const { markdown, charts } = campaignReport(state());
    const links = [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(links).toEqual(['s1-allocation.svg', 's1-posteriors.svg', 's1-cumulative.svg']);
    expect(Object.keys(charts).sort()).toEqual([...links].sort());
    for (const svg of Object.values(charts)) expectWellFormed(svg);
  });

  it('draws the allocation of every arm that appears in a snapshot', () => {
    const svg = campaignReport(state()).charts['s1-allocation.svg']!;
    for (const label of ['control (no message)', 'v1: Headline v1', 'v2: Headline v2', 'c1: Headline c1']) {
      expect(svg).toContain(`>${label}</text>`);
    }
    // v1 and the control appear at both re-optimizations (a line each); v2 and c1 at one (a dot only).
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('>05-01 00:00</text>');
    expect(svg).toContain('>100%</text>');
  });

  it('draws the pooled message rate at each re-optimization in proportion to the hand-computed rates', () => {
    const svg = campaignReport(state()).charts['s1-cumulative.svg']!;
    expect(svg).toContain('Cumulative conversions per send');
    // Pooled: (5 + 1) / (200 + 150) at the first snapshot, 12 / 400 at the second; y = 0 is the axis.
    const pooled = svg.match(/<polyline fill="none" stroke="#555555"[^>]* points="([^"]+)"/)![1]!;
    const axis = Number(
      svg.match(/<line x1="\d+" y1="([\d.]+)" x2="[\d.]+" y2="[\d.]+" stroke="#888"\/>\n<line/)![1],
    );
    const ys = pooled.split(' ').map((p) => axis - Number(p.split(',')[1]));
    expect(ys).toHaveLength(2);
    expect(ys[0]! / ys[1]!).toBeCloseTo(6 / 350 / (12 / 400), 2);
  });

  it('draws a posterior interval per arm with the control mean as reference, the stopped arm in grey', () => {
    const svg = campaignReport(state()).charts['s1-posteriors.svg']!;
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg).toContain('>control mean</text>');
    expect(svg).toContain('stroke-dasharray="5 4"');
    expect(svg).toContain('fill="#9a9a9a"');
    expect(svg).toContain('>3.10% [');
  });

  it('says that the over-time chart shows clicks when the objective is clicks', () => {
    const { markdown, charts } = campaignReport(state('click'));
    expect(markdown).toContain('| Objective | clicks per send |');
    expect(markdown).toContain('conversions over time are not available');
    expect(charts['s1-cumulative.svg']).toContain('Cumulative clicks per send');
  });

  it('shows the control of a click campaign by what it measures, conversions without a message, and no click rate', () => {
    const { markdown, charts } = campaignReport(state('click'));
    // Counts and conversions per send stay; no CTR, CVR or posterior of clicks.
    expect(tableRow(markdown, 'control')).toMatch(
      /^\| `control` \| \(no message\) \| control \| active \| 10\.0% \| 100 \| 0 \| — \| 2 \| 50\.00 \| — \| — \| 2\.00% \| — \| — \| — \|$/,
    );
    expect(charts['s1-posteriors.svg']).not.toContain('control (no message)');
    expect(charts['s1-posteriors.svg']).not.toContain('control mean');
    expect(charts['s1-posteriors.svg']).toContain('v1: Headline v1');
    expect(charts['s1-cumulative.svg']).not.toContain('control (no message)');
    expect(markdown).toContain('The control receives no message, so it has no clicks per send');
  });

  it('keeps the control in the posterior chart of a conversion campaign, as the reference', () => {
    const { charts } = campaignReport(state('conversion'));
    expect(charts['s1-posteriors.svg']).toContain('control (no message)');
    expect(charts['s1-posteriors.svg']).toContain('control mean');
  });

  it('gives no NaN, Infinity or undefined when every count is zero and nothing was re-optimized', () => {
    const s = state('conversion', false);
    const zero: CampaignState = {
      ...s,
      counters: s.counters.map((c) => counter(c.variantId, {})),
      snapshots: [],
    };
    const { markdown, charts } = campaignReport(zero);
    for (const text of [markdown, ...Object.values(charts)]) {
      expect(text).not.toMatch(/NaN|Infinity|undefined/);
    }
    expect(markdown).toContain('No lift can be stated yet');
    expect(markdown).toContain('No re-optimization recorded yet');
    expect(charts['s1-allocation.svg']).toContain('>no re-optimization yet</text>');
    for (const svg of Object.values(charts)) expectWellFormed(svg);
  });

  it('writes the report in Chinese with its labels and copy escaped in the SVG', () => {
    const s = state();
    const zh: CampaignState = {
      ...s,
      variants: s.variants.map((v) =>
        v.variantId === 'v1' ? { ...v, headline: '限时<特惠>&折扣 "会员"' } : v,
      ),
    };
    const { markdown, charts } = campaignReport(zh, { language: 'zh' });
    expect(markdown).toContain('# 营销活动报告：Spring &lt;sale&gt; \\| members');
    expect(markdown).toContain('## 分群 s1: 忠实&lt;买家&gt; (1,200 名用户)');
    expect(markdown).toContain('| `v1` | 限时&lt;特惠&gt;&折扣 "会员" | 生成 | 进行中 |');
    expect(markdown).toContain('`c1` 由 `v1` 衍生');
    const allocation = charts['s1-allocation.svg']!;
    expect(allocation).toContain('流量分配变化：s1: 忠实&lt;买家&gt;');
    expect(allocation).toContain('v1: 限时&lt;特惠&gt;&amp;折扣 &quot;会员&quot;');
    expect(allocation).toContain("'Noto Sans CJK SC'");
    for (const svg of Object.values(charts)) expectWellFormed(svg);
  });

  it('gives each segment its own chart files even when their ids sanitize alike', () => {
    const s = state('conversion', false);
    const other = (id: string) => s.variants.map((v) => ({ ...v, segmentId: id }));
    const two: CampaignState = {
      ...s,
      campaign: { ...s.campaign, segments: [] },
      variants: [...other('a/b'), ...other('a?b')],
      counters: [],
    };
    const { charts } = campaignReport(two);
    expect(Object.keys(charts).sort()).toEqual([
      'a_b-2-allocation.svg',
      'a_b-2-cumulative.svg',
      'a_b-2-posteriors.svg',
      'a_b-allocation.svg',
      'a_b-cumulative.svg',
      'a_b-posteriors.svg',
    ]);
  });
});

describe('writing the campaign report', () => {
  it('writes report.md and its charts under reports/campaigns/<id>/', async () => {
    const objects = new MemoryObjectStore();
    const written = await writeCampaignReport(state(), objects);
    expect(written.key).toBe('reports/campaigns/c-1/report.md');
    expect(written.charts.sort()).toEqual([
      'reports/campaigns/c-1/s1-allocation.svg',
      'reports/campaigns/c-1/s1-cumulative.svg',
      'reports/campaigns/c-1/s1-posteriors.svg',
    ]);
    expect(objects.text(written.key)).toContain('## Segment s1: Loyal buyers (1,200 users)');
    for (const key of written.charts) expectWellFormed(objects.text(key)!);
  });

  it('refuses a campaign id that is not one path segment', async () => {
    const s = state();
    await expect(
      writeCampaignReport({ ...s, campaign: { ...s.campaign, campaignId: '../x' } }, new MemoryObjectStore()),
    ).rejects.toThrow(ValidationError);
  });
});
