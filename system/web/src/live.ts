// The box's live events (WebSocket /api/events, authenticated by the session cookie): agent
// state changes and queue-log rows, pushed after they are stored. Reconnects with back-off;
// after a reconnect `onReconnect` listeners re-read their snapshots (nothing is polled).
import type { LiveMessage } from './types.ts';

type Listener = (msg: LiveMessage) => void;

export class LiveEvents {
  private ws?: WebSocket;
  private readonly listeners = new Set<Listener>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly statusListeners = new Set<(up: boolean) => void>();
  private retryMs = 500;
  private stopped = false;
  private everConnected = false;
  connected = false;

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
    this.ws = undefined;
  }

  on(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onReconnect(fn: () => void): () => void {
    this.reconnectListeners.add(fn);
    return () => this.reconnectListeners.delete(fn);
  }

  onStatus(fn: (up: boolean) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  private open(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.setStatus(true);
      if (this.everConnected) this.reconnectListeners.forEach((f) => f());
      this.everConnected = true;
    };
    ws.onmessage = (e) => {
      let msg: LiveMessage;
      try {
        msg = JSON.parse(String(e.data));
      } catch {
        return;
      }
      this.listeners.forEach((f) => f(msg));
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.setStatus(false);
      if (this.stopped) return;
      setTimeout(() => !this.stopped && this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }

  private setStatus(up: boolean): void {
    this.connected = up;
    this.statusListeners.forEach((f) => f(up));
  }
}
