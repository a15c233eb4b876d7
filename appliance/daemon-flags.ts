// The V8 heap sizing the appliance daemon runs with, wherever it runs: the image's systemd unit,
// `npm start`, the whole-box tests' boxes and the benchmarks' boxes (daemon-flags.test.ts keeps
// the unit and package.json in step with this list).
// Why: left to its defaults on a machine with gigabytes of RAM, V8 lets collected-but-not-freed
// garbage pile up, so the daemon's RSS climbs for many minutes under steady load (bench:soak,
// 300 s: RSS 436 -> 558 MB by quarter medians, the main thread's committed heap 151 -> 275 MB
// while the heap in use stayed 124-171 MB). With these two caps the full 600 s soak gave
// RSS 365 -> 381 -> 392 -> 392 MB (+2.9 % from its second quarter), the heap in use flat at
// ~91 MB, 8,700 calls and 0 failed. The old space keeps ~2.5x the live heap as headroom; the
// young generation's 4 MB semi-spaces cost more frequent (cheap) scavenges.
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-old-space-size=256', '--max-semi-space-size=4'];
