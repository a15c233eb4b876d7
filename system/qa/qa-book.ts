// The QA records in LMDB: scorecard versions (table qa-scorecards, key [name, version];
// saving writes a new version and never touches an old one, so a score keeps the version it
// used), the review queue (qa-reviews, key call id) and the scores (qa-scores, key call id).
// Every change is one transaction with its event row; scoring, disputes and their resolution
// also write an audit row. State checks run inside the write transaction, so two supervisors
// acting at once cannot both win. Decisions are the pure modules beside this one.
import { appendAudit } from '../audit/audit-log.ts';
import type { Cdr } from '../calls/cdr.ts';
import type { Store } from '../store/store.ts';
import { QaError } from './errors.ts';
import { qaReport, type ReportBy, type ReportInterval, type ReportRow } from './report.ts';
import { nextReviewStatus, type ReviewAction, type ReviewStatus } from './review-states.ts';
import { localDate } from '../reports/intervals.ts';
import { DAY_MS, dayStart, nextDay, sampleCallFromCdr, selectForReview, type ReviewReason, type SampleCall, type SpeechSample, type SamplingRules, type Selected } from './sampling.ts';
import { validateScorecard, type ScorecardVersion } from './scorecard.ts';
import { scoreCall, type Answers, type CriterionResult } from './scoring.ts';

export interface QaReview {
  callId: string;
  /** The agent under review; absent for a queue caller who never reached one. */
  agent?: string;
  queue?: string;
  /** Why it is in review: the first of `reasons`. */
  reason: ReviewReason;
  reasons: ReviewReason[];
  status: ReviewStatus;
  /** When the call started. */
  callAt: number;
  selectedAt: number;
  selectedBy: string;
  updatedAt: number;
}

export interface QaScore {
  callId: string;
  /** The agent scored ('' for a call no agent took). */
  agent: string;
  queue?: string;
  callAt: number;
  scorecard: string;
  version: number;
  answers: Answers;
  /** 0–100; 0 when a critical criterion failed. */
  score: number;
  failed: boolean;
  weightedScore: number;
  failedBy: string[];
  criteria: Record<string, CriterionResult>;
  scorer: string;
  at: number;
  comments: string;
  status: ReviewStatus;
  dispute?: { by: string; at: number; reason: string };
  resolution?: { by: string; at: number; outcome: 'upheld' | 'revised'; note: string; previousScore: number };
}

const LAST = Number.MAX_SAFE_INTEGER;
const MAX_CALL_MS = DAY_MS;

export class QaBook {
  constructor(private readonly store: Store) {}

  private get t() {
    return this.store.tables;
  }

  // ---- scorecards ----

  latestScorecard(name: string): ScorecardVersion | undefined {
    for (const { value } of this.t.qaScorecards.getRange({ start: [name, LAST], end: [name, 0], reverse: true, limit: 1 })) return value as ScorecardVersion;
    return undefined;
  }

  scorecard(name: string, version?: number): ScorecardVersion {
    const card = version === undefined ? this.latestScorecard(name) : (this.t.qaScorecards.get([name, version]) as ScorecardVersion | undefined);
    if (!card) throw new QaError('CC_QA_NO_SCORECARD', version === undefined ? `no scorecard ${name}` : `no version ${version} of scorecard ${name}`);
    return card;
  }

  /** The newest version of every scorecard (retired ones included, flagged). */
  scorecards(): (ScorecardVersion & { versions: number })[] {
    const out = new Map<string, ScorecardVersion & { versions: number }>();
    for (const { value } of this.t.qaScorecards.getRange()) {
      const v = value as ScorecardVersion;
      out.set(v.name, { ...v, versions: (out.get(v.name)?.versions ?? 0) + 1 });
    }
    return [...out.values()];
  }

  versions(name: string): Omit<ScorecardVersion, 'sections'>[] {
    return [...this.t.qaScorecards.getRange({ start: [name, 0], end: [name, LAST] })].map(({ value }) => {
      const { sections: _s, ...meta } = value as ScorecardVersion;
      return meta;
    });
  }

  /** Validate `doc` and store it as the next version of its name. */
  async saveScorecard(doc: unknown, by: string, now = Date.now()): Promise<ScorecardVersion> {
    const check = validateScorecard(doc);
    if (!check.ok) throw new QaError('CC_QA_SCORECARD_INVALID', `the scorecard has ${check.errors.length} problem(s): ${check.errors.slice(0, 3).map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`, check.errors);
    return this.store.transaction(() => {
      const version = (this.latestScorecard(check.scorecard.name)?.version ?? 0) + 1;
      const row: ScorecardVersion = { ...check.scorecard, version, savedAt: now, savedBy: by };
      this.t.qaScorecards.put([row.name, version], row);
      this.store.appendEvent('qa-scorecard-saved', { scorecard: row.name, version, by }, now);
      appendAudit(this.store, { actor: by, action: 'qa-scorecard-save', outcome: 'ok', target: `${row.name} v${version}` }, now);
      return row;
    });
  }

