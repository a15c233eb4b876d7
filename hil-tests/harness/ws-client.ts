// A minimal WebSocket client for tests (Node 20 has none built in without a flag): the
// RFC 6455 handshake over node:http, then unmasked server text frames parsed into JSON
// messages. Receive-only; enough to watch the box's live-events stream.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

export interface WsMessages {
  messages: any[];
  waitFor(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

export function openWs(port: number, path: string): Promise<WsMessages> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') } });
    req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      const messages: any[] = [];
      let buf = head;
      const parse = () => {
        while (buf.length >= 2) {
          const opcode = buf[0] & 0x0f;
          let len = buf[1] & 0x7f;
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
          if (opcode === 1) messages.push(JSON.parse(payload.toString('utf8')));
        }
      };
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        parse();
      });
      socket.on('error', () => undefined);
      parse();
      resolve({
        messages,
        async waitFor(pred, timeoutMs = 10_000) {
          const until = Date.now() + timeoutMs;
          for (;;) {
            const m = messages.find(pred);
            if (m) return m;
            if (Date.now() > until) throw new Error(`no matching WebSocket message; got ${JSON.stringify(messages).slice(-1500)}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        },
        close: () => socket.destroy(),
      });
    });
    req.end();
  });
}
