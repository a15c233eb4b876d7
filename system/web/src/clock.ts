// Times on the page follow the box's clock: every answer that carries `serverTime` corrects
// the offset, and timers tick locally once a second (display only; nothing is polled).
let offsetMs = 0;

export function syncServerTime(serverTime: number, sentAt: number, receivedAt = Date.now()): void {
  offsetMs = serverTime - (sentAt + receivedAt) / 2;
}

export function serverNow(): number {
  return Date.now() + offsetMs;
}

/** 0:07, 12:34, 1:02:03 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

const tickers = new Set<() => void>();
let timer: number | undefined;

/** Call `fn` every second while subscribed (one shared interval for the whole page). */
export function everySecond(fn: () => void): () => void {
  tickers.add(fn);
  timer ??= window.setInterval(() => tickers.forEach((f) => f()), 1000);
  return () => {
    tickers.delete(fn);
    if (!tickers.size && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
