/**
 * The campaign report: Markdown with SVG charts beside it, from one read of the campaign's
 * state. Per segment it shows each arm's counts, rates, prediction and posterior, the A/B
 * verdict the re-optimization step recorded, and three charts: the allocation at each
 * re-optimization, the posterior intervals now, and the cumulative success rate per send of
 * the message arms against the control. Every figure comes from the stored state (no clock,
 * no randomness), so the same state gives the same report.
 */

import { ValidationError } from '../../core/errors';
import { intervalChart, lineChart, type Series } from '../shared/charts';
import type { ObjectStore } from '../shared/ports';
import { armCounts, armPosterior, type Interval, posteriorInterval } from './posterior';
import {
  type AllocationSnapshot,
  type CampaignState,
  CONTROL,
  type Counter,
  emptyCounter,
  type Variant,
} from './store';

export type ReportLanguage = 'en' | 'zh';

export interface CampaignReportOptions {
  /** Language of the report's own text (the copy stays as written). Default `en`. */
  readonly language?: ReportLanguage;
}

/** One comparison of a segment's verdict as the report reads it; every figure optional. */
interface ComparisonView {
  readonly method?: string;
  readonly reference?: string;
  readonly winner: string | null;
  readonly arms: ReadonlyArray<{
    variantId: string;
    trials?: number;
    successes?: number;
    mean?: number;
    probabilityBest?: number;
    probabilityBeatsReference?: number | null;
    expectedLoss?: number;
    status?: string;
  }>;
}

/** A segment's verdict at the latest re-optimization. */
interface VerdictView {
  readonly at?: string;
  readonly runId?: string;
  readonly objective?: string;
  /** The message variants against each other on the objective. */
  readonly messages?: ComparisonView;
  /** The message variants against the no-send control. */
  readonly control?: ComparisonView;
}

