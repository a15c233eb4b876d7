// npm run fuzz:sip — 1,000,000 mutated SIP messages (SIP_FUZZ_COUNT, SIP_FUZZ_SEED) through the
// box's real receive path (system/sip/fuzz-rig.ts: transport -> edge guard -> codec ->
// endpoint -> transactions -> auth/registrar on LMDB), with the real transaction timers
// running. Fails (exit 1) on any throw, unhandled rejection or uncaught exception; prints RSS
// and heap (after GC) every 100,000 messages and the growth from the first checkpoint past
// the transaction lifetime (steady state) to the end.
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
console.log(`fuzz:sip ${COUNT} messages, seed ${SEED}`);
for (let n = 1; n <= COUNT; n++) {
  const bytes = mutate(SEEDS[Math.floor(rnd() * SEEDS.length)], rnd);
  try {
    rig.feed(bytes, remoteFor(rnd));
  } catch (err) {
    problems.push(`message ${n} threw: ${(err as Error).stack}\n${bytes.toString('latin1').slice(0, 400)}`);
  }
  if (n % 1000 === 0) await new Promise((r) => setImmediate(r));
  if (n % 100_000 === 0 || n === COUNT) {
    gc();
    const m = process.memoryUsage();
    const s = { n, at: Date.now() - started, rss: m.rss, heap: m.heapUsed, transactions: rig.counts().transactions };
    samples.push(s);
    console.log(`${n} messages in ${(s.at / 1000).toFixed(0)} s: rss ${mb(s.rss)} MB, heap ${mb(s.heap)} MB, live transactions ${s.transactions}, malformed ${rig.transport.counters.malformed}, gated ${rig.transport.counters.gated}, answers ${rig.transport.counters.sent}`);
  }
}
await new Promise((r) => setTimeout(r, 500));
// Steady state: the first checkpoint after the transactions' 32 s lifetime has passed.
const base = samples.find((s) => s.at > 40_000) ?? samples[0];
const end = samples[samples.length - 1];
const growth = base === end ? 0 : ((end.rss - base.rss) / base.rss) * 100;
console.log(`steady state from message ${base.n}: rss ${mb(base.rss)} -> ${mb(end.rss)} MB (${growth.toFixed(1)} %), heap ${mb(base.heap)} -> ${mb(end.heap)} MB`);
await rig.close();
console.log(`RESULT fuzz_messages ${COUNT} messages baseline=- ratio=- target=>=1000000`);
console.log(`RESULT fuzz_failures ${problems.length} failures baseline=- ratio=- target=<=0`);
console.log(`RESULT fuzz_rss_growth_pct ${growth.toFixed(1)} % baseline=- ratio=- target=<=5`);
if (problems.length) {
  console.error(problems.slice(0, 5).join('\n\n'));
  process.exit(1);
}
