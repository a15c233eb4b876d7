// Runs baresip (Debian baresip-core) as a real SIP phone: registers an extension with digest
// auth at the box, auto-answers, and sends a WAV file as its microphone. Controlled over
// ctrl_tcp (netstring JSON) for dialling and hanging up.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { freePort, tcpFree } from './ports.ts';

export interface BaresipOptions {
  extension: string;
  password: string;
  box: { host: string; port: number };
  listenIp: string;
  /** Microphone: a 16-bit mono 8 kHz WAV; defaults to a 20 s 440 Hz tone. */
  wav?: string;
  toneHz?: number;
  /** 'manual': the phone rings and never answers by itself (no-answer tests). Default auto. */
  answer?: 'auto' | 'manual';
  /** Run inside this network namespace (netns.ts); control then goes to `listenIp`, not loopback. */
  netns?: string;
  /** Register and call over TLS (the box's TLS port in `box.port`); the phone trusts any certificate unless `caFile` is given. */
  tls?: { caFile?: string; certFile?: string };
  /** SRTP by SDES: 'srtp' (best effort, RTP/AVP with a key) or 'srtp-mand' (RTP/SAVP only). */
  mediaenc?: 'srtp' | 'srtp-mand';
  /** false: never register (a trunk peer: it takes calls to its user and dials URIs). Default: register every 300 s. */
  register?: boolean;
  /** baresip's net_interface (an interface or address): its SDP address. Without it an unregistered baresip offers the
   *  machine's default address (eth0), which RTP from the box's 127.0.0.1 cannot reach (a loopback source is martian there). */
  netInterface?: string;
  /** Write each call's sent and received audio (sndfile: dump-*-enc.wav, dump-*-dec.wav) into this directory. */
  sndfileDir?: string;
}

export interface Baresip {
  child: ChildProcess;
  output: () => string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  command(cmd: string, params?: string): Promise<string>;
  stop(): Promise<void>;
}

export function makeToneWav(path: string, hz: number, seconds = 20): void {
  execFileSync('sox', ['-n', '-r', '8000', '-b', '16', '-c', '1', '-e', 'signed-integer', path, 'synth', String(seconds), 'sine', String(hz), 'vol', '0.5']);
}

/** How often a phone is started again on other ports when its SIP or control port is taken. */
const PORT_ATTEMPTS = 5;

/** Free-looking SIP and control ports for a phone. A fresh namespace's own ports cannot be probed
 *  from here (the box's media ports may be bound there): the start retries when one is taken. */
async function pickPorts(o: BaresipOptions): Promise<{ sipPort: number; ctrlPort: number }> {
  // baresip also opens SIP over TLS on the next port up: both must be free, and the control
  // port must not take either (a CI run lost a phone to that collision).
  const probeHost = o.netns ? '127.0.0.1' : o.listenIp;
  let sipPort = await freePort(probeHost);
  for (let i = 0; i < 20 && !(await tcpFree(sipPort + 1, probeHost)); i++) sipPort = await freePort(probeHost);
  let ctrlPort = await freePort();
  while (ctrlPort === sipPort || ctrlPort === sipPort + 1) ctrlPort = await freePort();
  return { sipPort, ctrlPort };
}

export async function startBaresip(o: BaresipOptions): Promise<Baresip> {
  const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
  const ctrlHost = o.netns ? o.listenIp : '127.0.0.1';
  const wav = o.wav ?? join(dir, 'mic.wav');
  if (!o.wav) makeToneWav(wav, o.toneHz ?? 440);
  const writeConfig = (sipPort: number, ctrlPort: number) => writeFileSync(
    join(dir, 'config'),
    [
      `sip_listen ${o.listenIp}:${sipPort}`,
      ...(o.netInterface ? [`net_interface ${o.netInterface}`] : []),
      `audio_source aufile,${wav}`,
      'audio_player aubridge,sink',
      'audio_alert aubridge,sink',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      ...(o.mediaenc ? ['module srtp.so'] : []),
      ...(o.tls?.caFile ? [`sip_cafile ${o.tls.caFile}`] : []),
      // Its own certificate + key (one PEM): without it baresip's TLS listener (its Contact) fails every handshake.
      ...(o.tls?.certFile ? [`sip_certificate ${o.tls.certFile}`] : []),
      ...(o.sndfileDir ? ['module sndfile.so', `snd_path ${o.sndfileDir}`] : []),
      'module aufile.so',
      'module aubridge.so',
      'module_app account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen ${ctrlHost}:${ctrlPort}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:${o.extension}@${o.box.host}:${o.box.port}${o.tls ? ';transport=tls' : ''}>;auth_pass=${o.password};audio_codecs=PCMU,PCMA;answermode=${o.answer ?? 'auto'};regint=${o.register === false ? 0 : 300}${o.mediaenc ? `;mediaenc=${o.mediaenc}` : ''}\n`,
  );
  let child!: ChildProcess;
  let out = '';
  let exited!: Promise<void>;
  let ctrlPort = 0;
  for (let attempt = 1; ; attempt++) {
    const ports = await pickPorts(o);
    ctrlPort = ports.ctrlPort;
    writeConfig(ports.sipPort, ports.ctrlPort);
    const started = o.netns
      ? spawn('ip', ['netns', 'exec', o.netns, 'baresip', '-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('baresip', ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    out = '';
    // Only the phone that is kept writes to `out`: a killed attempt's last words are dropped.
    const collect = (d: Buffer) => {
      if (child === started) out += d;
    };
    started.stdout!.on('data', collect);
    started.stderr!.on('data', collect);
    exited = new Promise<void>((r) => started.once('exit', () => r()));
    const until = Date.now() + 15_000;
    while (!/baresip is ready\.|Address already in use/.test(out) && started.exitCode === null && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!/Address already in use/.test(out) || attempt === PORT_ATTEMPTS) break;
    // A port the probe saw free is taken where baresip runs: start again on others.
    started.kill('SIGKILL');
    await exited;
  }
  const waitFor = async (re: RegExp, timeoutMs = 15_000) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (re.test(out)) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`baresip never printed ${re}; output:\n${out.slice(-2000)}`);
  };
  const command = (cmd: string, params?: string) =>
    new Promise<string>((resolve, reject) => {
      const sock = net.connect(ctrlPort, ctrlHost);
      const body = JSON.stringify({ command: cmd, params, token: 't1' });
      let reply = '';
      sock.on('data', (d) => {
        reply += d;
        if (reply.includes('"response"')) {
          sock.end();
          resolve(reply);
        }
      });
      sock.on('error', reject);
      sock.on('connect', () => sock.write(`${Buffer.byteLength(body)}:${body},`));
      setTimeout(() => {
        sock.destroy();
        resolve(reply);
      }, 3000);
    });
  return {
    child,
    output: () => out,
    waitFor,
    command,
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