const strings = {
  en: {
    title: (name: string) => `Campaign report: ${name}`,
    definition: 'Definition',
    field: 'field',
    value: 'value',
    name: 'Name',
    goal: 'Goal',
    channel: 'Channel',
    copyLanguage: 'Copy language',
    tone: 'Tone',
    audience: 'Audience',
    everyone: 'everyone',
    segmentsAudience: (ids: string) => `segments ${ids}`,
    usersAudience: (n: number) => `${n} listed users`,
    userList: (key: string) => `user list ${key}`,
    products: 'Products',
    category: (c: string) => `category ${c}`,
    objective: 'Objective',
    objectives: { click: 'clicks per send', conversion: 'conversions per send' },
    trafficSplit: 'Traffic split',
    splits: { bandit: 'Thompson sampling (bandit)', even: 'even split (A/B test)' },
    controlShare: 'Control share',
    variantsPerSegment: 'Variants per segment',
    frequencyCap: 'Frequency cap',
    cap: (count: number, hours: number) => `${count} per ${hours} h`,
    budget: 'Budget',
    maxSends: (n: string) => `${n} sends`,
    none: 'none',
    start: 'Start',
    end: 'End',
    created: 'Created',
    updated: 'Updated',
    status: 'Status',
    statusColumn: 'status',
    run: 'Campaign run',
    error: 'Error',
    report: 'Report',
    summary: 'Summary',
    messages: 'messages',
    control: 'control',
    sends: 'sends',
    impressions: 'impressions',
    clicks: 'clicks',
    conversions: 'conversions',
    conversionsPerSend: 'conversions per send',
    orderValue: 'order value',
    valuePerSend: 'value per send',
    lift: (pp: string, rel: string) =>
      `Conversions per send, messages against the control: ${pp} percentage points (${rel} relative).`,
    liftNoRelative: (pp: string) =>
      `Conversions per send, messages against the control: ${pp} percentage points (the control has no conversions, so no relative lift).`,
    noLift: 'No lift can be stated yet: the messages or the control have no sends.',
    reoptimizations: (n: number, first: string, last: string) =>
      `${n} re-optimization${n === 1 ? '' : 's'} recorded, from ${first} to ${last}.`,
    noReoptimizations: 'No re-optimization recorded yet: the charts over time are empty until the first one.',
    rateNote: (objective: string) =>
      `Rates: CTR = clicks / trials, CVR = conversions / clicks (as the predictor defines it), conv./send = conversions / trials, where trials = max(sends, impressions). The posterior is the Beta posterior of the objective (${objective}): the arm's prior from its prediction updated with its counters; mean and central 95% credible interval. Share: the arm's traffic share at the latest re-optimization. The control sends no message: its conversions are those of the users held out.`,
    segment: 'Segment',
    users: (n: string) => `${n} users`,
    arm: 'arm',
    headline: 'headline',
    kind: 'kind',
    share: 'share',
    impr: 'impr.',
    conv: 'conv.',
    ctr: 'CTR',
    cvr: 'CVR',
    convPerSend: 'conv./send',
    predCtr: 'pred. CTR',
    predCvr: 'pred. CVR',
    posterior: 'posterior [95%]',
    kinds: { control: 'control', generated: 'generated', challenger: 'challenger' },
    statuses: { active: 'active', stopped: 'stopped' },
    noMessage: '(no message)',
    segmentLift: (messages: string, control: string) =>
      `Conversions per send now: messages ${messages}, control ${control}.`,
    challengers: 'Challengers',
    bredFrom: (id: string, parents: string) => `${id} bred from ${parents}`,
    noParents: (id: string) => `${id} (parents not recorded)`,
    stopped: 'Stopped arms',
    stoppedAt: (id: string, when: string, reason: string) => `${id} stopped ${when}: ${reason}`,
    noReason: 'no reason recorded',
    verdict: 'A/B verdict',
    verdictAt: (when: string, run: string) => `Recorded ${when}${run ? ` by re-optimization ${run}` : ''}.`,
    messagesComparison: (objective: string) => `Message variants against each other (${objective})`,
    controlComparison: 'Message variants against the no-send control',
    reference: (id: string) => `Reference arm: ${id}.`,
    winner: (id: string) => `Winner: ${id}.`,
    noWinner: 'No winner yet.',
    method: 'Method',
    successesTrials: 'successes / trials',
    mean: 'mean',
    pBest: 'P(best)',
    pBeatsReference: 'P(beats reference)',
    expectedLoss: 'expected loss',
    standing: 'standing',
    noComparison: 'No comparison recorded for this segment (fewer than two arms to compare).',
    noVerdict: 'No A/B verdict recorded for this segment yet (the re-optimization step records one).',
    charts: 'Charts',
    allocationTitle: (segment: string) => `Allocation over time: ${segment}`,
    allocationAlt: 'Allocation over time',
    allocationCaption:
      "Share of the segment's traffic given to each arm at each re-optimization (from the allocation snapshots).",
    reoptimization: 're-optimization (UTC)',
    trafficShare: 'traffic share',
    posteriorTitle: (segment: string, objective: string) => `Posterior ${objective}: ${segment}`,
    posteriorAlt: 'Posterior intervals',
    posteriorCaption: (objective: string) =>
      `Posterior mean and 95% credible interval of each arm's ${objective}, from its prior and the current counters; the dashed line is the control's posterior mean; stopped arms in grey.`,
    controlMean: 'control mean',
    cumulativeConversionsTitle: (segment: string) => `Cumulative conversions per send: ${segment}`,
    cumulativeClicksTitle: (segment: string) => `Cumulative clicks per send: ${segment}`,
    cumulativeAlt: 'Cumulative rate against the control',
    cumulativeConversionsCaption:
      "Cumulative conversions per send up to each re-optimization for each message arm, all message arms pooled (dashed) and the control (from the snapshots' sends and successes: with the conversion objective the successes are conversions).",
    cumulativeClicksCaption:
      "Cumulative clicks per send up to each re-optimization for each message arm, all message arms pooled (dashed) and the control. The snapshots record the objective's successes only, which for this campaign are clicks, so conversions over time are not available; conversions per send now, messages against the control, are under the table above.",
    conversionsPerSendAxis: 'conversions per send',
    clicksPerSendAxis: 'clicks per send',
    pooled: 'all messages (pooled)',
    noData: 'no re-optimization yet',
  },
  zh: {
    title: (name: string) => `营销活动报告：${name}`,
    definition: '活动定义',
    field: '项目',
    value: '内容',
    name: '名称',
    goal: '目标',
    channel: '渠道',
    copyLanguage: '文案语言',
    tone: '语气',
    audience: '受众',
    everyone: '全部用户',
    segmentsAudience: (ids: string) => `分群 ${ids}`,
    usersAudience: (n: number) => `${n} 个指定用户`,
    userList: (key: string) => `用户名单 ${key}`,
    products: '商品',
    category: (c: string) => `品类 ${c}`,
    objective: '优化目标',
    objectives: { click: '每次发送的点击', conversion: '每次发送的转化' },
    trafficSplit: '流量分配',
    splits: { bandit: 'Thompson 采样（多臂老虎机）', even: '均分（A/B 测试）' },
    controlShare: '对照组比例',
    variantsPerSegment: '每个分群的文案数',
    frequencyCap: '频次上限',
    cap: (count: number, hours: number) => `每 ${hours} 小时 ${count} 次`,
    budget: '预算',
    maxSends: (n: string) => `${n} 次发送`,
    none: '无',
    start: '开始',
    end: '结束',
    created: '创建时间',
    updated: '更新时间',
    status: '状态',
    statusColumn: '状态',
    run: '活动执行',
    error: '错误',
    report: '报告',
    summary: '概览',
    messages: '发送文案',
    control: '对照组',
    sends: '发送',
    impressions: '曝光',
    clicks: '点击',
    conversions: '转化',
    conversionsPerSend: '每次发送的转化',
    orderValue: '订单金额',
    valuePerSend: '每次发送的金额',
    lift: (pp: string, rel: string) => `每次发送的转化，文案相对对照组：${pp} 个百分点（相对 ${rel}）。`,
    liftNoRelative: (pp: string) =>
      `每次发送的转化，文案相对对照组：${pp} 个百分点（对照组没有转化，无法给出相对提升）。`,
    noLift: '暂无法给出提升：文案或对照组还没有发送。',
    reoptimizations: (n: number, first: string, last: string) =>
      `已记录 ${n} 次重新优化，从 ${first} 到 ${last}。`,
    noReoptimizations: '尚未记录重新优化：第一次之前，随时间变化的图表为空。',
    rateNote: (objective: string) =>
      `比率：CTR = 点击 / 试验次数，CVR = 转化 / 点击（与预测模型的定义一致），转化/发送 = 转化 / 试验次数，试验次数 = max(发送, 曝光)。后验为优化目标（${objective}）的 Beta 后验：以预测得到的先验加上计数器更新；给出均值和中心 95% 可信区间。占比：最近一次重新优化时该文案的流量占比。对照组不发送文案：其转化来自被保留的用户。`,
    segment: '分群',
    users: (n: string) => `${n} 名用户`,
    arm: '文案',
    headline: '标题',
    kind: '类型',
    share: '占比',
    impr: '曝光',
    conv: '转化',
    ctr: 'CTR',
    cvr: 'CVR',
    convPerSend: '转化/发送',
    predCtr: '预测 CTR',
    predCvr: '预测 CVR',
    posterior: '后验 [95%]',
    kinds: { control: '对照组', generated: '生成', challenger: '挑战者' },
    statuses: { active: '进行中', stopped: '已停止' },
    noMessage: '（不发送）',
    segmentLift: (messages: string, control: string) =>
      `当前每次发送的转化：文案 ${messages}，对照组 ${control}。`,
    challengers: '挑战者',
    bredFrom: (id: string, parents: string) => `${id} 由 ${parents} 衍生`,
    noParents: (id: string) => `${id}（未记录来源）`,
    stopped: '已停止的文案',
    stoppedAt: (id: string, when: string, reason: string) => `${id} 于 ${when} 停止：${reason}`,
    noReason: '未记录原因',
    verdict: 'A/B 结论',
    verdictAt: (when: string, run: string) => `记录于 ${when}${run ? `（重新优化 ${run}）` : ''}。`,
    messagesComparison: (objective: string) => `文案之间的比较（${objective}）`,
    controlComparison: '文案与不发送的对照组比较',
    reference: (id: string) => `参照：${id}。`,
    winner: (id: string) => `胜出：${id}。`,
    noWinner: '尚无胜出者。',
    method: '方法',
    successesTrials: '成功 / 试验',
    mean: '均值',
    pBest: 'P(最优)',
    pBeatsReference: 'P(优于参照)',
    expectedLoss: '期望损失',
    standing: '状态',
    noComparison: '该分群没有记录比较（可比较的文案不足两个）。',
    noVerdict: '该分群尚未记录 A/B 结论（由重新优化步骤记录）。',
    charts: '图表',
    allocationTitle: (segment: string) => `流量分配变化：${segment}`,
    allocationAlt: '流量分配变化',
    allocationCaption: '每次重新优化时各文案获得的分群流量占比（来自分配快照）。',
    reoptimization: '重新优化（UTC）',
    trafficShare: '流量占比',
    posteriorTitle: (segment: string, objective: string) => `后验${objective}：${segment}`,
    posteriorAlt: '后验区间',
    posteriorCaption: (objective: string) =>
      `各文案${objective}的后验均值与 95% 可信区间，由先验和当前计数器得出；虚线为对照组的后验均值；已停止的文案为灰色。`,
    controlMean: '对照组均值',
    cumulativeConversionsTitle: (segment: string) => `累计每次发送的转化：${segment}`,
    cumulativeClicksTitle: (segment: string) => `累计每次发送的点击：${segment}`,
    cumulativeAlt: '与对照组的累计比率',
    cumulativeConversionsCaption:
      '截至每次重新优化，各文案、全部文案合计（虚线）与对照组的累计每次发送转化（来自快照中的发送与成功次数：优化目标为转化时，成功即转化）。',
    cumulativeClicksCaption:
      '截至每次重新优化，各文案、全部文案合计（虚线）与对照组的累计每次发送点击。快照只记录优化目标的成功次数，本活动为点击，因此没有随时间变化的转化；当前文案与对照组的每次发送转化见上方表格下的说明。',
    conversionsPerSendAxis: '每次发送的转化',
    clicksPerSendAxis: '每次发送的点击',
    pooled: '全部文案（合计）',
    noData: '尚未重新优化',
  },
} as const;

