/**
 * The local model endpoint by itself: `tsx model/serve.ts [--model FILE] [--port N] [--host H]`,
 * with the backend chosen by the TAILOR_MODEL_* settings (`--model` sets the gguf backend).
 * `tailor model serve` runs this; it imports only model/, so it starts in a fraction of the
 * CLI's time. Prints `Model endpoint URL (backend)` once it listens; a setting or a model file
 * that cannot be used is one line on stderr and exit code 1.
 */
import { parseArgs } from 'node:util';
import { ConfigurationError } from '../core/errors';
import { backendFromConfig } from './backends';
import { startModelServer } from './server';

export async function serveModel(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      model: { type: 'string' },
      backend: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '4570' },
    },
  });
  try {
    const backend = backendFromConfig({
      ...env,
      ...(values.model ? { TAILOR_MODEL_BACKEND: 'gguf', TAILOR_MODEL_PATH: values.model } : {}),
      ...(values.backend ? { TAILOR_MODEL_BACKEND: values.backend } : {}),
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new ConfigurationError(`--port must be a port number, not "${values.port}"`);
    }
    const server = await startModelServer({ host: values.host, port, backend });
    const device = (backend as { device?: string }).device;
    console.log(`Model endpoint ${server.url}  (${backend.name} backend${device ? `, ${device}` : ''})`);
    const stop = () => void server.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(`tailor model serve: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await serveModel(process.argv.slice(2), process.env);
}
