// Issue 11: kill -9 under load. 100 recorded calls up through the box (a sipp caller on the
// carrier trunk, a sipp callee on the upstream trunk, each waiting for a BYE it never gets
// from the box before the cut), the daemon killed with SIGKILL, restarted on the same data
// directory and SIP port: every leg that was up gets its BYE (both sipps end every call with
// the BYE their scenario waits for), the CDR table grows by exactly 100 rows with hang-up
// cause box-restart, the dialog journal is empty, and every recording is indexed and is a
// valid WAV whose header matches the file and whose size and sha256 match the index row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { carrierToUpstream, CARRIER_IP, UPSTREAM_IP } from './harness/topology.ts';
import { runSipp, type SippRun } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { until } from './harness/until.ts';
import { cutPower, dialogJournal, restartOnSameData } from './harness/power-cut.ts';
import { readWav } from '../media/wav.ts';

const CALLS = 100;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
}

test(`kill -9 with ${CALLS} recorded calls up: after the restart every leg gets a BYE, ${CALLS} CDRs, every recording indexed and valid`, { timeout: 240_000 }, async () => {
  const upstreamPort = await freePort(UPSTREAM_IP);
  const config = carrierToUpstream(upstreamPort, { calls: { deadMediaTimeoutSec: 0 }, recording: { enabled: true } });
  let box: BoxProcess | undefined = await startBoxProcess(config, { keepData: true });
  const dataDir = box.dataDir;
  const sipps: SippRun[] = [];
  try {
    // Both sides wait for a BYE to end each call (uas-answer.xml, uac-wait-bye.xml); sipp exits 0 once all have.
    const uas = runSipp({ scenario: 'uas-answer.xml', localIp: UPSTREAM_IP, localPort: upstreamPort, mediaPort: await freePort(UPSTREAM_IP), calls: CALLS, timeoutSec: 180 });
    sipps.push(uas);
    const uac = runSipp({
      scenario: 'uac-wait-bye.xml', localIp: CARRIER_IP, target: `127.0.0.1:${box.sipPort}`, calls: CALLS, rate: 20, rateLimit: CALLS, timeoutSec: 180,
      keys: { dialled: '95550000', caller: '13900000001', rtp_ip: CARRIER_IP, rtp_port: 9 },
    });
    sipps.push(uac);
    const up = await until(`${CALLS} calls up`, async () => {
      const s = await box!.status();
      return s.calls === CALLS && s.dialogs === 2 * CALLS ? s : undefined;
    }, 60_000);
    // Every call journaled with both legs and its recording (written just after the answer).
    await until('every call journaled', async () => {
      const rows = await dialogJournal(box!);
      return rows.length === CALLS && rows.every((r) => r.legs.length === 2 && r.recording) ? rows : undefined;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 2500)); // some audio on disk in every file
    const cdrsBefore = (await box.read('cdr')).length;
    const recordingsBefore = (await box.read('recordings')).length;

    await cutPower(box);
    const files = walk(join(dataDir, 'data', 'recordings')).filter((f) => f.endsWith('.wav'));
    assert.equal(files.length, CALLS, 'one recording file per call was being written at the cut');
    const headerOff = files.filter((f) => readFileSync(f).readUInt32LE(54) !== statSync(f).size - 58).length;

    const restartAt = Date.now();
    box = await restartOnSameData(config, box);
    const readyMs = Date.now() - restartAt;
    const [a, b] = await Promise.all([uac.done, uas.done]);
    const byesMs = Date.now() - restartAt;
    assert.equal(a.code, 0, `the caller sipp got a BYE on every call: ${a.errors.slice(-600)}\n${a.stdout.slice(-400)}`);
    assert.equal(b.code, 0, `the callee sipp got a BYE on every call: ${b.errors.slice(-600)}\n${b.stdout.slice(-400)}`);

    assert.deepEqual(await dialogJournal(box), [], 'nothing left in the dialog journal');
    const cdrs = (await box.read<any>('cdr')).map((r) => r.value);
    assert.equal(cdrs.length, cdrsBefore + CALLS, 'one CDR per cut call, none lost');
    const cut = cdrs.filter((c) => c.hangup.cause === 'box-restart');
    assert.equal(cut.length, CALLS);
    assert.ok(cut.every((c) => c.disposition === 'answered' && c.dialled === '95550000' && c.callee?.id === 'upstream' && c.billableMs > 0), JSON.stringify(cut[0]));

    const rows = (await box.read<any>('recordings')).map((r) => r.value);
    assert.equal(rows.length, recordingsBefore + CALLS, 'every cut recording is indexed');
    const byPath = new Map(rows.map((r) => [r.path, r]));
    for (const f of files) {
      const row = byPath.get(f);
      assert.ok(row, `${f} is indexed`);
      assert.equal(row.stoppedBy, 'box-restart');
      const buf = readFileSync(f);
      assert.equal(buf.length, row.bytes, `${f}: indexed size`);
      assert.equal(createHash('sha256').update(buf).digest('hex'), row.sha256, `${f}: indexed checksum`);
      assert.equal(buf.readUInt32LE(54), buf.length - 58, `${f}: the data chunk size is the audio on disk`);
      assert.equal(buf.readUInt32LE(4), buf.length - 8, `${f}: the RIFF size`);
      const wav = readWav(buf);
      assert.deepEqual([wav.channels, wav.sampleRate], [2, 8000]);
      assert.ok(wav.samples[0].length >= 8000, `${f}: ${wav.samples[0].length} frames (a second or more of the call)`);
    }
    const event = (await box.read<any>('events')).map((r) => r.value).find((e) => e.type === 'calls-cut-by-restart');
    assert.deepEqual([event?.calls, event?.byes, event?.recordings], [CALLS, 2 * CALLS, CALLS]);
    const cleanupMs = JSON.parse(box.logs.find((l) => l.includes('calls cut by a crash')) ?? '{}').ms;
    const s = await box.idle(5000);
    assert.deepEqual([s.calls, s.dialogs], [0, 0]);
    console.log(`power-cut: ${up.calls} calls up; after kill -9 ${headerOff} of ${files.length} recording headers lagged the audio on disk; restart to ready ${readyMs} ms (of which ending the cut calls ${cleanupMs} ms); both sipps had every BYE ${byesMs} ms after the restart began; CDRs +${cdrs.length - cdrsBefore}, recordings indexed +${rows.length - recordingsBefore}`);
    assert.equal(await box.stop(), 0);
    box = undefined;
  } finally {
    for (const s of sipps) s.kill();
    if (box) await cutPower(box);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
