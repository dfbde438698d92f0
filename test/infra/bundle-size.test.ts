import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { bundlingOptions, ENTRY_METADATA, projectRoot } from '../../lib/constructs/tailor-function';
import { buildTestApp } from './synth';

// Each function's code, bundled as the construct bundles it (esbuild with the same options,
// in memory), must stay under 1 MB: the code a cold start loads and parses. Source maps are
// written beside it and not counted.
const limit = 1_000_000;

const entries = (() => {
  const { service } = buildTestApp();
  const functions = Template.fromStack(service).findResources('AWS::Lambda::Function');
  const found = new Set<string>();
  for (const fn of Object.values(functions) as Array<{ Metadata?: Record<string, unknown> }>) {
    const entry = fn.Metadata?.[ENTRY_METADATA];
    if (typeof entry === 'string') found.add(entry);
  }
  return [...found].sort();
})();

describe('function bundles', () => {
  it('finds the function entries in the synthesized service stack', () => {
    expect(entries.length).toBeGreaterThanOrEqual(4);
  });

  it.each(entries)(
    'bundles %s under 1 MB',
    async (entry) => {
      const result = await build({
        entryPoints: [join(projectRoot(), entry)],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: bundlingOptions.target,
        minify: bundlingOptions.minify,
        mainFields: bundlingOptions.mainFields,
        external: bundlingOptions.externalModules,
        tsconfig: join(projectRoot(), 'tsconfig.json'),
        write: false,
        logLevel: 'silent',
      });
      const bytes = result.outputFiles[0]!.contents.length;
      expect(bytes).toBeLessThan(limit);
    },
    60_000,
  );
});
