/**
 * Small SVG charts for run and campaign reports: readable in a browser and in Markdown
 * viewers, with no rendering dependency inside Lambda.
 */
/** Text made safe for XML content: markup escaped, characters XML 1.0 forbids dropped. */
const escapeXml = (s: string) =>
  s
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML forbids
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
const font = "font-family=\"Helvetica, Arial, 'PingFang SC', 'Noto Sans CJK SC', sans-serif\"";
const palette = ['#3b6fb6', '#e07b39', '#3f9b6b', '#c2464b', '#8a63b3', '#b58a2d', '#4aa3b5', '#7d7d7d'];

/** Approximate width at 12 px: CJK characters are about twice as wide as Latin ones. */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += /[\u2e80-\u9fff\uff00-\uffef]/.test(ch) ? 12.5 : 7;
  return width;
}

/** Shorten a label with an ellipsis so that it fits the given width. */
function shorten(text: string, width: number): string {
  if (textWidth(text) <= width) return text;
  let out = '';
  for (const ch of text) {
    if (textWidth(`${out}${ch}…`) > width) break;
    out += ch;
  }
  return `${out}…`;
}

export interface Bar {
  readonly label: string;
  readonly value: number;
}

/** Horizontal bars, largest first as given, with values printed at the bar ends. */
export function barChart(options: {
  title: string;
  bars: readonly Bar[];
  format?: (v: number) => string;
  width?: number;
}): string {
  const { title, bars, width = 720 } = options;
  const format = options.format ?? ((v: number) => v.toLocaleString('en-US'));
  const maxLabel = Math.round(width * 0.55);
  const labelWidth = Math.min(maxLabel, Math.max(80, ...bars.map((b) => textWidth(b.label) + 16)));
  const barHeight = 22;
  const top = 40;
  const height = top + bars.length * (barHeight + 8) + 16;
  const max = Math.max(1e-12, ...bars.map((b) => b.value));
  const plot = width - labelWidth - 90;
  const rows = bars
    .map((bar, i) => {
      const y = top + i * (barHeight + 8);
      const w = Math.max(1, (Math.max(0, bar.value) / max) * plot);
      return [
        `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" font-size="12" ${font}>${escapeXml(shorten(bar.label, labelWidth - 16))}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${palette[i % palette.length]}" rx="2"/>`,
        `<text x="${labelWidth + w + 6}" y="${y + 15}" font-size="12" ${font}>${escapeXml(format(bar.value))}</text>`,
      ].join('');
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="12" y="24" font-size="15" font-weight="bold" ${font}>${escapeXml(title)}</text>
${rows}
</svg>
`;
}

/** A grid of counts (rows × columns) shaded by value, with the counts written in the cells. */
export function heatmap(options: {
  title: string;
  rowLabels: readonly string[];
  columnLabels: readonly string[];
  values: readonly (readonly number[])[];
  rowTitle: string;
  columnTitle: string;
}): string {
  const { title, rowLabels, columnLabels, values } = options;
  const cell = 56;
  const left = 90;
  const top = 70;
  const width = left + columnLabels.length * cell + 20;
  const height = top + rowLabels.length * cell + 40;
  const max = Math.max(1, ...values.flat());
  const cells = rowLabels
    .flatMap((_, r) =>
      columnLabels.map((__, c) => {
        const v = values[r]?.[c] ?? 0;
        const shade = v / max;
        const fill = `rgb(${Math.round(255 - 196 * shade)},${Math.round(255 - 144 * shade)},${Math.round(255 - 74 * shade)})`;
        const x = left + c * cell;
        const y = top + r * cell;
        return `<rect x="${x}" y="${y}" width="${cell - 2}" height="${cell - 2}" fill="${fill}"/><text x="${x + cell / 2 - 1}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="12" fill="${shade > 0.6 ? '#fff' : '#222'}" ${font}>${v}</text>`;
      }),
    )
    .join('\n');
  const columnText = columnLabels
    .map(
      (l, c) =>
        `<text x="${left + c * cell + cell / 2 - 1}" y="${top - 8}" text-anchor="middle" font-size="12" ${font}>${escapeXml(l)}</text>`,
    )
    .join('');
  const rowText = rowLabels
    .map(
      (l, r) =>
        `<text x="${left - 10}" y="${top + r * cell + cell / 2 + 4}" text-anchor="end" font-size="12" ${font}>${escapeXml(l)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="12" y="24" font-size="15" font-weight="bold" ${font}>${escapeXml(title)}</text>
<text x="${left + (columnLabels.length * cell) / 2}" y="46" text-anchor="middle" font-size="12" fill="#555" ${font}>${escapeXml(options.columnTitle)}</text>
<text x="16" y="${top + (rowLabels.length * cell) / 2}" font-size="12" fill="#555" transform="rotate(-90 16 ${top + (rowLabels.length * cell) / 2})" text-anchor="middle" ${font}>${escapeXml(options.rowTitle)}</text>
${columnText}
${rowText}
${cells}
</svg>
`;
}

