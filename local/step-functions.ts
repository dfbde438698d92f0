import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import type { TemplateResolver } from './assembly';
import type { LocalFunctions } from './lambdas';
import { closeServer, listen } from './net';

type Json = ReturnType<typeof JSON.parse>;
type States = Record<string, Record<string, Json>>;
interface Definition {
  StartAt: string;
  States: States;
  [key: string]: Json;
}

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  done: Promise<void>;
}

const itemsField = '__tailorItems';

/** A `$.a.b` path against a JSON value (the only form the ItemReader parameters use). */
function readPath(value: Json, path: string): Json {
  if (path === '$') return value;
  if (!path.startsWith('$.')) throw new Error(`unsupported path ${path}`);
  return path
    .slice(2)
    .split('.')
    .reduce((v: Json, key) => (v === null || v === undefined ? undefined : v[key]), value);
}

function resolveParameters(parameters: Record<string, Json>, input: Json): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(parameters).map(([key, value]) =>
      key.endsWith('.$') ? [key.slice(0, -2), readPath(input, String(value))] : [key, value],
    ),
  );
}

/**
 * aws-local-stepfunctions runs Distributed Map states but not their ItemReader. This inserts,
 * before each such Map, a Task that reads the items exactly as the ItemReader names them (an S3
 * listing, or a JSON array object), and points the Map's ItemsPath at them. The rest of the
 * synthesized definition runs as written.
 */
export function bindItemReaders(
  states: States,
  startAt: string,
  readers: Map<string, Record<string, Json>>,
): { states: States; startAt: string } {
  const out: States = {};
  const renames = new Map<string, string>();
  for (const [name, state] of Object.entries(states)) {
    const copy: Record<string, Json> = { ...state };
    for (const key of ['ItemProcessor', 'Iterator'] as const) {
      if (copy[key]) {
        const inner = bindItemReaders(copy[key].States, copy[key].StartAt, readers);
        copy[key] = { ...copy[key], States: inner.states, StartAt: inner.startAt };
      }
    }
    if (copy['Branches']) {
      copy['Branches'] = copy['Branches'].map((b: Definition) => {
        const inner = bindItemReaders(b.States, b.StartAt, readers);
        return { ...b, States: inner.states, StartAt: inner.startAt };
      });
    }
    if (copy['Type'] === 'Map' && copy['ItemReader']) {
      if (copy['ItemBatcher'] || copy['ResultWriter']) {
        throw new Error(`${name}: ItemBatcher and ResultWriter are not supported by the local runtime`);
      }
      const readerName = `${name} (ItemReader)`;
      readers.set(readerName, copy['ItemReader']);
      // A failing reader is a failure of the Map state: it is caught where the Map's would be.
      out[readerName] = { Type: 'Task', Resource: 'arn:aws:states:::local:itemReader', Next: name };
      if (copy['Catch']) out[readerName]['Catch'] = copy['Catch'];
      if (copy['InputPath'] !== undefined) {
        out[readerName]['InputPath'] = copy['InputPath'];
        delete copy['InputPath'];
      }
      delete copy['ItemReader'];
      copy['ItemsPath'] = `$.${itemsField}`;
      renames.set(name, readerName);
    }
    out[name] = copy;
  }
  const rename = (target: Json) => (typeof target === 'string' ? (renames.get(target) ?? target) : target);
  for (const [name, state] of Object.entries(out)) {
    if ([...renames.values()].includes(name)) continue;
    if (state['Next']) state['Next'] = rename(state['Next']);
    if (state['Default']) state['Default'] = rename(state['Default']);
    if (Array.isArray(state['Choices'])) {
      state['Choices'] = state['Choices'].map((c: Json) => ({ ...c, Next: rename(c.Next) }));
    }
    if (Array.isArray(state['Catch'])) {
      state['Catch'] = state['Catch'].map((c: Json) => ({ ...c, Next: rename(c.Next) }));
    }
  }
  return { states: out, startAt: renames.get(startAt) ?? startAt };
}

interface LocalMachine {
  readonly arn: string;
  readonly name: string;
  readonly definition: Definition;
  readonly handlers: Record<string, (input: Json) => Promise<Json>>;
}

