/**
 * The benches' entry (`npm run bench`): lists them, or runs one or all.
 *
 *   npm run bench                       list the benches, each with the first line of its doc
 *   npm run bench -- kmeans --n 100000  run one, passing the rest of the arguments to it
 *   npm run bench -- all                run every bench in turn with its defaults
 *
 * A bench is a `bench/*.ts` file that runs when executed; modules that only hold shared code
 * (`generate-data.ts`, `lib/`) are not benches. Each runs in its own Node process (through
 * tsx, as `npx tsx bench/NAME.ts` would), so one bench's memory and timers never touch the
 * next; `all` stops at the first bench that fails and exits with its status.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const benchDir = import.meta.dirname;
/** Files in bench/ that are shared code, not benches. */
const notBenches = new Set(['main.ts', 'generate-data.ts']);

interface Bench {
  readonly name: string;
  readonly file: string;
  readonly summary: string;
}

function listBenches(): Bench[] {
  return readdirSync(benchDir)
    .filter((file) => file.endsWith('.ts') && !notBenches.has(file))
    .sort()
    .map((file) => ({
      name: file.slice(0, -3),
      file: join(benchDir, file),
      summary: summaryOf(join(benchDir, file)),
    }));
}

/** The first line of the file's leading doc comment (each bench's opening line names what it measures). */
function summaryOf(file: string): string {
  const doc = /^\/\*\*\s*\n\s*\*\s?(.*)/.exec(readFileSync(file, 'utf8'));
  return doc?.[1]?.trim() ?? '';
}

function run(bench: Bench, args: readonly string[]): number {
  console.log(`\n── bench ${bench.name} ${args.join(' ')}`.trimEnd());
  const result = spawnSync(process.execPath, ['--import', 'tsx', bench.file, ...args], { stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function main(argv: readonly string[]): number {
  const benches = listBenches();
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'list') {
    const width = Math.max(...benches.map((b) => b.name.length));
    console.log('Benches (npm run bench -- NAME [ARGS…], or npm run bench -- all):\n');
    for (const bench of benches) console.log(`  ${bench.name.padEnd(width)}  ${bench.summary}`);
    console.log('\nEach bench documents its arguments at the top of bench/NAME.ts.');
    return 0;
  }
  if (name === 'all') {
    if (args.length > 0) {
      console.error('`all` runs every bench with its defaults; pass arguments to one bench by name.');
      return 2;
    }
    for (const bench of benches) {
      const status = run(bench, []);
      if (status !== 0) {
        console.error(`bench ${bench.name} failed (exit ${status}); stopping.`);
        return status;
      }
    }
    return 0;
  }
  const bench = benches.find((b) => b.name === name.replace(/\.ts$/, '').replace(/^bench\//, ''));
  if (!bench) {
    console.error(`no bench named "${name}". Benches: ${benches.map((b) => b.name).join(', ')}`);
    return 2;
  }
  return run(bench, args);
}

process.exitCode = main(process.argv.slice(2));