type Strings = (typeof strings)[ReportLanguage];

const count = (n: number) => (Number.isFinite(n) ? n.toLocaleString('en-US') : '—');
const money = (n: number) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    : '—';
/** A rate as a percentage, or `—` when it is not a number (no trials). */
const pct = (x: number | undefined, digits = 2) =>
  x !== undefined && Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '—';
const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

/** An ISO time as `YYYY-MM-DD HH:MM UTC`; other text as it is. */
function when(iso: string | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC` : md(iso);
}

/** Text safe inside a Markdown table cell or line: no pipes, newlines or inline HTML. */
const md = (text: string) =>
  text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
/** An id as inline code (backticks in it replaced, so the span cannot break). */
const code = (id: string) => `\`${id.replace(/`/g, "'").replace(/[\r\n]+/g, ' ')}\``;
const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

/** A file name for a segment's charts: letters, digits, `.`, `_`, `-` only. */
const slug = (segmentId: string) => segmentId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);

const finite = (x: unknown): number | undefined =>
  typeof x === 'number' && Number.isFinite(x) ? x : undefined;

const text = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const record = (x: unknown): Record<string, unknown> | undefined =>
  x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;

/**
 * A comparison read tolerantly: `{ method, reference, winner, arms: [{ variantId, … }] }` as the
 * re-optimization step stores it, or the A/B kernel's verdict (`variants: [{ id, … }]`).
 */
