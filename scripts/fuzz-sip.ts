// npm run fuzz:sip — 1,000,000 mutated SIP messages (SIP_FUZZ_COUNT, SIP_FUZZ_SEED) through the
// box's real receive path (system/sip/fuzz-rig.ts: transport -> edge guard -> codec ->
// endpoint -> transactions -> auth/registrar on LMDB), with the real transaction timers
// running. Fails (exit 1) on any throw, unhandled rejection or uncaught exception; prints RSS,
// heap (after GC) and live transactions every 100,000 messages. Memory is compared when no
// transaction is alive, so the figure is what stays behind, not the traffic in flight: after a
// 20,000-message warm-up, half-way and at the end, each time once the transactions' own timers
// (32 s) have ended them all. The bounded per-address tables (rate buckets, failure counters:
// at most 50,000 keys each) fill during the first half; the second half must add nothing.
import v8 from 'node:v8';
import vm from 'node:vm';
import { SEEDS, mutate, prng, remoteFor, startFuzzRig } from '../system/sip/fuzz-rig.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const COUNT = Number(process.env.SIP_FUZZ_COUNT ?? 1_000_000);
const SEED = Number(process.env.SIP_FUZZ_SEED ?? Date.now() % 2 ** 31);
const problems: string[] = [];
process.on('unhandledRejection', (err) => problems.push(`unhandled rejection: ${String((err as Error)?.stack ?? err)}`));
process.on('uncaughtException', (err) => problems.push(`uncaught exception: ${err.stack}`));

const mb = (n: number) => (n / 2 ** 20).toFixed(1);
const rig = await startFuzzRig();
const rnd = prng(SEED);
const started = Date.now();
const samples: { n: number; at: number; rss: number; heap: number; transactions: number }[] = [];
const WARMUP = Math.min(20_000, COUNT);

/** Wait until every transaction has ended by its timers, then GC; memory at that point. */
async function drained(): Promise<{ rss: number; heap: number; waitedMs: number }> {
  const t0 = Date.now();
  while (rig.counts().transactions > 0 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 500));
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, waitedMs: Date.now() - t0 };
}
let baseline = { rss: 0, heap: 0, waitedMs: 0 };
let halfway = { rss: 0, heap: 0, waitedMs: 0 };
console.log(`fuzz:sip ${COUNT} messages, seed ${SEED}`);
for (let n = 1; n <= COUNT; n++) {
  const bytes = mutate(SEEDS[Math.floor(rnd() * SEEDS.length)], rnd);
  try {
    rig.feed(bytes, remoteFor(rnd));
  } catch (err) {
    problems.push(`message ${n} threw: ${(err as Error).stack}\n${bytes.toString('latin1').slice(0, 400)}`);
  }
  if (n % 1000 === 0) await new Promise((r) => setImmediate(r));
  if (n === WARMUP) {
    baseline = await drained();
    console.log(`after the ${WARMUP}-message warm-up, all transactions ended (${(baseline.waitedMs / 1000).toFixed(0)} s): rss ${mb(baseline.rss)} MB, heap ${mb(baseline.heap)} MB`);
  }
  if (n === Math.floor(COUNT / 2)) {
    halfway = await drained();
    console.log(`half-way (${n}), all transactions ended (${(halfway.waitedMs / 1000).toFixed(0)} s): rss ${mb(halfway.rss)} MB, heap ${mb(halfway.heap)} MB`);
  }
  if (n % 100_000 === 0 || n === COUNT) {
    gc();
    const m = process.memoryUsage();
    const s = { n, at: Date.now() - started, rss: m.rss, heap: m.heapUsed, transactions: rig.counts().transactions };
    samples.push(s);
    console.log(`${n} messages in ${(s.at / 1000).toFixed(0)} s: rss ${mb(s.rss)} MB, heap ${mb(s.heap)} MB, live transactions ${s.transactions}, malformed ${rig.transport.counters.malformed}, gated ${rig.transport.counters.gated}, answers ${rig.transport.counters.sent}`);
  }
}
const end = await drained();
const peak = Math.max(...samples.map((s) => s.rss));
const heapGrowth = ((end.heap - halfway.heap) / halfway.heap) * 100;
const rssGrowth = ((end.rss - halfway.rss) / halfway.rss) * 100;
console.log(`at the end, all transactions ended (${(end.waitedMs / 1000).toFixed(0)} s): rss ${mb(end.rss)} MB (peak ${mb(peak)} MB while up to ${Math.max(...samples.map((s) => s.transactions))} transactions were alive), heap ${mb(end.heap)} MB`);
await rig.close();
console.log(`RESULT fuzz_messages ${COUNT} messages baseline=- ratio=- target=>=1000000`);
console.log(`RESULT fuzz_failures ${problems.length} failures baseline=- ratio=- target=<=0`);
console.log(`from the warm-up to the end: heap ${mb(baseline.heap)} -> ${mb(end.heap)} MB, rss ${mb(baseline.rss)} -> ${mb(end.rss)} MB`);
console.log(`RESULT fuzz_heap_growth_pct ${heapGrowth.toFixed(1)} % baseline=${mb(halfway.heap)}MB ratio=${(end.heap / halfway.heap).toFixed(2)} target=<=5`);
console.log(`RESULT fuzz_rss_growth_pct ${rssGrowth.toFixed(1)} % baseline=${mb(halfway.rss)}MB ratio=${(end.rss / halfway.rss).toFixed(2)} target=<=5`);
if (problems.length) {
  console.error(problems.slice(0, 5).join('\n\n'));
  process.exit(1);
}
