/**
 * K-means kernel against scikit-learn's KMeans on the same data, in the same run.
 *
 *   npx tsx bench/kmeans.ts [--n 1000000] [--d 16] [--k 8] [--std 3] [--seed 1] [--n-init 1,3]
 *                           [--repeat 1]
 *
 * Generates n × d Gaussian blobs (k centers drawn uniformly in [−10, 10]^d, each
 * coordinate with standard deviation `std`), writes them once as raw little-endian float64
 * to a temporary file, then for each n_init fits our kernel and scikit-learn ('lloyd' and
 * 'elkan'), the latter with its default threads and again with OMP_NUM_THREADS=1. Our
 * kernel is single-threaded. Times are of the fit only, not of loading the data; with
 * `--repeat R` every fit runs R times and the fastest counts (for a machine with other work).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { table } from '../cli/output';
import { mulberry32 } from '../core/random';
import { kmeans } from '../functions/profile/kernels/kmeans';
import { checkPython, runPythonJson } from './lib/python';
import { progress, ratio, timed } from './lib/timing';

interface SklearnRun {
  sklearn: string;
  ompNumThreads: string | null;
  threadpools: Array<{ api: string; library: string; threads: number }>;
  results: Array<{ algorithm: string; seconds: number; inertia: number; iterations: number }>;
}

interface Row {
  name: string;
  nInit: number;
  threads: string;
  seconds: number;
  inertia: number;
  iterations: number;
}

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    d: { type: 'string', default: '16' },
    k: { type: 'string', default: '8' },
    std: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    'n-init': { type: 'string', default: '1,3' },
    repeat: { type: 'string', default: '1' },
  },
});
const n = Number(values.n);
const d = Number(values.d);
const k = Number(values.k);
const std = Number(values.std);
const seed = Number(values.seed);
const nInits = values['n-init'].split(',').map(Number);
const repeat = Number(values.repeat);

const log = progress();
const script = join(import.meta.dirname, 'reference', 'kmeans.py');

log(`generating ${n.toLocaleString('en')} × ${d} blobs around ${k} centers (std ${std}, seed ${seed})`);
const data = blobs(n, d, k, std, seed);
const folder = mkdtempSync(join(tmpdir(), 'tailor-kmeans-'));
const file = join(folder, `blobs-${n}x${d}.f64`);
writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
log(`wrote ${(data.byteLength / 2 ** 20).toFixed(0)} MiB to ${file}`);

log('looking for scikit-learn');
const python = checkPython(['numpy', 'sklearn', 'threadpoolctl'], 'apt-get install -y python3-sklearn');
if (!python.ok) {
  console.log(`\nscikit-learn comparison skipped: ${python.reason}\n`);
}
const loadAtStart = loadavg()[0]!;

const rows: Row[] = [];
const threadNotes = new Set<string>();
try {
  for (const nInit of nInits) {
    log(`ours: kmeans k=${k} nInit=${nInit} ...`);
    let ours = timed(() => kmeans(data, n, d, { k, nInit, seed }));
    for (let r = 1; r < repeat; r++) {
      const again = timed(() => kmeans(data, n, d, { k, nInit, seed }));
      if (again.seconds < ours.seconds) ours = again;
    }
    rows.push({
      name: 'ours (Hamerly)',
      nInit,
      threads: '1',
      seconds: ours.seconds,
      inertia: ours.value.inertia,
      iterations: ours.value.iterations,
    });
    log(`ours: ${ours.seconds.toFixed(2)} s, inertia ${ours.value.inertia.toExponential(6)}`);
    if (!python.ok) continue;
    for (const env of [{}, { OMP_NUM_THREADS: '1' }] as Array<Record<string, string>>) {
      const label = 'OMP_NUM_THREADS' in env ? 'OMP_NUM_THREADS=1' : 'default threads';
      log(`scikit-learn: KMeans lloyd and elkan, n_init=${nInit}, ${label} ...`);
      const run = runPythonJson<SklearnRun>(
        script,
        ['--bench', file, `${n}`, `${d}`, `${k}`, `${nInit}`, `${repeat}`],
        env,
      );
      const openmp = run.threadpools.find((pool) => pool.api === 'openmp')?.threads;
      const blas = run.threadpools.find((pool) => pool.api === 'blas');
      threadNotes.add(
        `scikit-learn ${run.sklearn}, ${label}: OpenMP ${openmp ?? '?'} threads` +
          (blas ? `, BLAS (${blas.library}) ${blas.threads} threads` : ''),
      );
      for (const result of run.results) {
        rows.push({
          name: `scikit-learn ${result.algorithm}`,
          nInit,
          threads: `${openmp ?? '?'}`,
          seconds: result.seconds,
          inertia: result.inertia,
          iterations: result.iterations,
        });
        log(`scikit-learn ${result.algorithm}: ${result.seconds.toFixed(2)} s`);
      }
    }
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}

// Ratios are against scikit-learn's default algorithm (lloyd) with the same n_init and,
// for the time, the same number of threads as each column says.
const reference = (nInit: number, threads: 'all' | 'one') =>
  rows.find(
    (row) =>
      row.name === 'scikit-learn lloyd' &&
      row.nInit === nInit &&
      (threads === 'one') === (row.threads === '1'),
  );
console.log(
  `\nk-means, ${n.toLocaleString('en')} × ${d}, k = ${k}, blob std ${std}: seconds of the fit` +
    `${repeat > 1 ? ` (fastest of ${repeat})` : ''}; ratios to scikit-learn lloyd, same n_init\n`,
);
console.log(
  table(
    [
      'implementation',
      'n_init',
      'threads',
      'seconds',
      'iterations',
      'inertia',
      'time ÷ skl (N thr)',
      'time ÷ skl (1 thr)',
      'inertia ÷ skl',
    ],
    rows.map((row) => [
      row.name,
      row.nInit,
      row.threads,
      row.seconds.toFixed(2),
      row.iterations,
      row.inertia.toExponential(6),
      ratio(row.seconds, reference(row.nInit, 'all')?.seconds),
      ratio(row.seconds, reference(row.nInit, 'one')?.seconds),
      ratio(row.inertia, reference(row.nInit, 'all')?.inertia, 5),
    ]),
  ),
);
for (const note of threadNotes) console.log(note);
console.log('ours: single-threaded (Node.js, one event loop)');
console.log(
  `${cpus().length} CPUs; 1-minute load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`,
);
for (const nInit of nInits) {
  const ours = rows.find((row) => row.name.startsWith('ours') && row.nInit === nInit);
  for (const threads of ['all', 'one'] as const) {
    const fastest = rows
      .filter(
        (row) =>
          row.name.startsWith('scikit') &&
          row.nInit === nInit &&
          (threads === 'one') === (row.threads === '1'),
      )
      .sort((a, b) => a.seconds - b.seconds)[0];
    if (!ours || !fastest) continue;
    console.log(
      `n_init ${nInit}: ours takes ${ratio(ours.seconds, fastest.seconds)} the time of the fastest scikit-learn run ` +
        `with ${threads === 'one' ? '1 thread' : `${fastest.threads} threads`} (${fastest.name}), ` +
        `at ${ratio(ours.inertia, fastest.inertia, 4)} its inertia`,
    );
  }
}

/** n rows around k centers drawn in [−10, 10]^d, each coordinate ~ N(center, std²). */
function blobs(n: number, d: number, k: number, std: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const centers = new Float64Array(k * d);
  for (let i = 0; i < centers.length; i++) centers[i] = 20 * random() - 10;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const center = Math.floor(random() * k) * d;
    for (let t = 0; t < d; t++) out[i * d + t] = centers[center + t]! + std * gaussian(random);
  }
  return out;
}

/** A standard normal draw (Box-Muller; one of the pair is discarded for simplicity). */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