function comparisonOf(raw: unknown): ComparisonView | undefined {
  const c = record(raw);
  if (!c) return undefined;
  const list = Array.isArray(c['arms']) ? c['arms'] : Array.isArray(c['variants']) ? c['variants'] : [];
  const beats = (r: Record<string, unknown>) => {
    const v =
      r['probabilityBeatsReference'] !== undefined
        ? r['probabilityBeatsReference']
        : r['probabilityBeatsControl'];
    return v === null ? null : finite(v);
  };
  return {
    method: text(c['method']),
    reference: text(c['reference']),
    winner: text(c['winner']) ?? null,
    arms: list.flatMap((raw) => {
      const r = record(raw);
      const variantId = r ? (text(r['variantId']) ?? text(r['id'])) : undefined;
      if (!r || variantId === undefined) return [];
      return [
        {
          variantId,
          trials: finite(r['trials']),
          successes: finite(r['successes']),
          mean: finite(r['mean']) ?? finite(r['posteriorMean']),
          probabilityBest: finite(r['probabilityBest']),
          probabilityBeatsReference: beats(r),
          expectedLoss: finite(r['expectedLoss']),
          status: text(r['status']),
        },
      ];
    }),
  };
}

/**
 * The segment's verdict from the campaign item's `verdicts` (`{ runId, at, segments: { [id]:
 * { objective, messages, control, stopped } } }`, written by the re-optimization step), read
 * tolerantly: a record keyed directly by segment id, or a bare comparison per segment, also
 * reads. Undefined when absent or unreadable.
 */
function verdictOf(campaign: object, segmentId: string): VerdictView | undefined {
  const all = record((campaign as { verdicts?: unknown }).verdicts);
  if (!all) return undefined;
  const segments = record(all['segments']) ?? all;
  const segment = record(segments[segmentId]);
  if (!segment) return undefined;
  const at = text(all['at']) ?? text(segment['at']);
  const runId = text(all['runId']);
  if (!('messages' in segment) && !('control' in segment)) {
    const single = comparisonOf(segment);
    return single && single.arms.length > 0 ? { at, runId, messages: single } : undefined;
  }
  return {
    at,
    runId,
    objective: text(segment['objective']),
    messages: comparisonOf(segment['messages']),
    control: comparisonOf(segment['control']),
  };
}

/** The segments in the campaign's order, then any others its variants name, sorted. */
function segmentOrder(state: CampaignState): string[] {
  const listed = (state.campaign.segments ?? []).map((s) => s.segmentId);
  const seen = new Set(listed);
  const others = [...new Set(state.variants.map((v) => v.segmentId))].filter((id) => !seen.has(id)).sort();
  return [...listed.filter((id, i) => listed.indexOf(id) === i), ...others];
}

/** The arms of a segment: the control first, then the others in the state's order. */
function armsOf(state: CampaignState, segmentId: string): Array<{ variant: Variant; counter: Counter }> {
  const counters = new Map(state.counters.map((c) => [`${c.segmentId}#${c.variantId}`, c]));
  return state.variants
    .filter((v) => v.segmentId === segmentId)
    .map((variant) => ({
      variant,
      counter:
        counters.get(`${segmentId}#${variant.variantId}`) ?? emptyCounter(segmentId, variant.variantId),
    }))
    .sort((a, b) => Number(b.variant.kind === 'control') - Number(a.variant.kind === 'control'));
}

