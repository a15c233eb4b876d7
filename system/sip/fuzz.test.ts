// Fuzzing the SIP receive path (the fast suite's share; `npm run fuzz:sip` runs 1,000,000):
// mutated INVITE/REGISTER/BYE/ACK/CANCEL/OPTIONS/200 messages fed to the real transport ->
// edge guard -> codec -> endpoint -> transactions -> auth/registrar path (fuzz-rig.ts). No
// input may throw, reject unhandled or crash; transactions and dialogs return to their
// baseline; the heap after the run is within a few MB of the heap after the warm-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { SEEDS, mutate, prng, remoteFor, startFuzzRig } from './fuzz-rig.ts';
import { decode } from './codec.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const COUNT = Number(process.env.SIP_FUZZ_COUNT ?? 20_000);
const SEED = Number(process.env.SIP_FUZZ_SEED ?? 20261126);

test('every seed is a valid message (the mutations start from real SIP)', () => {
  for (const s of SEEDS) assert.ok(decode(s).ok, s.split('\r\n')[0]);
});

test(`${COUNT} mutated messages through the real receive path: no throw, no unhandled rejection, state and heap back to baseline`, async () => {
  const problems: string[] = [];
  const onRejection = (err: unknown) => problems.push(`unhandled rejection: ${String((err as Error)?.stack ?? err)}`);
  const onException = (err: Error) => problems.push(`uncaught exception: ${err.stack}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  const rig = await startFuzzRig();
  const rnd = prng(SEED);
  let heapAfterWarmup = 0;
  try {
    for (let n = 0; n < COUNT; n++) {
      const bytes = mutate(SEEDS[Math.floor(rnd() * SEEDS.length)], rnd);
      try {
        rig.feed(bytes, remoteFor(rnd));
      } catch (err) {
        problems.push(`message ${n} (seed ${SEED}) threw: ${(err as Error).stack}\n${bytes.toString('latin1').slice(0, 400)}`);
      }
      if (n % 1000 === 999) await new Promise((r) => setImmediate(r)); // let registrar writes and sends run
      if (n === Math.floor(COUNT / 4)) {
        // Transactions would end by their timers (32 s); end them now, as time passing would.
        rig.endpoint.transactions.closeAll();
        await new Promise((r) => setTimeout(r, 100));
        gc();
        heapAfterWarmup = process.memoryUsage().heapUsed;
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    rig.endpoint.transactions.closeAll();
    assert.deepEqual({ transactions: rig.counts().transactions, dialogs: rig.counts().dialogs }, { transactions: 0, dialogs: 1 }, 'only the seeds\' own dialog is left');
    assert.ok(rig.transport.counters.received >= COUNT, `every message reached the transport (${rig.transport.counters.received})`);
    assert.ok(rig.transport.counters.malformed > COUNT / 10, `mutations were malformed often enough to matter (${rig.transport.counters.malformed})`);
    assert.ok(rig.transport.counters.sent > COUNT / 4, `and many were answered (${rig.transport.counters.sent})`);
    gc();
    const heapEnd = process.memoryUsage().heapUsed;
    const growthMb = (heapEnd - heapAfterWarmup) / 2 ** 20;
    console.log(`fuzz: ${COUNT} messages, seed ${SEED}, received ${rig.transport.counters.received}, malformed ${rig.transport.counters.malformed}, gated ${rig.transport.counters.gated}, answers ${rig.transport.counters.sent}, bans ${rig.counts().bans}, heap ${(heapAfterWarmup / 2 ** 20).toFixed(1)} -> ${(heapEnd / 2 ** 20).toFixed(1)} MB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
    assert.ok(growthMb < 8, `heap grew ${growthMb.toFixed(1)} MB from the warm-up to the end`);
  } finally {
    await rig.close();
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  }
  assert.deepEqual(problems, []);
});
