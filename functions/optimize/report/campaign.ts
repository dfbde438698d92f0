/**
 * The campaign report: Markdown with SVG charts beside it, from one read of the campaign's
 * state. Per segment it shows each arm's counts, rates, prediction and posterior, the A/B
 * verdict the re-optimization step recorded, and three charts: the allocation at each
 * re-optimization, the posterior intervals now, and the cumulative success rate per send of
 * the message arms against the control. Every figure comes from the stored state (no clock,
 * no randomness), so the same state gives the same report.
 */

import { intervalChart } from '../../shared/charts';
import { armCounts, armPosterior, type Interval, posteriorInterval } from '../posterior';
import { type CampaignState, emptyCounter } from '../records';
import { allocationChart, cumulativeChart } from './charts';
import { code, count, md, money, pct, ratio, row, slug, when } from './format';
import { type ReportLanguage, type Strings, strings } from './strings';
import type { ComparisonView } from './views';
import { armLabel, armsOf, isControl, liftLine, segmentOrder, totals, verdictOf } from './views';

export interface CampaignReportOptions {
  /** Language of the report's own text (the copy stays as written). Default `en`. */
  readonly language?: ReportLanguage;
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
          control && objective === 'click' ? '—' : `${pct(post.mean)} [${pct(post.low)}, ${pct(post.high)}]`,
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
    // The control receives no message: it measures conversions without one, never clicks, so
    // with the click objective it has no posterior to draw and no reference line.
    const charted = objective === 'click' ? arms.filter((a) => !isControl(a.variant)) : arms;
    const controlArm = charted.find((a) => isControl(a.variant));
    const controlPosterior = controlArm ? posteriors.get(controlArm.variant.variantId) : undefined;
    charts[posteriorFile] = intervalChart({
      title: s.posteriorTitle(segmentName, objectiveText),
      rows: charted.map(({ variant }) => {
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
      objective === 'click' ? s.posteriorClicksCaption(objectiveText) : s.posteriorCaption(objectiveText),
      '',
      `![${s.cumulativeAlt}](${cumulativeFile})`,
      '',
      objective === 'conversion' ? s.cumulativeConversionsCaption : s.cumulativeClicksCaption,
      '',
    );
  }
  return { markdown: lines.join('\n'), charts };
}