const isControl = (variant: Pick<Variant, 'kind' | 'variantId'>) =>
  variant.kind === 'control' || variant.variantId === CONTROL;

interface Totals {
  sends: number;
  impressions: number;
  trials: number;
  clicks: number;
  conversions: number;
  value: number;
}

function totals(counters: readonly Counter[]): Totals {
  const t: Totals = { sends: 0, impressions: 0, trials: 0, clicks: 0, conversions: 0, value: 0 };
  for (const c of counters) {
    t.sends += c.sends;
    t.impressions += c.impressions;
    t.trials += Math.max(c.sends, c.impressions);
    t.clicks += c.clicks;
    t.conversions += c.conversions;
    t.value += c.value;
  }
  return t;
}

/** The lift sentence for conversions per send, messages against the control. */
function liftLine(s: Strings, messages: Totals, control: Totals): string {
  if (messages.trials === 0 || control.trials === 0) return s.noLift;
  const m = messages.conversions / messages.trials;
  const c = control.conversions / control.trials;
  const pp = signed((m - c) * 100, 2);
  return c > 0 ? s.lift(pp, `${signed(((m - c) / c) * 100, 1)}%`) : s.liftNoRelative(pp);
}

/** Legend and table name of an arm: its id, with the headline for message arms. */
function armLabel(s: Strings, variant: Variant | undefined, variantId: string): string {
  if (!variant) return variantId;
  if (isControl(variant)) return `${variantId} ${s.noMessage}`;
  return variant.headline ? `${variantId}: ${variant.headline}` : variantId;
}

/** Snapshot times as chart x values (ms) with their tick labels. */
function timeAxis(snapshots: readonly AllocationSnapshot[]) {
  const points = snapshots.map((snap, i) => {
    const ms = Date.parse(snap.at);
    return { snap, x: Number.isFinite(ms) ? ms : i, label: when(snap.at).replace(' UTC', '').slice(5) };
  });
  return { points, ticks: points.map((p) => ({ value: p.x, label: p.label })) };
}

function allocationChart(
  s: Strings,
  segmentId: string,
  segmentName: string,
  snapshots: readonly AllocationSnapshot[],
  variants: ReadonlyMap<string, Variant>,
): string {
  const axis = timeAxis(snapshots);
  const ids = [
    ...new Set(snapshots.flatMap((snap) => (snap.segments[segmentId] ?? []).map((a) => a.variantId))),
  ];
  const series: Series[] = ids.map((id) => ({
    label: armLabel(s, variants.get(id), id),
    dashed: variants.get(id) ? isControl(variants.get(id)!) : id === CONTROL,
    points: axis.points.flatMap((p) => {
      const arm = (p.snap.segments[segmentId] ?? []).find((a) => a.variantId === id);
      return arm && Number.isFinite(arm.share) ? [{ x: p.x, y: arm.share }] : [];
    }),
  }));
  return lineChart({
    title: s.allocationTitle(segmentName),
    series,
    xLabel: s.reoptimization,
    yLabel: s.trafficShare,
    xTicks: axis.ticks,
    formatY: (v) => pct(v, 0),
    yMin: 0,
    yMax: 1,
    emptyText: s.noData,
  });
}

function cumulativeChart(
  s: Strings,
  segmentId: string,
  segmentName: string,
  objective: 'click' | 'conversion',
  snapshots: readonly AllocationSnapshot[],
  variants: ReadonlyMap<string, Variant>,
): string {
  const axis = timeAxis(snapshots);
  const ids = [
    ...new Set(snapshots.flatMap((snap) => (snap.segments[segmentId] ?? []).map((a) => a.variantId))),
  ];
  const controlOf = (id: string) => (variants.get(id) ? isControl(variants.get(id)!) : id === CONTROL);
  const rate = (sends: number, successes: number) => ratio(successes, sends);
  const perArm: Series[] = ids.map((id) => ({
    label: armLabel(s, variants.get(id), id),
    color: controlOf(id) ? '#222222' : undefined,
    points: axis.points.flatMap((p) => {
      const arm = (p.snap.segments[segmentId] ?? []).find((a) => a.variantId === id);
      const y = arm ? rate(arm.sends, arm.successes) : Number.NaN;
      return Number.isFinite(y) ? [{ x: p.x, y }] : [];
    }),
  }));
  const pooled: Series = {
    label: s.pooled,
    dashed: true,
    color: '#555555',
    points: axis.points.flatMap((p) => {
      const arms = (p.snap.segments[segmentId] ?? []).filter((a) => !controlOf(a.variantId));
      const y = rate(
        arms.reduce((n, a) => n + a.sends, 0),
        arms.reduce((n, a) => n + a.successes, 0),
      );
      return Number.isFinite(y) ? [{ x: p.x, y }] : [];
    }),
  };
  const conversions = objective === 'conversion';
  return lineChart({
    title: conversions ? s.cumulativeConversionsTitle(segmentName) : s.cumulativeClicksTitle(segmentName),
    series: [...perArm, pooled],
    xLabel: s.reoptimization,
    yLabel: conversions ? s.conversionsPerSendAxis : s.clicksPerSendAxis,
    xTicks: axis.ticks,
    formatY: (v) => pct(v, v > 0 && v < 0.1 ? 1 : 0),
    yMin: 0,
    emptyText: s.noData,
  });
}

