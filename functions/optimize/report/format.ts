/** Number, time and Markdown formatting of the campaign report. */

export const count = (n: number) => (Number.isFinite(n) ? n.toLocaleString('en-US') : '—');
export const money = (n: number) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    : '—';
/** A rate as a percentage, or `—` when it is not a number (no trials). */
export const pct = (x: number | undefined, digits = 2) =>
  x !== undefined && Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '—';
export const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
export const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

/** An ISO time as `YYYY-MM-DD HH:MM UTC`; other text as it is. */
export function when(iso: string | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC` : md(iso);
}

/** Text safe inside a Markdown table cell or line: no pipes, newlines or inline HTML. */
export const md = (text: string) =>
  text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
/** An id as inline code (backticks in it replaced, so the span cannot break). */
export const code = (id: string) => `\`${id.replace(/`/g, "'").replace(/[\r\n]+/g, ' ')}\``;
export const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

/** A file name for a segment's charts: letters, digits, `.`, `_`, `-` only. */
export const slug = (segmentId: string) => segmentId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);

export const finite = (x: unknown): number | undefined =>
  typeof x === 'number' && Number.isFinite(x) ? x : undefined;

export const text = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
export const record = (x: unknown): Record<string, unknown> | undefined =>
  x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