  /** Delete a scorecard: a last version marked retired; old versions stay for their scores. */
  async retireScorecard(name: string, by: string, now = Date.now()): Promise<ScorecardVersion> {
    return this.store.transaction(() => {
      const latest = this.scorecard(name);
      if (latest.retired) return latest;
      const row: ScorecardVersion = { ...latest, version: latest.version + 1, savedAt: now, savedBy: by, retired: true };
      this.t.qaScorecards.put([name, row.version], row);
      this.store.appendEvent('qa-scorecard-retired', { scorecard: name, version: row.version, by }, now);
      appendAudit(this.store, { actor: by, action: 'qa-scorecard-retire', outcome: 'ok', target: name }, now);
      return row;
    });
  }

  // ---- the review queue ----

  reviews(filter: { status?: ReviewStatus; agent?: string } = {}): QaReview[] {
    const out: QaReview[] = [];
    for (const { value } of this.t.qaReviews.getRange()) {
      const r = value as QaReview;
      if ((filter.status && r.status !== filter.status) || (filter.agent && r.agent !== filter.agent)) continue;
      out.push(r);
    }
    return out.sort((a, b) => b.callAt - a.callAt);
  }

  review(callId: string): QaReview | undefined {
    return this.t.qaReviews.get(callId) as QaReview | undefined;
  }

  /** The calls that started on the local day starting at `day` (found through their call-ended events). */
  callsOfDay(day: number, timeZone = 'UTC'): SampleCall[] {
    const out: SampleCall[] = [];
    const end = nextDay(day, timeZone);
    for (const { value } of this.t.events.getRange({ start: [day, 0], end: [end + MAX_CALL_MS, 0] })) {
      const e = value as { type: string; callId?: string };
      if (e.type !== 'call-ended' || !e.callId) continue;
      const cdr = this.t.cdr.get(e.callId) as Cdr | undefined;
      if (cdr && cdr.startedAt >= day && cdr.startedAt < end) out.push(sampleCallFromCdr(cdr, (this.t.speechAnalytics.get(e.callId) as { figures?: SpeechSample } | undefined)?.figures));
    }
    return out;
  }

  /** Sample the (local) day that `day` falls in into the review queue; returns what was added. */
  async sampleDay(day: number, rules: SamplingRules, seed: string, by: string, now = Date.now(), timeZone = 'UTC'): Promise<Selected[]> {
    day = dayStart(day, timeZone);
    const calls = this.callsOfDay(day, timeZone);
    return this.store.transaction(() => {
      const existing = [...this.t.qaReviews.getRange()].map(({ value }) => value as QaReview);
      const picked = selectForReview({ calls, existing, rules, day, seed, timeZone });
      for (const s of picked) {
        const row: QaReview = { callId: s.callId, ...(s.agent ? { agent: s.agent } : {}), ...(s.queue ? { queue: s.queue } : {}), reason: s.reasons[0]!, reasons: s.reasons, status: 'open', callAt: s.callAt, selectedAt: now, selectedBy: by, updatedAt: now };
        this.t.qaReviews.put(s.callId, row);
        this.store.appendEvent('qa-review-opened', { callId: s.callId, agent: s.agent, reasons: s.reasons, by }, now);
      }
      this.store.appendEvent('qa-sampling-run', { day: localDate(day, timeZone), calls: calls.length, selected: picked.length, by }, now);
      return picked;
    });
  }

  // ---- scores ----

  score(callId: string): QaScore | undefined {
    return this.t.qaScores.get(callId) as QaScore | undefined;
  }

  scoresOf(agent: string): QaScore[] {
    return this.allScores().filter((s) => s.agent === agent).sort((a, b) => b.callAt - a.callAt);
  }

  allScores(): QaScore[] {
    return [...this.t.qaScores.getRange()].map(({ value }) => value as QaScore);
  }

  report(o: { by: ReportBy; interval: ReportInterval; from?: number; to?: number; agent?: string; timeZone?: string }): ReportRow[] {
    return qaReport(o.agent ? this.scoresOf(o.agent) : this.allScores(), o);
  }

  /** Score a call (from the queue, or any call with a CDR: it joins the queue as 'manual'); again while undisputed. */
  async scoreCall(callId: string, o: { scorecard: string; version?: number; answers: Answers; comments?: string }, scorer: string, now = Date.now()): Promise<QaScore> {
    const cdr = this.t.cdr.get(callId) as Cdr | undefined;
    if (!cdr) throw new QaError('CC_QA_NO_CALL', `no call ${callId}`);
    const latest = this.scorecard(o.scorecard);
    if (latest.retired) throw new QaError('CC_QA_SCORECARD_RETIRED', `scorecard ${o.scorecard} was deleted`);
    const card = o.version === undefined ? latest : this.scorecard(o.scorecard, o.version);
    const check = scoreCall(card, o.answers);
    if (!check.ok) throw new QaError(check.code, `the answers do not fit ${card.name} v${card.version}: ${check.problems.slice(0, 3).map((p) => `${p.path} ${p.message}`).join('; ')}`, check.problems);
    return this.store.transaction(() => {
      const review = this.review(callId) ?? this.manualReview(cdr, scorer, now);
      const status = this.step(review, 'score');
      const previous = this.score(callId);
      const r = check.result;
      const row: QaScore = {
        callId, agent: review.agent ?? '', ...(review.queue ? { queue: review.queue } : {}), callAt: review.callAt,
        scorecard: card.name, version: card.version, answers: o.answers,
        score: r.score, failed: r.failed, weightedScore: r.weightedScore, failedBy: r.failedBy, criteria: r.criteria,
        scorer, at: now, comments: o.comments ?? '', status,
      };
      this.t.qaScores.put(callId, row);
      this.t.qaReviews.put(callId, { ...review, status, updatedAt: now });
      this.store.appendEvent('qa-scored', { callId, agent: row.agent, scorecard: card.name, version: card.version, score: r.score, failed: r.failed, by: scorer }, now);
      appendAudit(this.store, {
        actor: scorer, action: 'qa-score', outcome: 'ok', target: callId,
        detail: { agent: row.agent, scorecard: card.name, version: card.version, score: r.score, failed: r.failed, ...(previous ? { previousScore: previous.score } : {}) },
      }, now);
      return row;
    });
  }

