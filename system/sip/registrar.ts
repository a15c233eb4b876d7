// The registrar (RFC 3261 §10): REGISTER with digest auth, several contacts per extension,
// Expires/Min-Expires, unregister (one contact or '*'), query, and an expiry sweep.
// Bindings live in LMDB (table `registrations`), written with their event in one
// transaction before the 200 OK goes out. Also answers "where does extension N ring?".
import type { Store } from '../store/store.ts';
import type { NameAddr, Remote, SipRequest } from './message.ts';
import type { ServerTransaction } from './transactions.ts';
import type { SipEndpoint } from './endpoint.ts';
import type { AuthGuard } from './auth-guard.ts';
import { parseUri } from './codec.ts';

export interface Binding {
  extension: string;
  /** The Contact URI the phone registered. */
  contact: string;
  /** The flow the REGISTER came over: where requests to this contact are sent (NAT-safe). */
  remote: Remote;
  expiresAt: number;
  callId: string;
  cseq: number;
  userAgent?: string;
  registeredAt: number;
}

export interface RegistrarOptions {
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  maxContacts: (extension: string) => number;
  extensionExists: (extension: string) => boolean;
  now?: () => number;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
}

export class Registrar {
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly endpoint: SipEndpoint,
    private readonly auth: AuthGuard,
    private readonly opts: RegistrarOptions,
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  start(sweepEveryMs = 5000): void {
    this.sweepTimer = setInterval(() => void this.sweep().catch((err) => this.opts.log.warn({ err }, 'registration sweep failed')), sweepEveryMs);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.sweepTimer);
  }

  /** Live bindings of an extension, most recent first. */
  lookup(extension: string): Binding[] {
    const now = this.now();
    const all = (this.store.tables.registrations.get(extension) as Binding[] | undefined) ?? [];
    return all.filter((b) => b.expiresAt > now).sort((a, b) => b.registeredAt - a.registeredAt);
  }

  async handle(rq: SipRequest, tx: ServerTransaction): Promise<void> {
    const auth = this.auth.check(rq, tx, false);
    if (!auth.ok) return;
    const aor = parseUri(rq.headers.to.uri);
    const extension = aor?.user;
    if (!extension || extension !== auth.user || !this.opts.extensionExists(extension)) {
      this.endpoint.respond(tx, 403, 'Forbidden');
      return;
    }
    const now = this.now();
    const headerExpires = rq.headers.expires !== undefined ? Number(rq.headers.expires) : undefined;
    const contacts = rq.headers.contact;
    const current = (this.store.tables.registrations.get(extension) as Binding[] | undefined)?.filter((b) => b.expiresAt > now) ?? [];
    let next = current;

    if (contacts === '*') {
      if (headerExpires !== 0) {
        this.endpoint.respond(tx, 400, 'Bad Request (Contact * needs Expires: 0)');
        return;
      }
      next = [];
    } else if (contacts && contacts.length) {
      next = [...current];
      for (const c of contacts) {
        const expires = contactExpires(c, headerExpires, this.opts.defaultExpires);
        if (expires === undefined) {
          this.endpoint.respond(tx, 400, 'Bad Request (expires)');
          return;
        }
        const existing = next.find((b) => b.contact === c.uri);
        if (existing && existing.callId === rq.headers['call-id'] && rq.headers.cseq.seq <= existing.cseq) {
          this.endpoint.respond(tx, 500, 'Server Internal Error (out of order REGISTER)', { headers: { 'retry-after': '1' } });
          return;
        }
        next = next.filter((b) => b.contact !== c.uri);
        if (expires === 0) continue;
        if (expires < this.opts.minExpires) {
          this.endpoint.respond(tx, 423, 'Interval Too Brief', { headers: { 'min-expires': String(this.opts.minExpires) } });
          return;
        }
        next.push({
          extension,
          contact: c.uri,
          remote: tx.remote,
          expiresAt: now + Math.min(expires, this.opts.maxExpires) * 1000,
          callId: rq.headers['call-id'],
          cseq: rq.headers.cseq.seq,
          userAgent: typeof rq.headers['user-agent'] === 'string' ? rq.headers['user-agent'].slice(0, 128) : undefined,
          registeredAt: now,
        });
      }
      // Over the limit: the oldest registrations give way (a rebooted phone re-registers).
      const max = this.opts.maxContacts(extension);
      if (next.length > max) next = next.sort((a, b) => b.registeredAt - a.registeredAt).slice(0, max);
    }

    if (next !== current) {
      const removed = current.filter((b) => !next.some((n) => n.contact === b.contact)).map((b) => b.contact);
      const added = next.filter((b) => !current.some((c) => c.contact === b.contact && c.expiresAt === b.expiresAt)).map((b) => b.contact);
      await this.store.transaction(() => {
        if (next.length) this.store.tables.registrations.put(extension, next);
        else this.store.tables.registrations.remove(extension);
        this.store.appendEvent('registration', { extension, added, removed, source: `${tx.remote.address}:${tx.remote.port}` });
      });
      this.opts.log.info({ extension, added, removed, remote: tx.remote }, 'registration changed');
    }
    const contactHeader: NameAddr[] = next.map((b) => ({ uri: b.contact, params: { expires: String(Math.max(0, Math.round((b.expiresAt - now) / 1000))) } }));
    this.endpoint.respond(tx, 200, 'OK', {
      headers: { contact: contactHeader.length ? contactHeader : undefined, date: new Date(now).toUTCString() },
    });
  }

  /** Remove expired bindings (each removal is one transaction with its event). */
  async sweep(): Promise<number> {
    const now = this.now();
    let removed = 0;
    for (const { key, value } of this.store.tables.registrations.getRange()) {
      const all = value as Binding[];
      const live = all.filter((b) => b.expiresAt > now);
      if (live.length === all.length) continue;
      removed += all.length - live.length;
      await this.store.transaction(() => {
        if (live.length) this.store.tables.registrations.put(key, live);
        else this.store.tables.registrations.remove(key);
        this.store.appendEvent('registration-expired', { extension: key, contacts: all.filter((b) => b.expiresAt <= now).map((b) => b.contact) });
      });
    }
    return removed;
  }
}

function contactExpires(c: NameAddr, headerExpires: number | undefined, fallback: number): number | undefined {
  const raw = c.params.expires;
  if (raw !== undefined && raw !== null) {
    const n = Number(raw);
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  }
  if (headerExpires !== undefined) return Number.isInteger(headerExpires) && headerExpires >= 0 ? headerExpires : undefined;
  return fallback;
}
