import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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
 *
 * Deliveries are asynchronous invocations, and like Lambda's they survive a crash: with a
 * journal folder, each delivery is written there before its target is invoked and removed when
 * the invocation has ended (answered or thrown). A process killed meanwhile leaves the file,
 * and {@link replayPending} at the next start invokes the target again with the same event,
 * as Lambda retries an async invocation whose run died. Targets must therefore be idempotent
 * (ingestion is: it starts the file over, writes the same raw parts and counts afresh).
 */
export class LocalEventBus {
  readonly rules: LocalRule[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    resolver: TemplateResolver,
    private readonly functions: LocalFunctions,
    private readonly log: (line: string) => void = () => undefined,
    /** Where deliveries wait until their invocation ends; none: not kept. */
    private readonly journal?: string,
  ) {
    if (journal) mkdirSync(journal, { recursive: true });
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

  /**
   * Invoke again every delivery a previous process left unfinished (oldest first); answers how
   * many. Call once at start, before new events arrive.
   */
  replayPending(): number {
    if (!this.journal) return 0;
    const files = readdirSync(this.journal)
      .filter((f) => f.endsWith('.json'))
      .sort();
    let replayed = 0;
    for (const name of files) {
      const file = path.join(this.journal, name);
      let entry: { rule: string; target: string; event: unknown };
      try {
        entry = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        // Cut short by the crash: written before the invocation started, so nothing ran.
        rmSync(file, { force: true });
        continue;
      }
      const rule = this.rules.find((r) => r.name === entry.rule);
      if (rule) {
        this.log(`rule ${rule.name} → ${entry.target}: replaying a delivery interrupted by a stop`);
        // The new delivery's file is written before the old one goes: a crash here loses neither.
        this.invoke(rule, entry.target, entry.event);
        replayed++;
      }
      rmSync(file, { force: true });
    }
    return replayed;
  }

  private deliver(rule: LocalRule, event: unknown): void {
    for (const target of rule.targets) this.invoke(rule, target, event);
  }

  private invoke(rule: LocalRule, target: string, event: unknown): void {
    let file: string | undefined;
    if (this.journal) {
      file = path.join(this.journal, `${Date.now().toString().padStart(15, '0')}-${randomUUID()}.json`);
      writeFileSync(file, JSON.stringify({ rule: rule.name, target, event }));
    }
    {
      const call = this.functions.invoke(target, event).then(
        () => this.log(`rule ${rule.name} → ${this.functions.find(target)?.name ?? target}: done`),
        (error: Error) => this.log(`rule ${rule.name} → ${target}: ${error.name}: ${error.message}`),
      );
      this.inFlight.add(call);
      void call.finally(() => {
        this.inFlight.delete(call);
        if (file) rmSync(file, { force: true });
      });
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
