/** Runs `fn` once and returns its value with the wall-clock seconds it took. */
export function timed<T>(fn: () => T): { value: T; seconds: number } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/**
 * A progress reporter: each call prints one line on stderr, prefixed with the seconds
 * elapsed since the reporter was made, so tables on stdout stay clean.
 */
export function progress(): (message: string) => void {
  const start = process.hrtime.bigint();
  return (message) => {
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    process.stderr.write(`[${elapsed.toFixed(1).padStart(6)} s] ${message}\n`);
  };
}

/** `value / reference` for a table cell, as "1.23×"; "–" when either is missing. */
export function ratio(value: number | undefined, reference: number | undefined, digits = 2): string {
  if (value === undefined || reference === undefined || reference === 0) return '–';
  return `${(value / reference).toFixed(digits)}×`;
}
