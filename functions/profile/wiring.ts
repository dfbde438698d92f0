import { ConflictError } from '../../core/errors';
import { objects, profileStore, settings, tables, workflows } from '../container';
import { logger } from '../shared/logger';
import type { EventPorts } from './events';
import type { IngestPorts } from './ingest';
import { type RunPorts, type RunTrigger, startProfilingRun } from './runs';

/**
 * The profile group's port bundles, assembled from the composition root (`functions/container.ts`)
 * for each use case; the handler's route and step tables call these and nothing else.
 */

export const eventPorts = (): EventPorts => ({
  objects: objects(),
  operations: tables.operations(),
  rawPrefix: settings().RAW_PREFIX,
  shards: settings().RAW_SHARDS,
  dedupTtlDays: settings().EVENT_DEDUP_TTL_DAYS,
});

export const uploadPorts = () => ({
  objects: objects(),
  operations: tables.operations(),
  batchPrefix: settings().BATCH_PREFIX,
  urlTtlSeconds: settings().UPLOAD_URL_TTL_SECONDS,
});

export const runPorts = (): RunPorts => ({
  objects: objects(),
  operations: tables.operations(),
  profiles: profileStore(),
  catalog: tables.catalog(),
  rawPrefix: settings().RAW_PREFIX,
});

/** Start a profiling run (409 ConflictError while one is under way). */
export const startRun = (trigger: RunTrigger) =>
  startProfilingRun(trigger, { operations: tables.operations(), workflow: workflows.profiling() });

export const ingestPorts = (): IngestPorts => ({
  objects: objects(),
  operations: tables.operations(),
  catalog: tables.catalog(),
  batchPrefix: settings().BATCH_PREFIX,
  rawPrefix: settings().RAW_PREFIX,
  shards: settings().RAW_SHARDS,
  progressEvery: 50_000,
  // A file in starts a profiling run, unless the deployment has none or one is under way (the
  // next run includes this file).
  startProfiling: async () => {
    if (!settings().PROFILING_STATE_MACHINE_ARN) return undefined;
    try {
      return (await startRun('ingestion')).runId;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      logger.info('a profiling run is under way; the next run will include this upload');
      return undefined;
    }
  },
});
