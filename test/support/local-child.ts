import { startLocal } from '../../local/runtime';

/**
 * The local system in a process of its own, for tests that SIGKILL it: `node --import tsx
 * test/support/local-child.ts <dataDir>` starts it on free ports over the data folder and
 * prints one JSON line with its addresses. One process (no tsx wrapper), so a SIGKILL of its
 * pid stops everything, dynalite and the in-flight work included.
 */
const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: local-child.ts <dataDir>');
startLocal({
  dataDir,
  schedules: false,
  dynamodb: 'dynalite',
  ports: { api: 0, dynamodb: 0, s3: 0, stepfunctions: 0, model: 0 },
}).then(
  (system) => {
    process.stdout.write(
      `${JSON.stringify({ apiUrl: system.apiUrl, s3: system.endpoints.s3, bucket: system.bucket })}\n`,
    );
  },
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
