import type { ModelRegistry } from './registry';

/** The models the predictor keeps versions of. */
export const modelNames = ['ctr', 'cvr', 'uplift'] as const;

/** `GET /models`: every model's versions, newest first, and which one serves. */
export async function listModels(registry: ModelRegistry) {
  const models = await Promise.all(
    modelNames.map(async (model) => {
      const { serving, versions } = await registry.versions(model);
      return { model, current: serving, versions };
    }),
  );
  return { models };
}
