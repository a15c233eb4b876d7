// Monitoring, the system log and the technician console on the real daemon:
// - /metrics parses as Prometheus text (a strict line grammar) and its figures are the box's
//   own (status, ACD live state, the machine); off loopback it needs a bearer token.
// - A reading injected through the monitor's interface crosses a limit: an alert row in LMDB,
//   an event, a log line and a live WebSocket message; a value between the limits keeps it
//   (hysteresis); back past the clear level it clears the same way.
// - The system log file under the data directory and GET /api/logs with its filters.
// - The console program driven through node-pty shows the box's real values and acts (disk
//   test, SIP OPTIONS, admin password reset with an audit row; factory reset refused while the
//   box runs); the web console is for technicians only and every session is audit-logged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as pty from 'node-pty';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { adminPassword, signIn, type ApiClient } from './harness/api.ts';
import { openWs } from './harness/ws-client.ts';
import { openDuplexWs } from './harness/ws-duplex.ts';
import { parsePromText, promValue } from './harness/prom-text.ts';

const ROOT = resolve(import.meta.dirname, '..');
let box: BoxProcess;
let admin: ApiClient;
let tech: ApiClient;
let sup: ApiClient;

const lanAddress = () => Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

before(async () => {
  box = await startBoxProcess({
    http: { host: '0.0.0.0' },
    monitoring: { intervalMs: 60_000 },
    extensions: [{ number: '2001', password: 'pw-2001-secret' }, { number: '2002', password: 'pw-2002-secret' }],
    queues: [{ name: 'sales', overflow: 'hangup' }],
    agents: [{ id: 'a1', extension: '2001', queues: [{ queue: 'sales' }] }, { id: 'a2', extension: '2002', queues: [{ queue: 'sales' }] }],
  });
  admin = await signIn(box);
  for (const [username, role] of [['tech1', 'technician'], ['sup1', 'supervisor']]) {
    const r = await admin.call('POST', '/api/users', { username, role, password: `${username}-password` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  tech = await signIn(box, 'tech1', 'tech1-password');
  sup = await signIn(box, 'sup1', 'sup1-password');
});

after(async () => {
  await box?.stop();
});

const metrics = async (host = '127.0.0.1', token?: string) => {
  const res = await fetch(`http://${host}:${box.httpPort}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

test('/metrics parses as Prometheus text and its figures are the box\'s status, queues and machine', async () => {
  const loggedIn = await admin.call('POST', '/api/acd/agents/a1/login');
  assert.equal(loggedIn.status, 200, JSON.stringify(loggedIn.body));
  const status = await box.status();
  const queues = (await admin.call('GET', '/api/acd/queues')).body as any[];
  const m = await metrics();
  assert.equal(m.status, 200);
  assert.match(m.type ?? '', /^text\/plain; version=0\.0\.4/);
  const f = parsePromText(m.text);
  assert.equal(promValue(f, 'cc_up'), 1);
  assert.equal(promValue(f, 'cc_calls_active'), status.calls);
  assert.equal(promValue(f, 'cc_sip_dialogs'), status.dialogs);
  assert.equal(promValue(f, 'cc_sip_transactions', { kind: 'server' }), status.transactions.server);
  for (const k of ['workers', 'routers', 'transports', 'producers', 'consumers']) assert.equal(promValue(f, `cc_media_${k}`), status.media[k], k);
  assert.ok(promValue(f, 'cc_sip_messages_received_total')! >= status.sip.received);
  assert.equal(f.get('cc_sip_messages_received_total')!.type, 'counter');
  const sales = queues.find((q) => q.name === 'sales');
  assert.equal(promValue(f, 'cc_queue_waiting', { queue: 'sales' }), sales.waiting);
  for (const state of ['logged-out', 'available', 'ringing', 'on-call', 'wrap-up', 'break']) {
    assert.equal(promValue(f, 'cc_queue_agents', { queue: 'sales', state }), sales.agents[state], state);
  }
  const agents = (await admin.call('GET', '/api/acd/agents')).body as any[];
  assert.equal(promValue(f, 'cc_agents', { state: 'logged-out' }), agents.filter((a) => a.state === 'logged-out').length);
  assert.equal(promValue(f, 'cc_agents', { state: 'logged-out' })! + promValue(f, 'cc_agents', { state: 'available' })! + promValue(f, 'cc_agents', { state: 'break' })!, 2);
  // The machine (the first sample is taken at start; wait for it if the box is slow).
  let hw = f;
  for (let i = 0; i < 100 && promValue(hw, 'cc_memory_total_bytes') === undefined; i++) {
    await new Promise((r) => setTimeout(r, 200));
    hw = parsePromText((await metrics()).text);
  }
  assert.equal(promValue(hw, 'cc_memory_total_bytes'), os.totalmem());
  assert.equal(promValue(hw, 'cc_cpu_cores'), os.availableParallelism());
  const load = promValue(hw, 'cc_cpu_load_percent')!;
  assert.ok(load >= 0 && load <= 100, `load ${load}`);
  assert.ok(hw.get('cc_filesystem_size_bytes')!.samples.some((s) => s.labels.mount === '/'), 'the root file system is listed');
});

test('/metrics off the box needs a bearer token: an admin or technician session, not a supervisor or a token without metrics:read', async (t) => {
  const lan = lanAddress();
  if (!lan) return t.skip('no non-loopback IPv4 address on this machine');
  const anon = await metrics(lan);
  assert.equal(anon.status, 401);
  assert.equal(JSON.parse(anon.text).code, 'CC_API_UNAUTHENTICATED');
  assert.equal((await metrics(lan, tech.token)).status, 200);
  assert.equal((await metrics(lan, admin.token)).status, 200);
  const bySup = await metrics(lan, sup.token);
  assert.deepEqual([bySup.status, JSON.parse(bySup.text).code], [403, 'CC_API_FORBIDDEN']);
  const made = await admin.call('POST', '/api/tokens', { name: 'grafana', scopes: ['acd:read'] });
  assert.equal(made.status, 201);
  const byToken = await metrics(lan, made.body.token);
  assert.deepEqual([byToken.status, JSON.parse(byToken.text).code], [403, 'CC_API_SCOPE']);
});

test('an injected reading past its limit raises an alert (LMDB row, event, log, WebSocket), holds between the limits and clears', async () => {
  const ws = await openWs(box.httpPort, `/api/events?token=${tech.token}`);
  const supWs = await openWs(box.httpPort, `/api/events?token=${sup.token}`);
  await ws.waitFor((m) => m.kind === 'hello');
  await supWs.waitFor((m) => m.kind === 'hello');
  const inject = (value: number | null) => tech.call('POST', '/api/monitoring/readings', { readings: [{ metric: 'cpuTempC', subject: '', value }] });
  const readAlert = async () => (await box.read<any>('alerts' as any)).find((r) => r.key === 'cpuTempC:')?.value;

  const raised = await inject(91);
  assert.equal(raised.status, 200, JSON.stringify(raised.body));
  assert.deepEqual(raised.body.raised, ['cpuTempC:']);
  const pushed = await ws.waitFor((m) => m.kind === 'alert' && m.alert.id === 'cpuTempC:' && m.alert.state === 'active');
  assert.equal(pushed.alert.code, 'CC_MON_CPU_HOT');
  assert.equal(pushed.alert.value, 91);
  assert.equal(pushed.alert.threshold, 85);
  const row = await readAlert();
  assert.deepEqual([row.state, row.code, row.value, row.threshold], ['active', 'CC_MON_CPU_HOT', 91, 85]);
  const events = (await box.read<any>('events')).map((e) => e.value);
  assert.ok(events.some((e) => e.type === 'alert-raised' && e.id === 'cpuTempC:' && e.value === 91));
  const m = parsePromText((await metrics()).text);
  assert.equal(promValue(m, 'cc_alert', { code: 'CC_MON_CPU_HOT', metric: 'cpuTempC', subject: '' }), 1);

  const held = await inject(80); // below the raise level (85), above the clear level (75)
  assert.deepEqual([held.body.raised, held.body.cleared], [[], []]);
  assert.equal((await readAlert()).state, 'active');

  const cleared = await inject(70);
  assert.deepEqual(cleared.body.cleared, ['cpuTempC:']);
  const gone = await ws.waitFor((m) => m.kind === 'alert' && m.alert.id === 'cpuTempC:' && m.alert.state === 'cleared');
  assert.equal(gone.alert.clearValue, 70);
  const after = await readAlert();
  assert.deepEqual([after.state, after.clearValue], ['cleared', 70]);
  assert.ok((await box.read<any>('events')).some((e) => e.value.type === 'alert-cleared' && e.value.id === 'cpuTempC:'));
  assert.equal(promValue(parsePromText((await metrics()).text), 'cc_alert', { code: 'CC_MON_CPU_HOT', metric: 'cpuTempC', subject: '' }), undefined);
  assert.ok(!supWs.messages.some((m) => m.kind === 'alert'), 'supervisors get no monitoring alerts');

  const logged = await admin.call('GET', '/api/logs?text=CC_MON_CPU_HOT&module=monitoring');
  assert.deepEqual(logged.body.entries.map((e: any) => e.level), ['info', 'warn'], 'the clear (newest first) and the raise are in the system log');
  const audit = (await admin.call('GET', '/api/audit')).body as any[];
  assert.equal(audit.filter((r) => r.action === 'monitoring-inject' && r.actor === 'tech1').length, 3);
  assert.equal((await inject(null)).status, 200);
  const unknown = await tech.call('POST', '/api/monitoring/readings', { readings: [{ metric: 'bogus', subject: '', value: 1 }] });
  assert.deepEqual([unknown.status, unknown.body.code], [400, 'CC_MON_UNKNOWN_METRIC']);
  ws.close();
  supWs.close();
});

test('the system log is written under the data directory without the first-start password, and its API filters by level, module, text and time', async () => {
  const file = join(box.dataDir, 'data', 'logs', 'box.log');
  assert.ok(existsSync(file));
  const text = readFileSync(file, 'utf8');
  assert.match(text, /"msg":"ready"/);
  assert.ok(!text.includes(adminPassword(box)), 'the generated admin password stays out of the log file');
  const all = (await tech.call('GET', '/api/logs?limit=2000')).body.entries as any[];
  assert.ok(all.some((e) => e.msg === 'ready'));
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].time >= all[i].time, 'newest first');
  const warn = (await tech.call('GET', '/api/logs?level=warn&limit=2000')).body.entries as any[];
  assert.ok(warn.length > 0 && warn.every((e) => ['warn', 'error', 'fatal'].includes(e.level)));
  assert.equal(warn.length, all.filter((e) => ['warn', 'error', 'fatal'].includes(e.level)).length);
  const mon = (await tech.call('GET', '/api/logs?module=monitoring&limit=2000')).body.entries as any[];
  assert.ok(mon.length > 0 && mon.every((e) => e.module === 'monitoring'));
  const ready = all.find((e) => e.msg === 'ready');
  const window = (await tech.call('GET', `/api/logs?from=${ready.time}&to=${ready.time}&text=ready`)).body.entries as any[];
  assert.ok(window.length >= 1 && window.every((e) => e.time === ready.time));
  assert.equal((await tech.call('GET', '/api/logs?text=no-such-text-anywhere')).body.entries.length, 0);
  const bad = await tech.call('GET', '/api/logs?from=2000&to=1000');
  assert.deepEqual([bad.status, bad.body.code], [400, 'CC_LOG_BAD_FILTER']);
  assert.equal((await tech.call('GET', '/api/logs?level=loud')).status, 400);
  assert.equal((await sup.call('GET', '/api/logs')).status, 403);
});

/** Run the console program in a pseudo-terminal; `until` waits for the output to match. */
function consolePty() {
  let out = '';
  const term = pty.spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'appliance/console/console.ts')], {
    name: 'xterm', cols: 120, rows: 40, cwd: ROOT,
    env: { ...process.env, CC_DATA_DIR: join(box.dataDir, 'data'), CC_API_URL: `http://127.0.0.1:${box.httpPort}`, CC_CONSOLE_USER: 'tech-at-the-box', CC_CONSOLE_SOURCE: 'tty1' } as Record<string, string>,
  });
  term.onData((d) => (out += d));
  const exited = new Promise<number>((r) => term.onExit(({ exitCode }) => r(exitCode)));
  return {
    get out() {
      return out;
    },
    exited,
    write: (s: string) => term.write(s),
    async until(re: RegExp, from = 0, timeoutMs = 30_000): Promise<string> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const tail = out.slice(from);
        if (re.test(tail)) return tail;
        if (Date.now() > end) throw new Error(`console never showed ${re}; it showed:\n${tail.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    kill: () => term.kill(),
  };
}

test('the console in a pseudo-terminal shows the box\'s real status and runs its diagnostics and the admin password reset', async () => {
  const c = consolePty();
  try {
    const first = await c.until(/Choose: /);
    const status = await box.status();
    assert.match(first, new RegExp(`HTTP +: up \\(http://127\\.0\\.0\\.1:${box.httpPort}\\)`));
    assert.match(first, new RegExp(`SIP +: up \\(UDP ${status.ports.sipUdp}, OPTIONS answered in`));
    assert.match(first, new RegExp(`Calls now +: ${status.calls}\\r?\\n`));
    assert.match(first, /Disk +: [0-9.]+% used, [0-9.]+ GB free of [0-9.]+ GB/);
    assert.match(first, /Last backup +: none yet/);
    const lan = lanAddress();
    if (lan) assert.ok(first.includes(lan), `the LAN address ${lan} is on the status screen`);

    let mark = c.out.length;
    c.write('2\r');
    const net = await c.until(/Default gateway[^\n]*\n[\s\S]*Choose: /, mark);
    assert.match(net, /lo +IPv4 +127\.0\.0\.1/);

    mark = c.out.length;
    c.write('5\r');
    assert.match(await c.until(/Disk test (ok|FAILED)[^\n]*\n[\s\S]*Choose: /, mark), /Disk test ok: write [0-9.]+ MB\/s/);

    mark = c.out.length;
    c.write('4\r');
    await c.until(/Host\[:port\]: /, mark);
    c.write(`127.0.0.1:${status.ports.sipUdp}\r`);
    assert.match(await c.until(/OPTIONS 127\.0\.0\.1:\d+: [^\n]*\n[\s\S]*Choose: /, mark), new RegExp(`OPTIONS 127\\.0\\.0\\.1:${status.ports.sipUdp}: 200 OK in [0-9.]+ ms`));

    mark = c.out.length;
    c.write('3\r');
    await c.until(/\[y\/N\] /, mark);
    c.write('y\r');
    const reset = await c.until(/New admin password: (\S+)/, mark);
    const password = /New admin password: (\S+)/.exec(reset)![1]!;
    const again = await signIn(box, 'admin', password);
    assert.equal((await again.call('GET', '/api/session')).status, 200);
    const audit = (await again.call('GET', '/api/audit')).body as any[];
    const row = audit.find((r) => r.action === 'password-reset');
    assert.deepEqual([row.actor, row.target, row.source], ['tech-at-the-box', 'admin', 'tty1']);

    mark = c.out.length;
    c.write('6\r');
    await c.until(/Lowest level[^\n]*: /, mark);
    c.write('info\r');
    await c.until(/Text to find[^\n]*: /, mark);
    c.write('ready\r');
    assert.match(await c.until(/Choose: /, mark), /UTC INFO +- +ready/);

    mark = c.out.length;
    c.write('8\r');
    await c.until(/Shell \(exit to come back/, mark);
    c.write('echo shell-says-$((6*7))\r');
    await c.until(/shell-says-42/, mark);
    c.write('exit\r');
    await c.until(/shell-says-42[\s\S]*Choose: /, mark);

    mark = c.out.length;
    c.write('7\r');
    await c.until(/Type RESET to confirm: /, mark);
    c.write('RESET\r');
    assert.match(await c.until(/CC_CONSOLE_BOX_RUNNING[^\n]*\n/, mark), /is running on .*: stop it first/);
    assert.ok(existsSync(join(box.dataDir, 'data', 'box.lmdb')), 'nothing was removed under the running box');

    c.write('0\r');
    assert.equal(await c.exited, 0);
  } finally {
    c.kill();
  }
});

test('the web console is refused to every role but technician, and a technician\'s session is audit-logged from start to end', async () => {
  for (const who of [admin, sup]) await assert.rejects(openDuplexWs(box.httpPort, `/api/console?token=${who.token}`), /HTTP 403/);
  await assert.rejects(openDuplexWs(box.httpPort, '/api/console'), /HTTP 401/);
  const ws = await openDuplexWs(box.httpPort, `/api/console?token=${tech.token}&cols=120&rows=40`);
  const text = () => ws.messages.filter((m) => m.type === 'output').map((m) => m.data).join('');
  const until = async (re: RegExp) => {
    const end = Date.now() + 30_000;
    while (!re.test(text())) {
      if (Date.now() > end) throw new Error(`web console never showed ${re}:\n${text().slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await until(/Choose: /);
  const status = await box.status();
  assert.match(text(), new RegExp(`Calls now +: ${status.calls}`));
  assert.match(text(), /technician console \(tech1\)/);
  let audit = (await admin.call('GET', '/api/audit')).body as any[];
  const start = audit.find((r) => r.action === 'console-session' && r.detail?.phase === 'start');
  assert.deepEqual([start.actor, start.source], ['tech1', '127.0.0.1']);
  ws.send({ type: 'input', data: '0\r' });
  await ws.waitFor((m) => m.type === 'exit');
  await ws.closed;
  for (let i = 0; i < 100; i++) {
    audit = (await admin.call('GET', '/api/audit')).body as any[];
    if (audit.some((r) => r.action === 'console-session' && r.detail?.phase === 'end')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const end = audit.find((r) => r.action === 'console-session' && r.detail?.phase === 'end');
  assert.ok(end, 'the end of the session is in the audit log');
  assert.deepEqual([end.actor, end.target, end.detail.exitCode], ['tech1', start.target, 0]);
  assert.equal((await admin.call('GET', '/api/audit/verify')).body.ok, true);
});
