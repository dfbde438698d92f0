import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

/** Starting and reading a state machine execution: the port the cores see. */
export interface Workflow {
  start(name: string, input: unknown): Promise<{ executionArn: string }>;
  describe(executionArn: string): Promise<{ status: string; output?: unknown; error?: string }>;
}

/** The workflow port on one Step Functions state machine. */
export class StepFunctionsWorkflow implements Workflow {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: unknown): Promise<{ executionArn: string }> {
    const out = await this.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.stateMachineArn,
        name,
        input: JSON.stringify(input),
      }),
    );
    return { executionArn: out.executionArn ?? '' };
  }

  async describe(executionArn: string): Promise<{ status: string; output?: unknown; error?: string }> {
    const out = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      status: out.status ?? 'UNKNOWN',
      output: out.output ? JSON.parse(out.output) : undefined,
      error: out.error,
    };
  }
}
