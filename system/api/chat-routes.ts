// The web chat's public side (no sign-in): GET /chat/widget.js (the embeddable widget: the
// build's build/web/chat-widget.js, else system/web/src/widget/chat-widget.ts bundled by
// esbuild on first request; kept in memory) and GET /chat/ws (the visitor's WebSocket: origin allow-list, per-address limits and
// the protocol are system/interactions/chat-visitors.ts). Both are outside /api/ and declared
// open. The widget is loaded by other sites, so it is served with a permissive CORP header.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Box } from '../box.ts';
import { ChatVisitors } from '../interactions/chat-visitors.ts';
import { bundleWidget, WIDGET_FILE } from '../interactions/widget-build.ts';
import { WEB_ROOT } from './web-app.ts';

let widget: Promise<string> | undefined;

/** The widget as one minified script (read or bundled once per process). */
export function widgetScript(root = WEB_ROOT): Promise<string> {
  widget ??= readFile(join(root, WIDGET_FILE), 'utf8').catch(() => bundleWidget());
  widget.catch(() => (widget = undefined));
  return widget;
}

export function chatRoutes(app: FastifyInstance, box: Box): void {
  const visitors = new ChatVisitors(box.interactions, () => box.config);
  app.addHook('onClose', async () => visitors.close());

  app.get('/chat/widget.js', { config: { access: 'open' }, schema: { hide: true } }, async (_req, reply) => {
    const js = await widgetScript();
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('cross-origin-resource-policy', 'cross-origin')
      .send(js);
  });

  app.get('/chat/ws', { websocket: true, config: { access: 'open' }, schema: { hide: true } }, (socket, req) => {
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    visitors.connect(socket, req.ip, origin);
  });
}