/** Coordinates with one decimal: short, and never `NaN` (callers pass finite values only). */
const at = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '0');
const defaultFormat = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 3 });

/**
 * About `count` round tick values (steps of 1, 2, 2.5 or 5 × 10^k) covering [min, max]; the
 * first and last ticks bound the axis. An empty or inverted range is widened around its value.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  let lo = Number.isFinite(min) ? min : 0;
  let hi = Number.isFinite(max) ? max : 1;
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 1e-12 ? Math.abs(lo) * 0.1 : 1;
    lo -= lo >= 0 && lo - pad < 0 ? lo : pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9)) ?? raw;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** Legend entries laid out left to right, wrapping to new rows; returns the SVG and its height. */
function legend(
  entries: ReadonlyArray<{ label: string; color: string; dashed?: boolean; marker: 'line' | 'dot' }>,
  left: number,
  top: number,
  width: number,
): { svg: string; height: number } {
  const rowHeight = 20;
  const maxLabel = Math.max(60, width / 2 - 40);
  let x = left;
  let y = top;
  const parts: string[] = [];
  for (const entry of entries) {
    const label = shorten(entry.label, maxLabel);
    const itemWidth = 26 + textWidth(label) + 18;
    if (x > left && x + itemWidth > left + width) {
      x = left;
      y += rowHeight;
    }
    const mid = y + 10;
    parts.push(
      entry.marker === 'line'
        ? `<line x1="${at(x)}" y1="${at(mid)}" x2="${at(x + 20)}" y2="${at(mid)}" stroke="${entry.color}" stroke-width="2.5"${entry.dashed ? ' stroke-dasharray="5 3"' : ''}/>`
        : `<circle cx="${at(x + 10)}" cy="${at(mid)}" r="4" fill="${entry.color}"/>`,
      `<text x="${at(x + 26)}" y="${at(mid + 4)}" font-size="12" ${font}>${escapeXml(label)}</text>`,
    );
    x += itemWidth;
  }
  return { svg: parts.join(''), height: entries.length === 0 ? 0 : y - top + rowHeight };
}

/** Keep ticks whose labels do not overlap the one kept before them (positions ascending). */
function spacedTicks<T extends { position: number; label: string }>(ticks: readonly T[]): T[] {
  const kept: T[] = [];
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const tick of [...ticks].sort((a, b) => a.position - b.position)) {
    const half = textWidth(tick.label) / 2;
    if (tick.position - half < lastEnd + 6) continue;
    kept.push(tick);
    lastEnd = tick.position + half;
  }
  return kept;
}

/** One line of a {@link lineChart}: points in any order (drawn sorted by x); non-finite points break it. */
export interface Series {
  readonly label: string;
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>;
  /** Drawn dashed (e.g. a reference or pooled line). */
  readonly dashed?: boolean;
  /** A colour; default: the palette by series index. */
  readonly color?: string;
}