export class StepFunctionsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Step Functions on one machine: the state machines of the synthesized app, executed by
 * aws-local-stepfunctions with their Task states bound to the local functions, behind the
 * Step Functions API (StartExecution, DescribeExecution, ListExecutions, StopExecution) so the
 * same SDK client works against it.
 */
export class LocalStepFunctions {
  readonly machines = new Map<string, LocalMachine>();
  readonly executions = new Map<string, Execution>();
  private readonly aborts = new Map<string, () => void>();
  private server: Server | undefined;

  constructor(
    resolver: TemplateResolver,
    private readonly functions: LocalFunctions,
    private readonly s3: S3Client,
    private readonly onEvent: (message: string) => void = () => undefined,
  ) {
    for (const [logicalId, resource] of resolver.ofType('AWS::StepFunctions::StateMachine')) {
      const props = resource.Properties ?? {};
      let text = String(resolver.resolve(props['DefinitionString']));
      const substitutions = resolver.resolve(props['DefinitionSubstitutions'] ?? {}) as Record<
        string,
        string
      >;
      for (const [key, value] of Object.entries(substitutions))
        text = text.replaceAll(`\${${key}}`, String(value));
      const parsed = JSON.parse(text) as Definition;
      const readers = new Map<string, Record<string, Json>>();
      const bound = bindItemReaders(parsed.States, parsed.StartAt, readers);
      const definition: Definition = { ...parsed, States: bound.states, StartAt: bound.startAt };
      const handlers: LocalMachine['handlers'] = {};
      for (const [stateName, reader] of readers)
        handlers[stateName] = (input) => this.readItems(reader, input);
      this.bindTasks(definition.States, handlers);
      const arn = resolver.arn(logicalId);
      this.machines.set(arn, { arn, name: resolver.physicalName(logicalId), definition, handlers });
    }
  }

  private bindTasks(states: States, handlers: LocalMachine['handlers']): void {
    for (const [name, state] of Object.entries(states)) {
      if (state['ItemProcessor']) this.bindTasks(state['ItemProcessor'].States, handlers);
      if (state['Iterator']) this.bindTasks(state['Iterator'].States, handlers);
      for (const branch of state['Branches'] ?? []) this.bindTasks(branch.States, handlers);
      if (state['Type'] !== 'Task' || handlers[name]) continue;
      const resource = String(state['Resource']);
      if (resource === 'arn:aws:states:::lambda:invoke') {
        // The SDK integration: Parameters carry FunctionName and Payload; the result wraps Payload.
        handlers[name] = async (input) => {
          const payload = await this.functions.invoke(String(input.FunctionName), input.Payload);
          return { Payload: payload as Json, StatusCode: 200, ExecutedVersion: '$LATEST' };
        };
      } else if (this.functions.find(resource)) {
        handlers[name] = async (input) => (await this.functions.invoke(resource, input)) as Json;
      } else {
        throw new Error(`state ${name}: resource ${resource} has no local binding`);
      }
    }
  }