  /** The agent disputes their score, with a reason. */
  async dispute(callId: string, agent: string, reason: string, now = Date.now()): Promise<QaScore> {
    return this.store.transaction(() => {
      const score = this.score(callId);
      if (!score || score.agent !== agent) throw new QaError(score ? 'CC_QA_FORBIDDEN' : 'CC_QA_NO_SCORE', score ? 'an agent disputes only their own scores' : `call ${callId} has no score`);
      const review = this.review(callId)!;
      const status = this.step(review, 'dispute');
      const row: QaScore = { ...score, status, dispute: { by: agent, at: now, reason } };
      this.t.qaScores.put(callId, row);
      this.t.qaReviews.put(callId, { ...review, status, updatedAt: now });
      this.store.appendEvent('qa-disputed', { callId, agent, by: agent }, now);
      appendAudit(this.store, { actor: agent, action: 'qa-dispute', outcome: 'ok', target: callId, detail: { score: score.score, reason } }, now);
      return row;
    });
  }

  /** A supervisor resolves a dispute: the score stands (upheld) or is re-scored on the same scorecard version (revised). */
  async resolve(callId: string, o: { outcome: 'upheld' | 'revised'; note: string; answers?: Answers; comments?: string }, by: string, now = Date.now()): Promise<QaScore> {
    const before = this.score(callId);
    if (!before) throw new QaError('CC_QA_NO_SCORE', `call ${callId} has no score`);
    let revised: ReturnType<typeof scoreCall> | undefined;
    if (o.outcome === 'revised') {
      if (!o.answers) throw new QaError('CC_QA_ANSWERS_INVALID', 'a revised score needs the new answers', [{ path: '/answers', message: 'required when the outcome is revised' }]);
      revised = scoreCall(this.scorecard(before.scorecard, before.version), o.answers);
      if (!revised.ok) throw new QaError(revised.code, `the answers do not fit ${before.scorecard} v${before.version}`, revised.problems);
    }
    return this.store.transaction(() => {
      const score = this.score(callId)!;
      const review = this.review(callId)!;
      const status = this.step(review, 'resolve');
      const r = revised?.ok ? revised.result : undefined;
      const row: QaScore = {
        ...score,
        ...(r && o.answers ? { answers: o.answers, score: r.score, failed: r.failed, weightedScore: r.weightedScore, failedBy: r.failedBy, criteria: r.criteria } : {}),
        ...(o.comments !== undefined ? { comments: o.comments } : {}),
        status,
        resolution: { by, at: now, outcome: o.outcome, note: o.note, previousScore: score.score },
      };
      this.t.qaScores.put(callId, row);
      this.t.qaReviews.put(callId, { ...review, status, updatedAt: now });
      this.store.appendEvent('qa-resolved', { callId, agent: score.agent, outcome: o.outcome, score: row.score, by }, now);
      appendAudit(this.store, {
        actor: by, action: 'qa-dispute-resolve', outcome: 'ok', target: callId,
        detail: { agent: score.agent, outcome: o.outcome, previousScore: score.score, score: row.score, note: o.note },
      }, now);
      return row;
    });
  }

  private step(review: QaReview, action: ReviewAction): ReviewStatus {
    const next = nextReviewStatus(review.status, action);
    if (!next) throw new QaError('CC_QA_BAD_TRANSITION', `a review that is ${review.status} cannot take "${action}"`);
    return next;
  }

  private manualReview(cdr: Cdr, by: string, now: number): QaReview {
    const call = sampleCallFromCdr(cdr);
    const row: QaReview = { callId: cdr.callId, ...(call.agent ? { agent: call.agent } : {}), ...(call.queue ? { queue: call.queue } : {}), reason: 'manual', reasons: ['manual'], status: 'open', callAt: cdr.startedAt, selectedAt: now, selectedBy: by, updatedAt: now };
    this.store.appendEvent('qa-review-opened', { callId: cdr.callId, agent: call.agent, reasons: ['manual'], by }, now);
    return row;
  }
}
