// A two-way WebSocket client for tests (Node 20 has none without a flag): the RFC 6455
// handshake over node:http, masked client text frames out, unmasked server frames in (text
// frames parsed as JSON; a close frame or the socket ending marks it closed). Enough to
// drive the technician console's /api/console.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

export interface DuplexWs {
  messages: any[];
  closed: Promise<void>;
  send(msg: unknown): void;
  waitFor(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

export function openDuplexWs(port: number, path: string): Promise<DuplexWs> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') } });
    req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      const messages: any[] = [];
      const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
      let buf = head;
      let markClosed!: () => void;
      const closed = new Promise<void>((r) => (markClosed = r));
      const parse = () => {
        while (buf.length >= 2) {
          const opcode = buf[0]! & 0x0f;
          let len = buf[1]! & 0x7f;
          let off = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            off = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            off = 10;
          }
          if (buf.length < off + len) return;
          const payload = buf.subarray(off, off + len);
          buf = buf.subarray(off + len);
          if (opcode === 8) {
            markClosed();
            socket.end();
            return;
          }
          if (opcode !== 1) continue;
          const msg = JSON.parse(payload.toString('utf8'));
          messages.push(msg);
          for (const w of [...waiters]) if (w.pred(msg)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(msg);
          }
        }
      };
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        parse();
      });
      socket.on('close', () => markClosed());
      socket.on('error', () => markClosed());
      parse();
      resolve({
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
      });
    });
    req.end();
  });
}
