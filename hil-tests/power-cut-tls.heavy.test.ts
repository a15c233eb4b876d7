// Issue 11: kill -9 with calls up whose legs are SIP over TLS. Four baresip phones registered
// over TLS (each with its own certificate, so its Contact, a TLS listener, can be reached)
// make two calls through the box (1001 -> 1002, 1003 -> 1004: four TLS legs, two the phones
// opened towards the box and two the box sent on registration flows). The daemon is killed
// with SIGKILL: every TLS connection dies with it, and the phones keep their calls up (they
// have no idea the box is gone). Restarted on the same data directory and ports, the box
// opens new TLS connections to each phone's Contact and sends the BYE: every phone ends its
// call on the BYE, two CDRs with cause box-restart are written, and the journal is empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { freePort } from './harness/ports.ts';
import { makeSelfSigned } from './harness/test-ca.ts';
import { until } from './harness/until.ts';
import { cutPower, dialogJournal, restartOnSameData } from './harness/power-cut.ts';

/** The phone's calls as its ctrl_tcp `listcalls` tells (a line per call it still holds). */
async function calls(phone: Baresip): Promise<number> {
  const reply = await phone.command('listcalls');
  const data = /"data":"((?:[^"\\]|\\.)*)"/.exec(reply)?.[1] ?? '';
  return (JSON.parse(`"${data}"`) as string).split('\n').filter((l) => /sip:/.test(l)).length;
}

test('kill -9 with calls up between TLS phones: after the restart every phone gets its BYE over a new TLS connection', { timeout: 300_000 }, async () => {
  const cert = makeSelfSigned(['127.0.0.1']);
  const tlsPort = await freePort();
  const exts = ['1001', '1002', '1003', '1004'];
  const config = {
    sip: { tls: true, tlsPort },
    calls: { deadMediaTimeoutSec: 0 },
    extensions: exts.map((n) => ({ number: n, password: `secret${n}` })),
  };
  let box: BoxProcess | undefined = await startBoxProcess(config, { keepData: true });
  const dataDir = box.dataDir;
  const phones: Baresip[] = [];
  try {
    for (const n of exts) {
      phones.push(await startBaresip({ extension: n, password: `secret${n}`, box: { host: '127.0.0.1', port: tlsPort }, listenIp: '127.0.0.1', tls: { certFile: cert.bundleFile }, toneHz: 400 + Number(n.slice(-1)) * 100, wav: undefined }));
    }
    for (const p of phones) await p.waitFor(/200 OK .*1 binding/, 30_000);
    const [p1, p2, p3, p4] = phones;
    for (const [from, to] of [[p1, '1002'], [p3, '1004']] as const) assert.match(await from.command('dial', to), /"response":true/);
    for (const p of phones) await p.waitFor(/established/i, 20_000);
    await until('both calls journaled with both legs', async () => {
      const rows = await dialogJournal(box!);
      return rows.length === 2 && rows.every((r) => r.legs.length === 2 && r.legs.every((l: any) => l.remote.protocol === 'TLS')) ? rows : undefined;
    }, 30_000);
    const cdrsBefore = (await box.read('cdr')).length;

    await cutPower(box);
    // The connections died with the box; the phones still hold their calls (nothing told them).
    await new Promise((r) => setTimeout(r, 1000));
    for (const p of phones) assert.equal(await calls(p), 1, `a phone still holds its call after the kill:\n${p.output().slice(-800)}`);
    const marks = phones.map((p) => p.output().length);

    const restartAt = Date.now();
    box = await restartOnSameData(config, box);
    for (const [i, p] of phones.entries()) {
      await until(`phone ${exts[i]} ended its call`, async () => ((await calls(p)) === 0 ? true : undefined), 30_000);
      const after = p.output().slice(marks[i]);
      assert.match(after, /Call with sip:\S+ terminated/, after.slice(-600));
    }
    const byeLines = box.logs.filter((l) => l.includes('BYE after restart sent over a new connection'));
    assert.equal(byeLines.length, 4, box.logs.filter((l) => /restart|connection failed/i.test(l)).join('\n'));
    // Each phone answered its BYE 200 OK: it still held that dialog, so the BYE is what ended its call (a phone without it says 481).
    await until('every BYE answered 200', async () => (new Set(box!.logs.filter((l) => l.includes('BYE after restart answered') && l.includes('"status":200')).map((l) => JSON.parse(l).sipCallId)).size === 4 ? true : undefined), 15_000)
      .catch(() => assert.fail(box!.logs.filter((l) => l.includes('BYE after restart')).join('\n')));
    assert.deepEqual(await dialogJournal(box), []);
    const cdrs = (await box.read<any>('cdr')).map((r) => r.value);
    assert.equal(cdrs.length, cdrsBefore + 2);
    const cut = cdrs.filter((c) => c.hangup.cause === 'box-restart');
    assert.deepEqual(cut.map((c) => [c.caller.id, c.callee?.id]).sort(), [['1001', '1002'], ['1003', '1004']]);
    console.log(`power-cut-tls: 2 calls (4 TLS legs) ended ${Date.now() - restartAt} ms after the restart began; BYEs over new TLS connections: ${byeLines.map((l) => `${JSON.parse(l).side} -> ${JSON.parse(l).remote.port}`).join(', ')}`);
    assert.equal(await box.stop(), 0);
    box = undefined;
  } finally {
    for (const p of phones) await p.stop();
    if (box) await cutPower(box);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(cert.dir, { recursive: true, force: true });
  }
});
