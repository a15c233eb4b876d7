// Bundles the embeddable chat widget (system/web/src/widget/chat-widget.ts) into one minified
// IIFE script with esbuild. `npm run build:web` runs this file after vite to write
// build/web/chat-widget.js (what the image ships: it has no TypeScript sources of the web app);
// a box from a checkout without that file bundles the source on first request instead
// (system/api/chat-routes.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WIDGET_SOURCE = fileURLToPath(new URL('../web/src/widget/chat-widget.ts', import.meta.url));
export const WIDGET_FILE = 'chat-widget.js';

export async function bundleWidget(): Promise<string> {
  const { build } = await import('esbuild');
  const out = await build({ entryPoints: [WIDGET_SOURCE], bundle: true, write: false, format: 'iife', target: 'es2019', minify: true, legalComments: 'none' });
  return out.outputFiles[0].text;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? fileURLToPath(new URL('../../build/web', import.meta.url));
  const js = await bundleWidget();
  writeFileSync(join(outDir, WIDGET_FILE), js);
  console.log(`chat widget: ${join(outDir, WIDGET_FILE)} (${js.length} bytes)`);
}
