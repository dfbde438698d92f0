import { randomUUID } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import type { TemplateResolver } from './assembly';
import { localAccount, localRegion } from './assembly';
import { matchesPattern } from './event-pattern';
import type { LocalFunctions } from './lambdas';

interface LocalRule {
  readonly name: string;
  readonly pattern?: unknown;
  readonly schedule?: string;
  readonly targets: string[];
}

/**
 * EventBridge on one machine: the rules of the synthesized app. Events put on the bus reach
 * the targets of every rule whose pattern matches; schedule rules fire on a timer with the
 * same Scheduled Event shape as AWS.
 */
export class LocalEventBus {
  readonly rules: LocalRule[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    resolver: TemplateResolver,
    private readonly functions: LocalFunctions,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.rules = resolver.ofType('AWS::Events::Rule').map(([logicalId, resource]) => {
      const props = resolver.resolve(resource.Properties ?? {}) as Record<string, unknown>;
      const targets = ((props['Targets'] as Array<{ Arn: string }>) ?? []).map((t) => t.Arn);
      return {
        name: resolver.physicalName(logicalId),
        pattern: props['EventPattern'],
        schedule: props['ScheduleExpression'] as string | undefined,
        targets,
      };
    });
  }

  /** Deliver an event to the targets of every matching rule; answers how many rules matched. */
  put(event: Record<string, unknown>): number {
    const full = {
      version: '0',
      id: randomUUID(),
      account: localAccount,
      region: localRegion,
      time: new Date().toISOString(),
      resources: [],
      ...event,
    };
    const matching = this.rules.filter((rule) => rule.pattern && matchesPattern(rule.pattern, full));
    for (const rule of matching) this.deliver(rule, full);
    return matching.length;
  }

  /** Fire a schedule rule now, as its timer would. */
  fire(ruleName: string): void {
    const rule = this.rules.find((r) => r.name === ruleName || r.name.startsWith(ruleName));
    if (!rule?.schedule) throw new Error(`no schedule rule ${ruleName}`);
    this.deliver(rule, {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: localAccount,
      time: new Date().toISOString(),
      region: localRegion,
      resources: [`arn:aws:events:${localRegion}:${localAccount}:rule/${rule.name}`],
      detail: {},
    });
  }

  /** Start the timers of the schedule rules. */
  startSchedules(): void {
    for (const rule of this.rules) {
      if (!rule.schedule) continue;
      this.scheduleNext(rule);
      this.log(`schedule ${rule.name}: ${rule.schedule}`);
    }
  }

  private scheduleNext(rule: LocalRule): void {
    const delay = nextDelayMs(rule.schedule ?? '', new Date());
    const timer = setTimeout(
      () => {
        this.fire(rule.name);
        this.scheduleNext(rule);
      },
      Math.min(delay, 2 ** 31 - 1),
    );
    timer.unref();
    this.timers.push(timer);
  }

  private deliver(rule: LocalRule, event: unknown): void {
    for (const target of rule.targets) {
      const call = this.functions.invoke(target, event).then(
        () => this.log(`rule ${rule.name} → ${this.functions.find(target)?.name ?? target}: done`),
        (error: Error) => this.log(`rule ${rule.name} → ${target}: ${error.name}: ${error.message}`),
      );
      this.inFlight.add(call);
      void call.finally(() => this.inFlight.delete(call));
    }
  }

  /** Wait until every delivered event has been handled. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
  }
}

const rateUnits: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Milliseconds until an EventBridge schedule expression (`rate(...)` or `cron(...)`) next fires. */
export function nextDelayMs(expression: string, now: Date): number {
  const rate = /^rate\((\d+)\s+(minute|hour|day)s?\)$/.exec(expression.trim());
  if (rate) return Number(rate[1]) * (rateUnits[rate[2] ?? 'day'] ?? 86_400_000);
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (cron) {
    // EventBridge: minutes hours day-of-month month day-of-week year; '?' means any. UTC.
    const [min, hour, dom, month, dow] = (cron[1] ?? '').trim().split(/\s+/);
    // EventBridge numbers days of the week 1-7 from Sunday; cron-parser 0-6.
    const weekday = dow?.replace(/\d+/g, (n) => String(Number(n) - 1));
    const spec = [min, hour, dom, month, weekday].map((f) => (f === '?' ? '*' : f)).join(' ');
    const next = CronExpressionParser.parse(spec, { currentDate: now, tz: 'UTC' }).next().toDate();
    return next.getTime() - now.getTime();
  }
  throw new Error(`unsupported schedule expression ${expression}`);
}
