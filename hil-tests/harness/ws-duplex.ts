// A two-way WebSocket client for tests: the handshake and frame reading of ws-frames.ts,
// masked client text frames out, server text frames in parsed as JSON (a close frame or the
// socket ending marks it closed). Enough to drive the technician console's /api/console.
import { randomBytes } from 'node:crypto';
import { readFrames, wsUpgrade } from './ws-frames.ts';

export interface DuplexWs {
  messages: any[];
  closed: Promise<void>;
  send(msg: unknown): void;
  waitFor(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

export async function openDuplexWs(port: number, path: string): Promise<DuplexWs> {
  const { socket, head } = await wsUpgrade(port, path);
  const messages: any[] = [];
  const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  let markClosed!: () => void;
  const closed = new Promise<void>((r) => (markClosed = r));
  socket.on('close', () => markClosed());
  socket.on('error', () => markClosed());
  readFrames(socket, head, (opcode, payload) => {
    if (opcode === 8) {
      markClosed();
      socket.end();
      return 'stop';
    }
    if (opcode !== 1) return;
    const msg = JSON.parse(payload.toString('utf8'));
    messages.push(msg);
    for (const w of [...waiters]) if (w.pred(msg)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(msg);
    }
  });
  return {
    messages,
    closed,
    send: (msg) => {
      const payload = Buffer.from(JSON.stringify(msg));
      const mask = randomBytes(4);
      const len = payload.length;
      const header = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 255]);
      const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
      socket.write(Buffer.concat([header, mask, masked]));
    },
    waitFor: (pred, timeoutMs = 20_000) => {
      const seen = messages.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`timed out; last messages: ${JSON.stringify(messages.slice(-5)).slice(0, 2000)}`)), timeoutMs);
        waiters.push({ pred, resolve: (m) => (clearTimeout(t), res(m)) });
      });
    },
    close: () => socket.destroy(),
  };
}
