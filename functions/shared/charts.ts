/**
 * Small SVG charts for run and campaign reports: readable in a browser and in Markdown
 * viewers, with no rendering dependency inside Lambda.
 */
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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