/**
 * The campaign's report as Markdown, with its charts as SVG text keyed by the file name the
 * Markdown links to (relative, so the report and its charts move together).
 */
export function campaignReport(
  state: CampaignState,
  options: CampaignReportOptions = {},
): { markdown: string; charts: Record<string, string> } {
  const s: Strings = strings[options.language ?? 'en'];
  const { campaign } = state;
  const spec = campaign.spec;
  const objective = spec.objective;
  const objectiveText = s.objectives[objective];
  const snapshots = [...state.snapshots].sort((a, b) => a.at.localeCompare(b.at));
  const latest = snapshots[snapshots.length - 1];
  const charts: Record<string, string> = {};
  const lines: string[] = [];

  const audience = (() => {
    const a = spec.audience;
    if (a.kind === 'everyone') return s.everyone;
    if (a.kind === 'segments') return s.segmentsAudience(a.segmentIds.map(code).join(', '));
    if (a.kind === 'users') return s.usersAudience(a.userIds.length);
    return s.userList(code(a.key));
  })();
  const products = [
    ...(spec.productIds?.length ? [spec.productIds.map((id) => code(String(id))).join(', ')] : []),
    ...(spec.category ? [s.category(md(spec.category))] : []),
  ].join('; ');
  lines.push(
    `# ${md(s.title(spec.name))}`,
    '',
    `${code(campaign.campaignId)} · ${s.status}: **${campaign.status}**`,
    '',
    `## ${s.definition}`,
    '',
    row([s.field, s.value]),
    row(['---', '---']),
    row([s.name, md(spec.name)]),
    row([s.goal, md(spec.goal)]),
    row([s.channel, md(spec.channel)]),
    row([s.copyLanguage, md(spec.language)]),
    row([s.tone, md(spec.tone)]),
    row([s.audience, audience]),
    row([s.products, products || '—']),
    row([s.objective, objectiveText]),
    row([s.trafficSplit, s.splits[spec.trafficSplit]]),
    row([s.controlShare, pct(spec.controlShare, 1)]),
    row([s.variantsPerSegment, String(spec.variantsPerSegment)]),
    row([s.frequencyCap, s.cap(spec.frequencyCap.count, spec.frequencyCap.periodHours)]),
    row([s.budget, spec.budget ? s.maxSends(count(spec.budget.maxSends)) : s.none]),
    row([s.start, when(spec.startAt)]),
    row([s.end, when(spec.endAt)]),
    row([s.created, when(campaign.createdAt)]),
    row([s.updated, when(campaign.updatedAt)]),
    row([s.status, campaign.status]),
    ...(campaign.executionArn ? [row([s.run, code(campaign.executionArn)])] : []),
    ...(campaign.error ? [row([s.error, md(`${campaign.error.error}: ${campaign.error.cause}`)])] : []),
    '',
  );

  const variantById = (segmentId: string) =>
    new Map(state.variants.filter((v) => v.segmentId === segmentId).map((v) => [v.variantId, v]));
  const allArms = state.variants.map((variant) => ({
    variant,
    counter:
      state.counters.find((c) => c.segmentId === variant.segmentId && c.variantId === variant.variantId) ??
      emptyCounter(variant.segmentId, variant.variantId),
  }));
  const messageTotals = totals(allArms.filter((a) => !isControl(a.variant)).map((a) => a.counter));
  const controlTotals = totals(allArms.filter((a) => isControl(a.variant)).map((a) => a.counter));
  lines.push(
    `## ${s.summary}`,
    '',
    row(['', s.messages, s.control]),
    row(['---', '---:', '---:']),
    row([s.sends, count(messageTotals.sends), count(controlTotals.sends)]),
    row([s.impressions, count(messageTotals.impressions), count(controlTotals.impressions)]),
    row([s.clicks, count(messageTotals.clicks), '—']),
    row([s.conversions, count(messageTotals.conversions), count(controlTotals.conversions)]),
    row([
      s.conversionsPerSend,
      pct(ratio(messageTotals.conversions, messageTotals.trials)),
      pct(ratio(controlTotals.conversions, controlTotals.trials)),
    ]),
    row([s.orderValue, money(messageTotals.value), money(controlTotals.value)]),
    row([
      s.valuePerSend,
      messageTotals.trials > 0 ? money(messageTotals.value / messageTotals.trials) : '—',
      controlTotals.trials > 0 ? money(controlTotals.value / controlTotals.trials) : '—',
    ]),
    '',
    liftLine(s, messageTotals, controlTotals),
    '',
    snapshots.length > 0
      ? s.reoptimizations(snapshots.length, when(snapshots[0]!.at), when(latest!.at))
      : s.noReoptimizations,
    '',
    s.rateNote(objectiveText),
    '',
  );

  const used = new Set<string>();
  for (const segmentId of segmentOrder(state)) {
    const info = campaign.segments?.find((seg) => seg.segmentId === segmentId);
    const label = info?.label?.[options.language ?? 'en'];
    const segmentName = label ? `${segmentId}: ${label}` : segmentId;
    const variants = variantById(segmentId);
    const arms = armsOf(state, segmentId);
    const shares = new Map((latest?.segments[segmentId] ?? []).map((a) => [a.variantId, a.share]));
    const posteriors = new Map<string, Interval>(
      arms.map(({ variant, counter }) => [
        variant.variantId,
        posteriorInterval(armPosterior(variant, counter, objective)),
      ]),
    );
    let base = slug(segmentId);
    if (used.has(base)) {
      let n = 2;
      while (used.has(`${base}-${n}`)) n++;
      base = `${base}-${n}`;
    }
    used.add(base);

    lines.push(
      `## ${s.segment} ${md(segmentName)}${info?.size !== undefined ? ` (${s.users(count(info.size))})` : ''}`,
      '',
      row([
        s.arm,
        s.headline,
        s.kind,
        s.statusColumn,
        s.share,
        s.sends,
        s.impr,
        s.clicks,
        s.conv,
        s.orderValue,
        s.ctr,
        s.cvr,
        s.convPerSend,
        s.predCtr,
        s.predCvr,
        s.posterior,
      ]),
      row(['---', '---', '---', '---', ...Array<string>(12).fill('---:')]),
    );
    for (const { variant, counter } of arms) {
      const control = isControl(variant);
      const { trials } = armCounts(counter, 'click');
      const post = posteriors.get(variant.variantId)!;
      lines.push(
        row([
          code(variant.variantId),
          control ? s.noMessage : md(variant.headline || '—'),
          s.kinds[variant.kind] ?? md(variant.kind),
          s.statuses[variant.status] ?? md(variant.status),
          pct(shares.get(variant.variantId), 1),
          count(counter.sends),
          count(counter.impressions),
          control ? '—' : count(counter.clicks),
          count(counter.conversions),
          money(counter.value),
          control ? '—' : pct(ratio(counter.clicks, trials)),
          control ? '—' : pct(ratio(counter.conversions, counter.clicks)),
          pct(ratio(counter.conversions, trials)),
          pct(variant.prediction?.ctr.p),
          pct(variant.prediction?.cvr.p),
          `${pct(post.mean)} [${pct(post.low)}, ${pct(post.high)}]`,
        ]),
      );
    }
    const segMessages = totals(arms.filter((a) => !isControl(a.variant)).map((a) => a.counter));
    const segControl = totals(arms.filter((a) => isControl(a.variant)).map((a) => a.counter));
    lines.push(
      '',
      s.segmentLift(
        pct(ratio(segMessages.conversions, segMessages.trials)),
        pct(ratio(segControl.conversions, segControl.trials)),
      ),
      '',
    );

    const challengers = arms.filter((a) => a.variant.kind === 'challenger');
    if (challengers.length > 0) {
      lines.push(
        `**${s.challengers}**`,
        '',
        ...challengers.map(({ variant }) =>
          variant.parents?.length
            ? `- ${s.bredFrom(code(variant.variantId), variant.parents.map(code).join(', '))}`
            : `- ${s.noParents(code(variant.variantId))}`,
        ),
        '',
      );
    }
    const stopped = arms.filter((a) => a.variant.status === 'stopped');
    if (stopped.length > 0) {
      lines.push(
        `**${s.stopped}**`,
        '',
        ...stopped.map(
          ({ variant }) =>
            `- ${s.stoppedAt(code(variant.variantId), when(variant.stoppedAt), md(variant.stopReason ?? s.noReason))}`,
        ),
        '',
      );
    }

    lines.push(`### ${s.verdict}`, '');
    const verdict = verdictOf(campaign, segmentId);
    if (verdict) {
      if (verdict.at) lines.push(s.verdictAt(when(verdict.at), verdict.runId ? code(verdict.runId) : ''), '');
      const objectiveOfVerdict =
        verdict.objective === 'click' || verdict.objective === 'conversion'
          ? s.objectives[verdict.objective]
          : objectiveText;
      const parts: Array<[string, ComparisonView | undefined]> = [
        [s.messagesComparison(objectiveOfVerdict), verdict.messages],
        [s.controlComparison, verdict.control],
      ];
      for (const [heading, comparison] of parts) {
        if (!comparison) continue;
        lines.push(
          `**${heading}**`,
          '',
          [
            comparison.winner ? s.winner(code(comparison.winner)) : s.noWinner,
            ...(comparison.reference ? [s.reference(code(comparison.reference))] : []),
          ].join(' '),
          '',
        );
        if (comparison.arms.length > 0) {
          lines.push(
            row([s.arm, s.successesTrials, s.mean, s.pBest, s.pBeatsReference, s.expectedLoss, s.standing]),
            row(['---', '---:', '---:', '---:', '---:', '---:', '---']),
            ...comparison.arms.map((a) =>
              row([
                code(a.variantId),
                a.successes !== undefined && a.trials !== undefined
                  ? `${count(a.successes)} / ${count(a.trials)}`
                  : '—',
                pct(a.mean),
                pct(a.probabilityBest, 1),
                pct(a.probabilityBeatsReference ?? undefined, 1),
                pct(a.expectedLoss, 3),
                md(a.status ?? '—'),
              ]),
            ),
            '',
          );
        }
        if (comparison.method) lines.push(`${s.method}: ${md(comparison.method)}`, '');
      }
      if (!verdict.messages && !verdict.control) lines.push(s.noComparison, '');
    } else {
      lines.push(s.noVerdict, '');
    }

    const allocationFile = `${base}-allocation.svg`;
    const posteriorFile = `${base}-posteriors.svg`;
    const cumulativeFile = `${base}-cumulative.svg`;
    charts[allocationFile] = allocationChart(s, segmentId, segmentName, snapshots, variants);
    const controlArm = arms.find((a) => isControl(a.variant));
    const controlPosterior = controlArm ? posteriors.get(controlArm.variant.variantId) : undefined;
    charts[posteriorFile] = intervalChart({
      title: s.posteriorTitle(segmentName, objectiveText),
      rows: arms.map(({ variant }) => {
        const p = posteriors.get(variant.variantId)!;
        return {
          label: armLabel(s, variant, variant.variantId),
          value: p.mean,
          low: p.low,
          high: p.high,
          muted: variant.status === 'stopped',
          color: isControl(variant) ? '#222222' : undefined,
          detail: `${pct(p.mean)} [${pct(p.low)}, ${pct(p.high)}]`,
        };
      }),
      axisLabel: objectiveText,
      reference: controlPosterior ? { value: controlPosterior.mean, label: s.controlMean } : undefined,
      format: (v) => pct(v, v > 0 && v < 0.1 ? 1 : 0),
    });
    charts[cumulativeFile] = cumulativeChart(s, segmentId, segmentName, objective, snapshots, variants);
    lines.push(
      `### ${s.charts}`,
      '',
      `![${s.allocationAlt}](${allocationFile})`,
      '',
      s.allocationCaption,
      '',
      `![${s.posteriorAlt}](${posteriorFile})`,
      '',
      s.posteriorCaption(objectiveText),
      '',
      `![${s.cumulativeAlt}](${cumulativeFile})`,
      '',
      objective === 'conversion' ? s.cumulativeConversionsCaption : s.cumulativeClicksCaption,
      '',
    );
  }
  return { markdown: lines.join('\n'), charts };
}

