import { ConflictError, NotFoundError } from '../../core/errors';
import { objects, profileStore, settings, tables, workflows } from '../container';
import { getStrategy } from '../optimize/reoptimize/strategies';
import type { HttpResult } from '../shared/http';
import { logger } from '../shared/logger';
import type { EventPorts } from './events';
import { checkHealth, type Health } from './health';
import type { IngestPorts } from './ingest';
import { type RunPorts, type RunTrigger, startProfilingRun } from './runs';

/**
 * The profile group's port bundles, assembled from the composition root (`functions/container.ts`)
 * for each use case, and the few read routes that only combine ports. The handler's route and
 * step tables call these and the cores, and hold no logic of their own.
 */

/** 400 when a batch had rejections and nothing in it was taken, else 200. */
export const batchStatus = (taken: number, rejected: number) => (rejected > 0 && taken === 0 ? 400 : 200);

/** `GET /health`: 200 when the bucket and the operations table answer, else 503. */
export async function health(): Promise<HttpResult<Health & { version: string }>> {
  const result = await checkHealth({ objects: objects(), operations: tables.operations() });
  return {
    statusCode: result.status === 'ok' ? 200 : 503,
    body: { ...result, version: settings().TAILOR_VERSION },
  };
}

/** A user's profile; NotFound when no profiling run has included them. */
export async function userProfile(userId: string) {
  const profile = await profileStore().getProfile(userId);
  if (!profile) throw new NotFoundError(`no profile for user ${userId}; has a profiling run included them?`);
  return profile;
}

/** A segment of the latest run, with what the campaigns have found works best for it so far. */
export async function segmentWithStrategy(segmentId: string) {
  const [segment, strategy] = await Promise.all([
    profileStore().getSegment(segmentId),
    getStrategy(tables.profiles(), segmentId),
  ]);
  if (!segment) throw new NotFoundError(`no segment ${segmentId} in the latest profiling run`);
  return { ...segment, strategy: strategy ?? null };
}

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
