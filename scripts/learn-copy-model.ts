/**
 * Learn the embedded generator's Chinese copy model from the AdvertiseGen train records and
 * write the artifact `npm start` loads:
 *
 *   npx tsx scripts/learn-copy-model.ts [--in ../shared/data/advertisegen/train-first-5000.json]
 *
 * Only the train records are read (the dev split is for scoring, bench/generate-advertisegen.ts).
 * The artifact holds clause templates and counts, not records (see model/embedded/copy-model.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CopyRecord, learnCopyModel, parseContent } from '../model/embedded/copy-model';
import { copyModelPath } from '../model/embedded/zh-writer';

const { values } = parseArgs({
  options: {
    in: {
      type: 'string',
      default: join(
        import.meta.dirname,
        '..',
        '..',
        'shared',
        'data',
        'advertisegen',
        'train-first-5000.json',
      ),
    },
    out: { type: 'string', default: copyModelPath },
  },
});
const records: CopyRecord[] = readFileSync(values.in!, 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => {
    const { content, summary } = JSON.parse(line) as { content: string; summary: string };
    return { attributes: parseContent(content), copy: summary };
  });
const model = learnCopyModel(
  records,
  'AdvertiseGen train split, first 5,000 records (Shao et al., EMNLP 2019; research use)',
);
writeFileSync(values.out!, `${JSON.stringify(model)}\n`);
const counts = Object.entries(model.types).map(
  ([type, m]) =>
    `${type}: ${m.templates.length} templates, ${m.opening.length + m.middle.length + m.closing.length} connective clauses`,
);
console.log(`${records.length} train records → ${values.out}\n${counts.join('\n')}`);
