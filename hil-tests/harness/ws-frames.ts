// The RFC 6455 parts the tests' WebSocket clients share (ws-client.ts only receives,
// ws-duplex.ts also sends): the upgrade handshake over node:http (Node 20 has no client
// without a flag), and a reader that cuts the server's unmasked frames out of the byte stream
// as they arrive, whatever the chunking.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

/** The upgraded socket (paused) of a WebSocket to 127.0.0.1:port/path, and the bytes that came with the 101. */
export function wsUpgrade(port: number, path: string): Promise<{ socket: Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') } });
    req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    // Paused until readFrames listens: nothing the server sends first is lost in between.
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => resolve({ socket: socket.pause(), head }));
    req.end();
  });
}

/**
 * Calls `onFrame` with each server frame (opcode, payload) in `head` and then in what `socket`
 * receives; a frame whose handler returns 'stop' (a close frame) ends the reading.
 */
export function readFrames(socket: Socket, head: Buffer, onFrame: (opcode: number, payload: Buffer) => 'stop' | void): void {
  let buf = head;
  let stopped = false;
  const parse = () => {
    while (!stopped && buf.length >= 2) {
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
      if (onFrame(opcode, payload) === 'stop') stopped = true;
    }
  };
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    parse();
  });
  parse();
  socket.resume();
}
