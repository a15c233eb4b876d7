// Connections the box opened that never became usable (transport.ts 'flowFailed': refused,
// unreachable, TLS handshake failed, a trunk's certificate not trusted or not the pinned one)
// become event rows `sip-connection-failed` for the technician (one per remote and code per
// minute, so a dead trunk under load does not fill the log). The warning log line is the
// transport's; the failed requests got their 503 from the endpoint.
import type { Store } from '../store/store.ts';
import type { SipTransport } from './transport.ts';
import { remoteKey, type Remote } from './message.ts';

export function recordConnectionFailures(transport: SipTransport, store: Store, o: { everyMs?: number; now?: () => number } = {}): () => void {
  const last = new Map<string, number>();
  const every = o.everyMs ?? 60_000;
  const now = o.now ?? Date.now;
  const onFailure = (remote: Remote, failure: { code: string; reason: string }): void => {
    const key = `${remoteKey(remote)}|${failure.code}`;
    const t = now();
    if ((last.get(key) ?? -Infinity) > t - every) return;
    last.set(key, t);
    if (last.size > 1000) last.clear();
    void store.transaction(() => store.appendEvent('sip-connection-failed', { remote: remoteKey(remote), code: failure.code, reason: failure.reason })).catch(() => undefined);
  };
  transport.on('flowFailed', onFailure);
  return () => transport.off('flowFailed', onFailure);
}
