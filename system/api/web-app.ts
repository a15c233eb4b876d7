// The browser app (system/web, built by `npm run build:web` into build/web) served by the
// API server with @fastify/static: hashed assets cached for good, index.html never. Every
// response gets the security headers (no framing, no sniffing, a strict CSP for pages). The
// app uses hash routes (#/workspace), so no server-side fallback is needed.
// Without a build the root answers a short page saying how to build it (and a warning is logged).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Logger } from 'pino';

export const WEB_ROOT = fileURLToPath(new URL('../../build/web', import.meta.url));

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

export async function registerWebApp(app: FastifyInstance, log: Logger, root = WEB_ROOT): Promise<void> {
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    if (!req.url.startsWith('/api/')) reply.header('content-security-policy', CSP);
    return payload;
  });
  if (!existsSync(`${root}/index.html`)) {
    log.warn({ root }, 'web app not built (npm run build:web): the browser gets a placeholder page');
    app.get('/', { config: { access: 'open' }, schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send('<!doctype html><title>Call center</title><p>The web app is not built on this box: run <code>npm run build:web</code>.</p>'));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: 'index.html',
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
