import { createHash, randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../core/errors';
import { logger } from '../shared/logger';
import type { ObjectStore, Table } from '../shared/ports';
import { type Calibrator, type CalibratorJson, calibratorFromJson } from './kernels/calibration';
import { decodeArtifact, FtrlLogisticRegression, ModelArtifactError } from './kernels/ftrl';

/** What the registry knows of one version (its artifact is an S3 object). */
export interface ModelVersion {
  readonly model: string;
  readonly version: string;
  readonly artifactKey: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly createdAt: string;
  readonly metrics: Record<string, number>;
  readonly dataWindow?: { from: string; to: string };
  readonly rows?: number;
}

/** The version a model serves, loaded, as one value: a request reads it once and uses only it. */
export interface Serving {
  readonly version: string;
  readonly model: FtrlLogisticRegression;
  /** Fitted on held-out data at training, stored in the artifact (`meta.calibrator`). */
  readonly calibrator?: Calibrator;
  /** Rows the version was trained on: how far scores move from the priors toward it. */
  readonly rows: number;
}

const pointerKey = (model: string) => ({ model, version: 'CURRENT' });

/**
 * The model registry. Access patterns of the models table: a model's versions, query
 * `model = <name>` (sort key `version`); the serving version, get `<name>` / `CURRENT`
 * (attribute `serving`). Artifacts are S3 objects under `models/<name>/<version>.tftl`.
 *
 * Promotion is one conditional write of the pointer (compare-and-set on the version it
 * replaces), so two promotions racing cannot both win. Scoring loads the serving version once
 * per container and re-reads the pointer at most every `refreshMs`; an artifact that fails
 * its checksum or format is rejected on load, logged, and the version already loaded keeps
 * serving.
 */
export class ModelRegistry {
  private readonly cache = new Map<string, { serving?: Serving; checkedAt: number }>();

  constructor(
    private readonly table: Table,
    private readonly objects: ObjectStore,
    private readonly options: { refreshMs?: number; now?: () => Date } = {},
  ) {}

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  /** Store a trained model as a new version (not serving until promoted). */
  async register(
    model: string,
    artifact: Uint8Array,
    details: { metrics: Record<string, number>; dataWindow?: { from: string; to: string }; rows?: number },
  ): Promise<ModelVersion> {
    // Reject what could not be loaded later, before it is registered.
    FtrlLogisticRegression.fromBytes(artifact);
    const createdAt = this.now().toISOString();
    const version = `v${createdAt.replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    const artifactKey = `models/${model}/${version}.tftl`;
    await this.objects.put(artifactKey, artifact, 'application/octet-stream');
    const record: ModelVersion = {
      model,
      version,
      artifactKey,
      sha256: createHash('sha256').update(artifact).digest('hex'),
      bytes: artifact.length,
      createdAt,
      ...details,
    };
    await this.table.put({ ...record });
    return record;
  }

  async versions(model: string): Promise<{ serving: string | null; versions: ModelVersion[] }> {
    const items = await this.table.query('model', model);
    const pointer = items.find((item) => item['version'] === 'CURRENT');
    const versions = items
      .filter((item) => item !== pointer)
      .map((item) => item as unknown as ModelVersion)
      .sort((a, b) => b.version.localeCompare(a.version));
    return { serving: (pointer?.['serving'] as string | undefined) ?? null, versions };
  }

  /**
   * Make `version` the serving one, if the serving version is still `expected` (null: none
   * yet). ConflictError when another promotion got there first.
   */
  async promote(model: string, version: string, expected: string | null): Promise<void> {
    const record = await this.table.get({ model, version });
    if (!record) throw new NotFoundError(`model ${model} has no version ${version}`);
    const swapped = await this.table.compareAndSet(pointerKey(model), 'serving', expected ?? undefined, {
      serving: version,
      promotedAt: this.now().toISOString(),
    });
    if (!swapped)
      throw new ConflictError(`model ${model} no longer serves ${expected ?? 'nothing'}; re-read and retry`);
    // This container sees its own promotion at once (keeping what it serves until the new
    // version loads); others within `refreshMs`.
    const cached = this.cache.get(model);
    if (cached) cached.checkedAt = Number.NEGATIVE_INFINITY;
  }

  /** The serving model, loaded once and refreshed when the pointer moves. */
  async serving(model: string): Promise<Serving | undefined> {
    const cached = this.cache.get(model);
    const now = this.now().getTime();
    if (cached && now - cached.checkedAt < (this.options.refreshMs ?? 60_000)) return cached.serving;
    const pointer = await this.table.get(pointerKey(model));
    const version = pointer?.['serving'] as string | undefined;
    let serving = cached?.serving;
    if (version && version !== serving?.version) {
      try {
        serving = { version, ...(await this.load(model, version)) };
      } catch (error) {
        if (!(error instanceof ModelArtifactError || error instanceof NotFoundError)) throw error;
        logger.error('model artifact rejected; the loaded version keeps serving', {
          model,
          version,
          keeps: serving?.version ?? null,
          error: (error as Error).message,
        });
      }
    }
    this.cache.set(model, { serving, checkedAt: now });
    return serving;
  }

  private async load(
    model: string,
    version: string,
  ): Promise<{ model: FtrlLogisticRegression; rows: number }> {
    const record = (await this.table.get({ model, version })) as ModelVersion | undefined;
    if (!record) throw new NotFoundError(`model ${model} has no version ${version}`);
    const stream = await this.objects.getStream(record.artifactKey);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    const bytes = Buffer.concat(chunks);
    if (createHash('sha256').update(bytes).digest('hex') !== record.sha256) {
      throw new ModelArtifactError(`artifact of ${model} ${version} does not match its registered sha256`);
    }
    const artifact = decodeArtifact(new Uint8Array(bytes));
    const loaded = FtrlLogisticRegression.deserialize(artifact);
    const stored = artifact.header.meta['calibrator'];
    let calibrator: Calibrator | undefined;
    if (typeof stored === 'string') {
      try {
        calibrator = calibratorFromJson(JSON.parse(stored) as CalibratorJson);
      } catch (error) {
        throw new ModelArtifactError(
          `artifact of ${model} ${version} holds an unreadable calibrator: ${(error as Error).message}`,
        );
      }
    }
    return { model: loaded, rows: record.rows ?? 0, ...(calibrator ? { calibrator } : {}) };
  }
}
