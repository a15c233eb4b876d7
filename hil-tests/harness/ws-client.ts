// A minimal WebSocket client for tests: the handshake and frame reading of ws-frames.ts, server
// text frames parsed into JSON messages. Receive-only; enough to watch the box's live-events
// stream.
import { readFrames, wsUpgrade } from './ws-frames.ts';

export interface WsMessages {
  messages: any[];
  waitFor(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

export async function openWs(port: number, path: string): Promise<WsMessages> {
  const { socket, head } = await wsUpgrade(port, path);
  const messages: any[] = [];
  socket.on('error', () => undefined);
  readFrames(socket, head, (opcode, payload) => {
    if (opcode === 1) messages.push(JSON.parse(payload.toString('utf8')));
  });
  return {
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
  };
}
