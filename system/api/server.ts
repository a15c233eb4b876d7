// The HTTP API (fastify). For now: health and status counters for monitoring and tests;
// roles, the web app and the admin API come with their own issues. Imports nothing that
// imports it.
import Fastify from 'fastify';
import type { Logger } from 'pino';
import type { Box } from '../box.ts';

export interface Api {
  port: number;
  close(): Promise<void>;
}

export async function startApi(box: Box, opts: { host: string; port: number; log: Logger }): Promise<Api> {
  const app = Fastify({ loggerInstance: opts.log.child({ module: 'http' }, { level: 'warn' }) });
  app.get('/api/health', async () => ({ ok: true }));
  app.get('/api/status', async () => box.status());
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : opts.port,
    close: () => app.close(),
  };
}
