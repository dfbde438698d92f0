/**
 * `tailor model`: pull a recommended open model in GGUF form, list what the models folder holds,
 * and serve one on the local SageMaker-protocol endpoint by itself.
 */
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import {
  catalogModel,
  defaultModelsDir,
  downloadUrl,
  huggingFace,
  modelCatalog,
  modelFiles,
} from '../../model/catalog';
import { inspectModelFile, ModelFileError } from '../../model/gguf';
import { PullError, pullModel, readManifest } from '../../model/pull';
import { serveModel } from '../../model/serve';
import { table } from '../output';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 0)} MB`;

export function modelCommand(program: Command): void {
  const model = program.command('model').description('local GGUF models for the local model endpoint');
  const dirOption = (c: Command) =>
    c.option('--dir <dir>', 'the models folder', process.env['TAILOR_MODELS_DIR'] ?? defaultModelsDir());

  dirOption(
    model
      .command('pull <name>')
      .description(`download a recommended model (${modelCatalog.map((m) => m.name).join(', ')})`)
      .option('--from <url>', 'a mirror of huggingface.co to download from', huggingFace),
  ).action(async (name: string, options: { dir: string; from: string }) => {
    const entry = catalogModel(name);
    if (!entry) {
      fail(`unknown model "${name}"; choose one of ${modelCatalog.map((m) => m.name).join(', ')}`);
    }
    const url = downloadUrl(entry, options.from);
    const dest = path.join(options.dir, entry.file);
    const bar = new SingleBar({
      format: `${entry.file} [{bar}] {percentage}% | {done} of {size} | {speed}`,
      hideCursor: true,
    });
    const started = performance.now();
    let from = 0;
    try {
      const result = await pullModel({
        url,
        dest,
        ...(entry.sha256 ? { sha256: entry.sha256 } : {}),
        ...(entry.bytes ? { bytes: entry.bytes } : {}),
        onStart: (resumedFrom, total) => {
          from = resumedFrom;
          if (resumedFrom > 0) console.log(`resuming at ${mb(resumedFrom)}`);
          bar.start(total ?? 0, resumedFrom, {
            done: mb(resumedFrom),
            size: total ? mb(total) : '?',
            speed: '',
          });
        },
        onProgress: (done, total) => {
          const seconds = (performance.now() - started) / 1000;
          bar.update(done, {
            done: mb(done),
            size: total ? mb(total) : '?',
            speed: `${((done - from) / 1e6 / Math.max(seconds, 0.001)).toFixed(1)} MB/s`,
          });
        },
      });
      bar.stop();
      console.log(
        `${result.file}: ${mb(result.bytes)}, sha256 ${result.sha256} (${
          result.verifiedBy === 'none'
            ? 'recorded; no published digest to check against'
            : `checked against the ${result.verifiedBy}'s`
        })`,
      );
      console.log(`Start with it:  TAILOR_MODEL_BACKEND=gguf TAILOR_MODEL_PATH=${result.file} npm start`);
    } catch (error) {
      bar.stop();
      if (!(error instanceof PullError)) throw error;
      if (/cannot reach/.test(error.message)) {
        fail(`${error.message}: download ${url} (${entry.approxSize}) yourself and put it at ${dest}`);
      }
      fail(error.message);
    }
  });

  dirOption(
    model
      .command('list')
      .description('the models in the models folder, and the ones `tailor model pull` offers')
      .option('--json', 'print JSON'),
  ).action(async (options: { dir: string; json?: boolean }) => {
    const rows = [];
    for (const file of modelFiles(options.dir)) {
      const full = path.join(options.dir, file);
      const manifest = await readManifest(full);
      try {
        const info = await inspectModelFile(full);
        rows.push({
          file,
          ...info,
          sha256: manifest?.sha256,
          verifiedBy: manifest?.verifiedBy,
          problem: undefined,
        });
      } catch (error) {
        if (!(error instanceof ModelFileError)) throw error;
        rows.push({ file, problem: error.message });
      }
    }
    if (options.json) {
      console.log(JSON.stringify({ dir: options.dir, models: rows, catalog: modelCatalog }, null, 2));
      return;
    }
    if (rows.length === 0) console.log(`No models in ${options.dir}/ yet.`);
    else {
      console.log(`Models in ${options.dir}/:`);
      console.log(
        table(
          ['file', 'size', 'architecture', 'parameters', 'context', 'chat template', 'checked'],
          rows.map((r) =>
            'problem' in r && r.problem
              ? [r.file, '', 'unusable', r.problem, '', '', '']
              : [
                  r.file,
                  'fileSize' in r && r.fileSize !== undefined ? mb(r.fileSize) : '',
                  'architecture' in r ? r.architecture : '',
                  'parameters' in r && r.parameters !== undefined
                    ? `${(r.parameters / 1e9).toFixed(2)}B`
                    : '',
                  'contextLength' in r ? r.contextLength : '',
                  'hasChatTemplate' in r && r.hasChatTemplate ? 'yes' : 'no',
                  'verifiedBy' in r && r.verifiedBy && r.verifiedBy !== 'none'
                    ? `sha256 (${r.verifiedBy})`
                    : 'no',
                ],
          ),
        ),
      );
    }
    console.log('Recommended (tailor model pull NAME):');
    console.log(
      table(
        ['name', 'parameters', 'download', 'memory', 'licence', 'note'],
        modelCatalog.map((m) => [m.name, m.parameters, m.approxSize, m.memory, m.licence, m.note]),
      ),
    );
  });

  model
    .command('serve')
    .description('serve a model on the local SageMaker-protocol endpoint, without the rest of the system')
    .option(
      '--model <name|file>',
      'a catalog name, a file in the models folder, or a path (sets the gguf backend)',
    )
    .option('--backend <kind>', 'embedded, openai, llamacpp or gguf (default: TAILOR_MODEL_BACKEND)')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '4570')
    .action(async (options: { model?: string; backend?: string; host: string; port: string }) => {
      await serveModel(
        [
          ...(options.model ? ['--model', options.model] : []),
          ...(options.backend ? ['--backend', options.backend] : []),
          '--host',
          options.host,
          '--port',
          options.port,
        ],
        process.env,
      );
    });
}

function fail(message: string): never {
  console.error(`tailor model: ${message}`);
  process.exit(1);
}
