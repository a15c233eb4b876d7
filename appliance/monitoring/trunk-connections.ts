// Connections the box opens to its trunks (TCP or TLS), as a reading for the alert rules: the
// transport reports each outbound connection that failed (refused, unreachable, TLS handshake
// failed, certificate not trusted or not the pinned one: 'flowFailed') or became usable
// ('flowOpened'). A trunk whose last FAILURES_TO_RAISE attempts all failed reads 0 and raises
// CC_MON_TRUNK_CONNECT_FAILED; its next connection that becomes usable reads 1 and clears it.
// A trunk the box never opened a connection to (UDP, or no attempt yet) gives no reading.
// Counts only: the event rows (`sip-connection-failed`) and log lines stay system/sip's.
import type { Reading } from './thresholds.ts';

/** Failed connection attempts in a row, with no usable connection between, that raise the alert. */
export const FAILURES_TO_RAISE = 3;

export class TrunkConnections {
  /** Per trunk: failed attempts since its last usable connection. */
  private readonly failures = new Map<string, number>();

  constructor(private readonly failuresToRaise = FAILURES_TO_RAISE) {}

  failed(trunk: string): void {
    this.failures.set(trunk, (this.failures.get(trunk) ?? 0) + 1);
  }

  opened(trunk: string): void {
    this.failures.set(trunk, 0);
  }

  /** One reading per configured trunk the box has tried to connect to (others are forgotten). */
  readings(trunks: ReadonlySet<string>): Reading[] {
    for (const name of this.failures.keys()) if (!trunks.has(name)) this.failures.delete(name);
    return [...this.failures].map(([subject, n]) => ({ metric: 'trunkConnectOk', subject, value: n >= this.failuresToRaise ? 0 : 1 }));
  }
}
