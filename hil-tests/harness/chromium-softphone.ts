// The browser side of the softphone tests: bundles the softphone module with the test page
// (esbuild), serves the page from a local HTTP server that passes /api/ (HTTP and the
// WebSocket upgrade) through to the box, so the page is same-origin with the API as it will
// be when the box serves the web app, and launches Debian's Chromium (playwright-core) with
// fake media devices whose microphone plays a known tone.
import http from 'node:http';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

const WEB = resolve(import.meta.dirname, '../peers/web');

/** The test page's script with the softphone module and mediasoup-client in one ES module. */
export async function bundleSoftphonePage(): Promise<string> {
  const out = await esbuild.build({
    entryPoints: [resolve(WEB, 'softphone-page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

export interface PageServer {
  /** The page's address (http://127.0.0.1:PORT/softphone.html). */
  url: string;
  close(): Promise<void>;
}

/** Serve the softphone test page; everything under /api/ goes to the box at 127.0.0.1:`boxHttpPort`. */
export async function startPageServer(boxHttpPort: number): Promise<PageServer> {
  const js = await bundleSoftphonePage();
  const html = readFileSync(resolve(WEB, 'softphone.html'));
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/api/')) {
      const upstream = http.request({ host: '127.0.0.1', port: boxHttpPort, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      return void req.pipe(upstream);
    }
    if (req.url === '/softphone-page.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    if (req.url === '/' || req.url === '/softphone.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    res.writeHead(404).end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // The WebSocket upgrade: replay the request head to the box and splice the two sockets.
  server.on('upgrade', (req, socket, head) => {
    const up = net.connect(boxHttpPort, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) up.write(head);
      socket.pipe(up).pipe(socket);
    });
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/softphone.html`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A mono 16-bit WAV of a sine tone (sox), for Chromium's fake microphone (it loops the file). */
export function toneWav(path: string, hz: number, seconds = 10): string {
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', path, 'synth', String(seconds), 'sine', String(hz), 'vol', '0.5']);
  return path;
}

/**
 * Debian's Chromium, headless, with fake media devices (no permission prompt; the microphone
 * plays `fakeAudioFile` in a loop) and loopback allowed for WebRTC (the box listens on
 * 127.0.0.1 in the tests; Chromium leaves loopback out of ICE otherwise).
 */
export async function launchChromium(opts: { fakeAudioFile?: string } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      ...(opts.fakeAudioFile ? [`--use-file-for-fake-audio-capture=${opts.fakeAudioFile}`] : []),
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}
