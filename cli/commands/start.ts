import path from 'node:path';
import { ConfigurationError } from '../../core/errors';
import { dynamoEngineFromEnv, dynamoEngineNames } from '../../local/dynamodb';
import { PortInUseError } from '../../local/net';
import { defaultPorts, startLocal } from '../../local/runtime';
import { backendFromConfig } from '../../model/backends';
import { defaultModelsDir } from '../../model/catalog';
import { pairs } from '../output';

export interface StartOptions {
  host: string;
  port: string;
  dynamodbPort: string;
  dynamodb?: string;
  s3Port: string;
  sfnPort: string;
  modelPort: string;
  dataDir: string;
  inMemory?: boolean;
  schedules: boolean;
  verbose?: boolean;
  /** A GGUF model for the model endpoint (sets TAILOR_MODEL_BACKEND=gguf). */
  model?: string;
}

/** `tailor start`: the whole system on this machine, until Ctrl-C. */
export async function start(options: StartOptions): Promise<void> {
  const started = performance.now();
  const port = (value: string, name: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65_535)
      throw new Error(`--${name} must be a port number, not "${value}"`);
    return n;
  };
  let system: Awaited<ReturnType<typeof startLocal>>;
  try {
    // The model backend: TAILOR_MODEL_* settings, or the --model flag; a GGUF model is looked
    // for in <data dir>/models unless TAILOR_MODELS_DIR says otherwise.
    const modelBackend = backendFromConfig({
      TAILOR_MODELS_DIR: defaultModelsDir(path.resolve(options.dataDir)),
      ...process.env,
      ...(options.model ? { TAILOR_MODEL_BACKEND: 'gguf', TAILOR_MODEL_PATH: options.model } : {}),
    });
    // A model is loaded before the emulators start, so a bad file stops the start at once.
    await modelBackend.load?.();
    system = await startLocal({
      modelBackend,
      host: options.host,
      inMemory: options.inMemory,
      dynamodb: dynamoEngineFromEnv({ TAILOR_DYNAMODB: options.dynamodb ?? process.env['TAILOR_DYNAMODB'] }),
      dataDir: options.dataDir,
      schedules: options.schedules,
      ports: {
        api: port(options.port, 'port'),
        dynamodb: port(options.dynamodbPort, 'dynamodb-port'),
        s3: port(options.s3Port, 's3-port'),
        stepfunctions: port(options.sfnPort, 'sfn-port'),
        model: port(options.modelPort, 'model-port'),
      },
      log: (line) => console.log(`  ${new Date().toISOString().slice(11, 19)} ${line}`),
    });
  } catch (error) {
    // A setting or a model file that cannot be used: one line, no stack.
    if (
      error instanceof ConfigurationError ||
      error instanceof PortInUseError ||
      /is taken|DynamoDB Local|TAILOR_DYNAMODB/.test((error as Error).message)
    ) {
      console.error(`tailor start: ${(error as Error).message}`);
      process.exit(1);
    }
    throw error;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `Tailor is running locally (${options.inMemory ? 'in memory' : `data in ${options.dataDir}/`})`,
  );
  console.log(
    pairs([
      ['HTTP API', system.apiUrl],
      ['Web console', `${system.apiUrl}/`],
      [dynamoEngineNames[system.dynamodb], system.endpoints.dynamodb],
      ['S3 (s3rver)', `${system.endpoints.s3}  bucket ${system.bucket}`],
      ['Step Functions', system.endpoints.stepfunctions],
      ['Model endpoint', `${system.endpoints.model}  (${system.modelBackend} backend)`],
    ]),
  );
  console.log(`Try:  curl ${system.apiUrl}/health`);
  console.log(`Ready in ${seconds} s. Ctrl-C stops.`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      console.log('forced exit');
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: stopping (waiting for work under way, then closing the stores)…`);
    await system.close();
    console.log('stopped cleanly');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

export { defaultPorts };