/**
 * Several series over time or an index, with a y grid, axis ticks and titles, and a legend
 * below the plot. The y axis starts at 0 unless the data go below it (or `yMin` says
 * otherwise); `xTicks` places labelled ticks (e.g. dates) where given, else round numbers
 * formatted with `formatX` are used. Labels that would overlap are thinned out.
 */
export function lineChart(options: {
  title: string;
  series: readonly Series[];
  xLabel: string;
  yLabel: string;
  xTicks?: ReadonlyArray<{ readonly value: number; readonly label: string }>;
  formatX?: (v: number) => string;
  formatY?: (v: number) => string;
  yMin?: number;
  yMax?: number;
  /** Shown in the plot when no series has a finite point. */
  emptyText?: string;
  width?: number;
  height?: number;
}): string {
  const { title, series, width = 720, height: plotHeight = 280 } = options;
  const formatX = options.formatX ?? defaultFormat;
  const formatY = options.formatY ?? defaultFormat;
  const finite = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
  const xs = [...finite.map((p) => p.x), ...(options.xTicks ?? []).map((t) => t.value)].filter(
    Number.isFinite,
  );
  const ys = finite.map((p) => p.y);
  let x0 = xs.length > 0 ? Math.min(...xs) : 0;
  let x1 = xs.length > 0 ? Math.max(...xs) : 1;
  if (x1 - x0 < 1e-12) {
    const pad = Math.abs(x0) > 1e-12 ? Math.abs(x0) * 0.05 : 1;
    x0 -= pad;
    x1 += pad;
  }
  const yTicks = niceTicks(
    options.yMin ?? Math.min(0, ...ys),
    options.yMax ?? Math.max(ys.length > 0 ? Math.max(...ys) : 1, options.yMin ?? 0),
  );
  const y0 = yTicks[0] ?? 0;
  const y1 = yTicks[yTicks.length - 1] ?? 1;
  const yTickWidth = Math.max(...yTicks.map((t) => textWidth(formatY(t))));
  const left = Math.round(34 + yTickWidth + 8);
  const tickCandidates = (
    options.xTicks ??
    niceTicks(x0, x1, 6)
      .filter((t) => t >= x0 - 1e-9 && t <= x1 + 1e-9)
      .map((t) => ({ value: t, label: formatX(t) }))
  ).filter((t) => Number.isFinite(t.value) && t.value >= x0 - 1e-9 && t.value <= x1 + 1e-9);
  // Room at the right for half of the last tick's label, which is centred on the plot's edge.
  const right = Math.max(24, ...tickCandidates.map((t) => textWidth(t.label) / 2 + 8));
  const top = 44;
  const plotWidth = width - left - right;
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * plotWidth;
  const py = (y: number) => top + plotHeight - ((y - y0) / (y1 - y0 || 1)) * plotHeight;
  const xTicks = spacedTicks(tickCandidates.map((t) => ({ position: px(t.value), label: t.label })));
  const bottom = top + plotHeight;
  const grid = [
    ...yTicks.map(
      (t) =>
        `<line x1="${left}" y1="${at(py(t))}" x2="${at(left + plotWidth)}" y2="${at(py(t))}" stroke="#e3e3e3"/><text x="${left - 6}" y="${at(py(t) + 4)}" text-anchor="end" font-size="11" fill="#444" ${font}>${escapeXml(formatY(t))}</text>`,
    ),
    ...xTicks.map(
      (t) =>
        `<line x1="${at(t.position)}" y1="${bottom}" x2="${at(t.position)}" y2="${bottom + 4}" stroke="#888"/><text x="${at(t.position)}" y="${bottom + 17}" text-anchor="middle" font-size="11" fill="#444" ${font}>${escapeXml(t.label)}</text>`,
    ),
    `<line x1="${left}" y1="${bottom}" x2="${at(left + plotWidth)}" y2="${bottom}" stroke="#888"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#888"/>`,
  ].join('\n');
  const color = (s: Series, i: number) => s.color ?? palette[i % palette.length]!;
  const lines = series
    .map((s, i) => {
      const sorted = [...s.points].sort((a, b) => a.x - b.x);
      const runs: Array<Array<{ x: number; y: number }>> = [[]];
      for (const p of sorted) {
        if (Number.isFinite(p.x) && Number.isFinite(p.y)) runs[runs.length - 1]!.push(p);
        else if (runs[runs.length - 1]!.length > 0) runs.push([]);
      }
      const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
      const paths = runs
        .filter((run) => run.length > 1)
        .map(
          (run) =>
            `<polyline fill="none" stroke="${color(s, i)}" stroke-width="2"${dash} points="${run.map((p) => `${at(px(p.x))},${at(py(p.y))}`).join(' ')}"/>`,
        );
      const points = runs.flat();
      const dots =
        points.length <= 60
          ? points.map((p) => `<circle cx="${at(px(p.x))}" cy="${at(py(p.y))}" r="3" fill="${color(s, i)}"/>`)
          : [];
      return [...paths, ...dots].join('');
    })
    .join('\n');
  const empty =
    finite.length === 0
      ? `<text x="${at(left + plotWidth / 2)}" y="${at(top + plotHeight / 2)}" text-anchor="middle" font-size="13" fill="#777" ${font}>${escapeXml(options.emptyText ?? 'no data')}</text>`
      : '';
  const key = legend(
    series.map((s, i) => ({ label: s.label, color: color(s, i), dashed: s.dashed, marker: 'line' as const })),
    left,
    bottom + 44,
    plotWidth,
  );
  const height = bottom + 44 + key.height + 10;
  const yMid = top + plotHeight / 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<title>${escapeXml(title)}</title>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="12" y="24" font-size="15" font-weight="bold" ${font}>${escapeXml(title)}</text>
${grid}
<text x="${at(left + plotWidth / 2)}" y="${bottom + 36}" text-anchor="middle" font-size="12" fill="#555" ${font}>${escapeXml(options.xLabel)}</text>
<text x="16" y="${at(yMid)}" font-size="12" fill="#555" transform="rotate(-90 16 ${at(yMid)})" text-anchor="middle" ${font}>${escapeXml(options.yLabel)}</text>
${lines}
${empty}
${key.svg}
</svg>
`;
}

/** One row of an {@link intervalChart}: a point estimate with its interval. */
export interface IntervalRow {
  readonly label: string;
  readonly value: number;
  readonly low: number;
  readonly high: number;
  /** Text beside the row (horizontal charts); default `value [low, high]`. */
  readonly detail?: string;
  /** Drawn in grey (e.g. a stopped arm). */
  readonly muted?: boolean;
  readonly color?: string;
}

/**
 * A point with an error bar per row (e.g. a posterior mean with its 95% interval per
 * variant), with an optional dashed reference line (e.g. the control's mean). Horizontal:
 * rows down the page, values along x, each row's figures written at its right; vertical:
 * one column per row, values up the y axis. Rows with a non-finite value draw no mark.
 */
export function intervalChart(options: {
  title: string;
  rows: readonly IntervalRow[];
  axisLabel: string;
  reference?: { readonly value: number; readonly label: string };
  orientation?: 'horizontal' | 'vertical';
  format?: (v: number) => string;
  /** Axis bounds; default: round numbers covering every interval and the reference, from 0 when all are ≥ 0. */
  min?: number;
  max?: number;
  width?: number;
}): string {
  const { title, rows, width = 720 } = options;
  const format = options.format ?? defaultFormat;
  const orientation = options.orientation ?? 'horizontal';
  const ref = options.reference && Number.isFinite(options.reference.value) ? options.reference : undefined;
  const drawn = rows.filter((r) => Number.isFinite(r.value));
  const bounds = [
    ...drawn.flatMap((r) => [r.value, r.low, r.high].filter(Number.isFinite)),
    ...(ref ? [ref.value] : []),
  ];
  const ticks = niceTicks(
    options.min ?? Math.min(0, ...bounds),
    options.max ?? (bounds.length > 0 ? Math.max(...bounds) : 1),
  );
  const v0 = ticks[0] ?? 0;
  const v1 = ticks[ticks.length - 1] ?? 1;
  const scale = (v: number) => (Math.min(v1, Math.max(v0, v)) - v0) / (v1 - v0 || 1);
  const rowColor = (r: IntervalRow, i: number) =>
    r.muted ? '#9a9a9a' : (r.color ?? palette[i % palette.length]!);
  const detail = (r: IntervalRow) =>
    r.detail ?? (Number.isFinite(r.value) ? `${format(r.value)} [${format(r.low)}, ${format(r.high)}]` : '—');
  const mark = (
    r: IntervalRow,
    i: number,
    place: (v: number) => { x: number; y: number },
    vertical: boolean,
  ) => {
    if (!Number.isFinite(r.value)) return '';
    const c = rowColor(r, i);
    const lo = place(Number.isFinite(r.low) ? r.low : r.value);
    const hi = place(Number.isFinite(r.high) ? r.high : r.value);
    const mid = place(r.value);
    const cap = (p: { x: number; y: number }) =>
      vertical
        ? `<line x1="${at(p.x - 6)}" y1="${at(p.y)}" x2="${at(p.x + 6)}" y2="${at(p.y)}" stroke="${c}" stroke-width="2"/>`
        : `<line x1="${at(p.x)}" y1="${at(p.y - 6)}" x2="${at(p.x)}" y2="${at(p.y + 6)}" stroke="${c}" stroke-width="2"/>`;
    return `<line x1="${at(lo.x)}" y1="${at(lo.y)}" x2="${at(hi.x)}" y2="${at(hi.y)}" stroke="${c}" stroke-width="2"/>${cap(lo)}${cap(hi)}<circle cx="${at(mid.x)}" cy="${at(mid.y)}" r="4.5" fill="${c}"/>`;
  };
  const head = (w: number, height: number) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${height}" viewBox="0 0 ${w} ${height}">
<title>${escapeXml(title)}</title>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="12" y="24" font-size="15" font-weight="bold" ${font}>${escapeXml(title)}</text>`;

  if (orientation === 'horizontal') {
    const labelWidth = Math.min(
      Math.round(width * 0.4),
      Math.max(80, ...rows.map((r) => textWidth(r.label) + 16)),
    );
    const detailWidth = Math.min(
      Math.round(width * 0.3),
      Math.max(60, ...rows.map((r) => textWidth(detail(r)) + 12)),
    );
    const top = ref ? 58 : 44;
    const rowHeight = 26;
    const plotLeft = labelWidth + 8;
    const plotWidth = Math.max(80, width - plotLeft - detailWidth - 12);
    const bottom = top + rows.length * rowHeight;
    const x = (v: number) => plotLeft + scale(v) * plotWidth;
    const axisTicks = spacedTicks(ticks.map((t) => ({ position: x(t), label: format(t) })));
    const grid = axisTicks
      .map(
        (t) =>
          `<line x1="${at(t.position)}" y1="${top - 4}" x2="${at(t.position)}" y2="${bottom}" stroke="#e3e3e3"/><text x="${at(t.position)}" y="${bottom + 16}" text-anchor="middle" font-size="11" fill="#444" ${font}>${escapeXml(t.label)}</text>`,
      )
      .join('\n');
    const body = rows
      .map((r, i) => {
        const y = top + i * rowHeight + rowHeight / 2;
        return [
          `<text x="${labelWidth - 4}" y="${at(y + 4)}" text-anchor="end" font-size="12"${r.muted ? ' fill="#777"' : ''} ${font}>${escapeXml(shorten(r.label, labelWidth - 16))}</text>`,
          mark(r, i, (v) => ({ x: x(v), y }), false),
          `<text x="${at(plotLeft + plotWidth + 10)}" y="${at(y + 4)}" font-size="11" fill="#444" ${font}>${escapeXml(shorten(detail(r), detailWidth))}</text>`,
        ].join('');
      })
      .join('\n');
    const reference = ref
      ? `<line x1="${at(x(ref.value))}" y1="${top - 8}" x2="${at(x(ref.value))}" y2="${bottom}" stroke="#555" stroke-dasharray="5 4"/><text x="${at(x(ref.value))}" y="${top - 12}" text-anchor="middle" font-size="11" fill="#555" ${font}>${escapeXml(shorten(ref.label, plotWidth))}</text>`
      : '';
    const height = bottom + 44;
    return `${head(width, height)}
${grid}
<line x1="${plotLeft}" y1="${bottom}" x2="${plotLeft + plotWidth}" y2="${bottom}" stroke="#888"/>
<text x="${at(plotLeft + plotWidth / 2)}" y="${bottom + 34}" text-anchor="middle" font-size="12" fill="#555" ${font}>${escapeXml(options.axisLabel)}</text>
${reference}
${body}
</svg>
`;
  }

  const plotHeight = 260;
  const tickWidth = Math.max(...ticks.map((t) => textWidth(format(t))));
  const left = Math.round(34 + tickWidth + 8);
  const top = 50;
  const column = Math.max(36, (width - left - 24) / Math.max(1, rows.length));
  const plotWidth = column * rows.length;
  const bottom = top + plotHeight;
  const y = (v: number) => bottom - scale(v) * plotHeight;
  const grid = ticks
    .map(
      (t) =>
        `<line x1="${left}" y1="${at(y(t))}" x2="${at(left + plotWidth)}" y2="${at(y(t))}" stroke="#e3e3e3"/><text x="${left - 6}" y="${at(y(t) + 4)}" text-anchor="end" font-size="11" fill="#444" ${font}>${escapeXml(format(t))}</text>`,
    )
    .join('\n');
  const body = rows
    .map((r, i) => {
      const x = left + i * column + column / 2;
      return [
        mark(r, i, (v) => ({ x, y: y(v) }), true),
        Number.isFinite(r.value)
          ? `<text x="${at(x + 9)}" y="${at(y(r.value) + 4)}" font-size="10" fill="#444" ${font}>${escapeXml(format(r.value))}</text>`
          : '',
        `<text x="${at(x)}" y="${bottom + 16}" text-anchor="middle" font-size="11"${r.muted ? ' fill="#777"' : ''} ${font}>${escapeXml(shorten(r.label, column - 4))}</text>`,
      ].join('');
    })
    .join('\n');
  const reference = ref
    ? `<line x1="${left}" y1="${at(y(ref.value))}" x2="${at(left + plotWidth)}" y2="${at(y(ref.value))}" stroke="#555" stroke-dasharray="5 4"/><text x="${at(left + plotWidth)}" y="${at(y(ref.value) - 5)}" text-anchor="end" font-size="11" fill="#555" ${font}>${escapeXml(shorten(ref.label, plotWidth))}</text>`
    : '';
  const realWidth = Math.max(width, Math.ceil(left + plotWidth + 24));
  const height = bottom + 48;
  const yMid = top + plotHeight / 2;
  return `${head(realWidth, height)}
${grid}
<line x1="${left}" y1="${bottom}" x2="${at(left + plotWidth)}" y2="${bottom}" stroke="#888"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#888"/>
<text x="16" y="${at(yMid)}" font-size="12" fill="#555" transform="rotate(-90 16 ${at(yMid)})" text-anchor="middle" ${font}>${escapeXml(options.axisLabel)}</text>
${reference}
${body}
</svg>
`;
}