/** Where a campaign's report is written; its charts lie beside it. */
export const campaignReportPrefix = (campaignId: string) => `reports/campaigns/${campaignId}/`;

/**
 * Write the report to `reports/campaigns/<campaignId>/report.md` with its charts beside it,
 * the charts first so that the Markdown never links to a chart not yet written.
 *
 * @throws ValidationError when the campaign id cannot be one path segment of a key.
 */
export async function writeCampaignReport(
  state: CampaignState,
  objects: ObjectStore,
  options: CampaignReportOptions = {},
): Promise<{ key: string; charts: string[] }> {
  const id = state.campaign.campaignId;
  if (!id || id.includes('/') || id === '.' || id === '..') {
    throw new ValidationError(`campaign id ${JSON.stringify(id)} cannot name a report folder`);
  }
  const prefix = campaignReportPrefix(id);
  const { markdown, charts } = campaignReport(state, options);
  const chartKeys = await Promise.all(
    Object.entries(charts).map(async ([name, svg]) => {
      await objects.put(`${prefix}${name}`, svg, 'image/svg+xml');
      return `${prefix}${name}`;
    }),
  );
  const key = `${prefix}report.md`;
  await objects.put(key, markdown, 'text/markdown; charset=utf-8');
  return { key, charts: chartKeys };
}