  private async readItems(reader: Record<string, Json>, input: Json): Promise<Json> {
    const params = resolveParameters(reader['Parameters'] ?? {}, input);
    let items: Json[];
    if (reader['Resource'] === 'arn:aws:states:::s3:listObjectsV2') {
      items = [];
      let token: string | undefined;
      do {
        const page = await this.s3.send(
          new ListObjectsV2Command({
            Bucket: params['Bucket'],
            Prefix: params['Prefix'],
            ContinuationToken: token,
          }),
        );
        for (const o of page.Contents ?? []) {
          items.push({ Key: o.Key, Size: o.Size, Etag: o.ETag, LastModified: o.LastModified?.toISOString() });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } else if (reader['Resource'] === 'arn:aws:states:::s3:getObject') {
      const inputType = reader['ReaderConfig']?.InputType;
      if (inputType !== 'JSON') throw new Error(`ItemReader InputType ${inputType} is not supported locally`);
      const object = await this.s3.send(
        new GetObjectCommand({ Bucket: params['Bucket'], Key: params['Key'] }),
      );
      items = JSON.parse((await object.Body?.transformToString('utf8')) ?? '[]');
    } else {
      throw new Error(`ItemReader ${reader['Resource']} is not supported locally`);
    }
    const max = Number(reader['ReaderConfig']?.MaxItems ?? 0);
    return { ...(input as object), [itemsField]: max > 0 ? items.slice(0, max) : items };
  }

  start(stateMachineArn: string, input: string, name = randomUUID()): Execution {
    const machine = this.machines.get(stateMachineArn);
    if (!machine)
      throw new StepFunctionsError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    if (this.executions.has(executionArn)) {
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    let parsedInput: Json;
    try {
      parsedInput = JSON.parse(input || '{}');
    } catch {
      throw new StepFunctionsError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: not JSON',
      );
    }
    const sm = new StateMachine(machine.definition as never, { validationOptions: { checkArn: false } });
    const startDate = new Date();
    const run = sm.run(parsedInput, {
      overrides: { taskResourceLocalHandlers: machine.handlers as never },
      context: {
        Execution: { Id: executionArn, Name: name, Input: parsedInput, StartTime: startDate.toISOString() },
      },
    });
    this.aborts.set(executionArn, run.abort);
    const execution: Execution = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate,
      input,
      done: Promise.resolve(),
    };
    this.onEvent(`execution ${name} of ${machine.name} started`);
    execution.done = run.result.then(
      (output) => {
        Object.assign(execution, {
          status: 'SUCCEEDED',
          output: JSON.stringify(output),
          stopDate: new Date(),
        });
        this.onEvent(`execution ${name} succeeded`);
      },
      (error: Error & { cause?: unknown }) => {
        const inner = (error.cause ?? error) as Error & { cause?: unknown };
        const status =
          error.name === 'ExecutionAbortedError'
            ? 'ABORTED'
            : error.name === 'ExecutionTimeoutError'
              ? 'TIMED_OUT'
              : 'FAILED';
        Object.assign(execution, {
          status,
          error: inner.name,
          cause: String(inner.cause ?? inner.message),
          stopDate: new Date(),
        });
        this.onEvent(`execution ${name} ${status.toLowerCase()}: ${inner.name}`);
      },
    );
    this.executions.set(executionArn, execution);
    return execution;
  }

  /** Wait for every running execution (used on shutdown and by tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }

  abortAll(): void {
    for (const [arn, abort] of this.aborts) {
      if (this.executions.get(arn)?.status === 'RUNNING') abort();
    }
  }

  private describe(executionArn: string) {
    const e = this.executions.get(executionArn);
    if (!e)
      throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return {
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate.getTime() / 1000,
      stopDate: e.stopDate ? e.stopDate.getTime() / 1000 : undefined,
      input: e.input,
      output: e.output,
      error: e.error,
      cause: e.cause,
    };
  }

  /** One Step Functions API call (the JSON 1.0 protocol's target and body). */
  call(action: string, body: Record<string, Json>): unknown {
    switch (action) {
      case 'StartExecution': {
        const e = this.start(String(body['stateMachineArn']), body['input'] ?? '{}', body['name']);
        return { executionArn: e.executionArn, startDate: e.startDate.getTime() / 1000 };
      }
      case 'DescribeExecution':
        return this.describe(String(body['executionArn']));
      case 'StopExecution': {
        const abort = this.aborts.get(String(body['executionArn']));
        if (!abort) throw new StepFunctionsError('ExecutionDoesNotExist', 'Execution Does Not Exist');
        abort();
        return { stopDate: Date.now() / 1000 };
      }
      case 'ListExecutions':
        return {
          executions: [...this.executions.values()]
            .filter((e) => e.stateMachineArn === body['stateMachineArn'])
            .map((e) => ({ ...this.describe(e.executionArn), input: undefined, output: undefined })),
        };
      case 'ListStateMachines':
        return {
          stateMachines: [...this.machines.values()].map((m) => ({
            stateMachineArn: m.arn,
            name: m.name,
            type: 'STANDARD',
            creationDate: 0,
          })),
        };
      default:
        throw new StepFunctionsError('UnknownOperationException', `${action} is not implemented locally`);
    }
  }

  async listen(host: string, port: number): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const action = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
        let status = 200;
        let payload: unknown;
        try {
          payload = this.call(action, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
        } catch (error) {
          status = 400;
          const type = error instanceof StepFunctionsError ? error.type : 'ValidationException';
          payload = { __type: type, message: (error as Error).message };
        }
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(payload));
      });
    });
    return listen(this.server, host, port, 'Step Functions');
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}
