import Table from 'cli-table3';

/** A table a person can read: the CLI's one way to print records. */
export function table(head: string[], rows: Array<Array<string | number | undefined>>): string {
  const t = new Table({ head, style: { head: ['cyan'], border: ['grey'] } });
  for (const row of rows) t.push(row.map((cell) => (cell === undefined ? '' : String(cell))));
  return t.toString();
}

/** Two columns, name and value. */
export function pairs(entries: Array<[string, string | number | undefined]>): string {
  const t = new Table({ style: { border: ['grey'] } });
  for (const [k, v] of entries) t.push({ [k]: v === undefined ? '' : String(v) });
  return t.toString();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
