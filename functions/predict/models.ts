import type { Table } from '../shared/ports';

/** The models the predictor keeps versions of. */
export const modelNames = ['ctr', 'cvr', 'uplift'] as const;

export interface ModelVersion {
  readonly model: string;
  readonly version: string;
  readonly createdAt?: string;
  readonly artifactKey?: string;
  readonly metrics?: Record<string, number>;
}

/**
 * The registry: each model's versions (sort key `version`) plus a `CURRENT` pointer item whose
 * `version` attribute names the serving version.
 */
export async function listModels(registry: Table) {
  const models = await Promise.all(
    modelNames.map(async (model) => {
      const items = await registry.query('model', model);
      const pointer = items.find((item) => item['version'] === 'CURRENT');
      const versions = items
        .filter((item) => item !== pointer)
        .map((item) => item as unknown as ModelVersion)
        .sort((a, b) => b.version.localeCompare(a.version));
      return { model, current: (pointer?.['serving'] as string | undefined) ?? null, versions };
    }),
  );
  return { models };
}
