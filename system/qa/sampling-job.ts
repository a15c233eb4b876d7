// The review sampling as the box runs it: a daily croner job (config qa.sampling.schedule)
// that samples every day (in the box's time zone, `timeZone`, else UTC) since the last one it
// sampled (yesterday, normally; at most a week back after the box was off), and on-demand
// runs for a given day. The random picks are
// seeded by qa.sampling.seed, else by a secret made once per box and kept in LMDB, so a day
// sampled again picks the same calls. Runs are serialised; a run never throws into the timer.
import { randomBytes } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { BoxConfig } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import type { QaBook } from './qa-book.ts';
import { qaConfig } from './qa-config.ts';
import { localDate } from '../reports/intervals.ts';
import { DAY_MS, dayStart, nextDay, type SamplingRules, type Selected } from './sampling.ts';

const SEED_KEY = 'qa:sampling-seed';
const LAST_DAY_KEY = 'qa:sampling-last-day';
const MAX_CATCH_UP_DAYS = 7;

export class QaSampling {
  private cron?: Cron;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: { store: Store; book: QaBook; config: () => BoxConfig; log: Logger; now?: () => number }) {}

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  async start(): Promise<void> {
    if (!this.o.store.tables.config.get(SEED_KEY)) {
      await this.o.store.transaction(() => {
        this.o.store.tables.config.put(SEED_KEY, randomBytes(16).toString('hex'));
        this.o.store.appendEvent('secret-created', { name: SEED_KEY });
      });
    }
    const cfg = qaConfig(this.o.config().qa).sampling;
    if (!cfg.enabled) return;
    try {
      this.cron = new Cron(cfg.schedule, { protect: true, catch: true }, () => void this.runScheduled());
      this.o.log.info({ schedule: cfg.schedule, next: this.cron.nextRun()?.toISOString() }, 'QA sampling schedule set');
    } catch (err) {
      this.o.log.error({ code: 'CC_QA_BAD_SCHEDULE', schedule: cfg.schedule, err: (err as Error).message }, 'QA sampling schedule is not a valid cron expression; the daily sampling is off');
    }
  }

  rules(): SamplingRules {
    const c = qaConfig(this.o.config().qa).sampling;
    return { randomPerAgentPerWeek: c.randomPerAgentPerWeek, shortTalkSec: c.shortTalkSec, longHoldSec: c.longHoldSec, abandoned: c.abandoned, transfers: c.transfers, overtalkPct: c.overtalkPct, agitation: c.agitation, silencePct: c.silencePct };
  }

  private seed(): string {
    return qaConfig(this.o.config().qa).sampling.seed ?? String(this.o.store.tables.config.get(SEED_KEY) ?? 'qa');
  }

  /** The box's time zone (days and weeks of the sampling). */
  timeZone(): string {
    return this.o.config().timeZone ?? 'UTC';
  }

  /** Sample the day containing `day` now (on demand); runs queue behind each other. */
  run(day: number, by: string): Promise<Selected[]> {
    const tz = this.timeZone();
    const next = this.chain.then(() => this.o.book.sampleDay(dayStart(day, tz), this.rules(), this.seed(), by, this.now(), tz));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The daily job: every day since the last sampled one, up to yesterday. */
  async runScheduled(): Promise<number> {
    const tz = this.timeZone();
    const yesterday = dayStart(dayStart(this.now(), tz) - 1, tz);
    const last = this.o.store.tables.config.get(LAST_DAY_KEY) as number | undefined;
    const earliest = dayStart(yesterday - (MAX_CATCH_UP_DAYS - 1) * DAY_MS + DAY_MS / 2, tz);
    let day = Math.max(last !== undefined ? nextDay(last, tz) : yesterday, earliest);
    let added = 0;
    try {
      for (; day <= yesterday; day = nextDay(day, tz)) {
        const picked = await this.run(day, 'system');
        added += picked.length;
        const done = day;
        await this.o.store.transaction(() => this.o.store.tables.config.put(LAST_DAY_KEY, done));
        this.o.log.info({ day: localDate(day, tz), selected: picked.length }, 'QA sampling: calls put in review');
      }
    } catch (err) {
      this.o.log.error({ code: 'CC_QA_SAMPLING_FAILED', err }, 'QA sampling run failed; the next run tries the same days again');
    }
    return added;
  }

  close(): void {
    this.cron?.stop();
    this.cron = undefined;
  }
}
