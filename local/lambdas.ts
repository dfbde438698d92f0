import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { TemplateResolver } from './assembly';

/** A Lambda function of the synthesized app, bound to its handler module in this repository. */
export interface LocalFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly entry: string;
  readonly exportName: string;
  readonly timeoutSeconds: number;
  readonly environment: Record<string, string>;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * The app's functions, read from the templates (the `Tailor:Entry` / `Tailor:Export` metadata
 * the function construct writes), invoked in-process with a Lambda-shaped context.
 */
export class LocalFunctions {
  readonly all: LocalFunction[];
  private readonly handlers = new Map<string, Promise<Handler>>();

  constructor(resolver: TemplateResolver) {
    this.all = resolver.ofType('AWS::Lambda::Function').flatMap(([logicalId, resource]) => {
      const entry = resource.Metadata?.['Tailor:Entry'];
      const exportName = resource.Metadata?.['Tailor:Export'];
      if (typeof entry !== 'string' || typeof exportName !== 'string') return []; // CDK's own helpers
      const variables = (resource.Properties?.['Environment'] as { Variables?: unknown } | undefined)
        ?.Variables;
      const environment = Object.fromEntries(
        Object.entries((resolver.resolve(variables) as Record<string, unknown>) ?? {}).map(([k, v]) => [
          k,
          String(v),
        ]),
      );
      return [
        {
          logicalId,
          name: resolver.physicalName(logicalId),
          arn: resolver.arn(logicalId),
          entry,
          exportName,
          timeoutSeconds: Number(resource.Properties?.['Timeout'] ?? 3),
          environment,
        },
      ];
    });
  }

  find(nameOrArn: string): LocalFunction | undefined {
    return this.all.find((fn) => fn.arn === nameOrArn || fn.name === nameOrArn || fn.logicalId === nameOrArn);
  }

  /** Where a group's HTTP API handler is: the function whose entry is `functions/<group>/handler.ts#api`. */
  apiFunction(group: string): LocalFunction | undefined {
    return this.all.find((fn) => fn.entry === `functions/${group}/handler.ts` && fn.exportName === 'api');
  }

  /** The environment every function sees locally: the union of theirs (names agree across functions). */
  environment(): Record<string, string> {
    return Object.assign({}, ...this.all.map((fn) => fn.environment));
  }

  private handler(fn: LocalFunction): Promise<Handler> {
    let loaded = this.handlers.get(fn.logicalId);
    if (!loaded) {
      // Entries are relative to the repository root, which is this folder's parent.
      loaded = import(`../${fn.entry.replace(/\.ts$/, '')}`).then((mod: Record<string, unknown>) => {
        const handler =
          mod[fn.exportName] ?? (mod['default'] as Record<string, unknown> | undefined)?.[fn.exportName];
        if (typeof handler !== 'function')
          throw new Error(`${fn.entry} exports no function ${fn.exportName}`);
        return handler as Handler;
      });
      this.handlers.set(fn.logicalId, loaded);
    }
    return loaded;
  }

  /** Invoke like Lambda does: the event, a context, and the function's timeout. */
  async invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    const fn = this.find(nameOrArn);
    if (!fn)
      throw Object.assign(new Error(`no function ${nameOrArn}`), { name: 'ResourceNotFoundException' });
    const handler = await this.handler(fn);
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: '512',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    } satisfies Context;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            Object.assign(new Error(`${fn.name} timed out after ${fn.timeoutSeconds} s`), {
              name: 'States.Timeout',
            }),
          ),
        fn.timeoutSeconds * 1000,
      );
      timer.unref();
    });
    try {
      return await Promise.race([handler(event, context), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
