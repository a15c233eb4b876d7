// A branch office in network namespaces (iproute2, needs root): the box in its own
// namespace with a LAN port and a carrier port, a "lan" namespace where the phones (and a
// browser) live behind a LAN switch (a bridge), and a "carrier" namespace where sipp plays
// the SIP trunk. The test process joins the LAN as a technician's PC (its own veth on the
// switch), so it reaches the box only over the box's LAN address, as in the field.
// Owns creating and always removing these namespaces; a stale set left by a crashed run
// (same prefix) is removed before a new one is made.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** The addresses of the office (LAN 10.77.0.0/24, carrier link 10.78.0.0/24). */
export const OFFICE = {
  boxLan: '10.77.0.2',
  boxCarrier: '10.78.0.1',
  /** The test process's address on the LAN (a technician's PC). */
  technician: '10.77.0.1',
  carrier: '10.78.0.2',
  /** Phone i's address in the lan namespace (i = 0..9). */
  phone: (i: number) => `10.77.0.${10 + i}`,
} as const;

export interface BranchOffice {
  ns: { box: string; lan: string; carrier: string };
  /** Run a command inside a namespace and return its stdout (throws on a non-zero exit). */
  exec(ns: string, cmd: string, args: string[]): string;
  /** Start a long-running process inside a namespace (`ip netns exec` execs it: the pid is the process's). */
  spawn(ns: string, cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /** Drop every packet on the box's carrier port with nftables (a dead trunk, not an error reply). */
  cutCarrier(): void;
  restoreCarrier(): void;
  /** Remove the namespaces and links; idempotent. */
  destroy(): void;
}

const ip = (args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const quietly = (fn: () => unknown) => {
  try {
    fn();
  } catch {
    /* not there: nothing to remove */
  }
};

function namesFor(prefix: string) {
  return {
    ns: { box: `${prefix}-box`, lan: `${prefix}-lan`, carrier: `${prefix}-carrier` },
    // Interface names are at most 15 characters; made in the root namespace, then moved.
    tech: `${prefix}-tech`,
  };
}

/** Remove whatever a run with this prefix left behind (a crashed test, a killed CI job). */
export function removeBranchOffice(prefix = 'ccbo'): void {
  const n = namesFor(prefix);
  for (const ns of Object.values(n.ns)) {
    // Processes still inside would keep the namespace alive after its name is gone.
    quietly(() => {
      const pids = ip(['netns', 'pids', ns]).split('\n').filter(Boolean);
      for (const pid of pids) quietly(() => process.kill(Number(pid), 'SIGKILL'));
    });
    quietly(() => ip(['netns', 'del', ns]));
  }
  quietly(() => ip(['link', 'del', n.tech]));
}

export function createBranchOffice(prefix = 'ccbo'): BranchOffice {
  if (prefix.length > 9) throw new Error(`namespace prefix ${prefix} is too long for interface names`);
  removeBranchOffice(prefix);
  const { ns, tech } = namesFor(prefix);
  const inNs = (name: string, args: string[]) => ip(['-n', name, ...args]);
  const office: BranchOffice = {
    ns,
    exec: (name, cmd, args) => execFileSync('ip', ['netns', 'exec', name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString(),
    spawn: (name, cmd, args, opts = {}) => spawn('ip', ['netns', 'exec', name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts }),
    cutCarrier: () => {
      const nft = (command: string) => office.exec(ns.box, 'nft', [command]);
      nft('add table inet trunkloss');
      nft('add chain inet trunkloss in { type filter hook input priority 0; policy accept; }');
      nft('add chain inet trunkloss out { type filter hook output priority 0; policy accept; }');
      nft('add rule inet trunkloss in iifname "wan0" drop');
      nft('add rule inet trunkloss out oifname "wan0" drop');
    },
    restoreCarrier: () => void office.exec(ns.box, 'nft', ['delete table inet trunkloss']),
    destroy: () => removeBranchOffice(prefix),
  };
  try {
    for (const name of Object.values(ns)) {
      ip(['netns', 'add', name]);
      inNs(name, ['link', 'set', 'lo', 'up']);
    }
    // The LAN switch, inside the lan namespace.
    inNs(ns.lan, ['link', 'add', 'switch', 'type', 'bridge']);
    inNs(ns.lan, ['link', 'set', 'switch', 'up']);
    // Box LAN port <-> switch.
    ip(['link', 'add', `${prefix}-bl`, 'netns', ns.box, 'type', 'veth', 'peer', 'name', `${prefix}-lb`, 'netns', ns.lan]);
    inNs(ns.box, ['link', 'set', `${prefix}-bl`, 'name', 'lan0']);
    inNs(ns.box, ['addr', 'add', `${OFFICE.boxLan}/24`, 'dev', 'lan0']);
    inNs(ns.box, ['link', 'set', 'lan0', 'up']);
    inNs(ns.lan, ['link', 'set', `${prefix}-lb`, 'master', 'switch', 'up']);
    // Technician's PC (the test process, root namespace) <-> switch.
    ip(['link', 'add', tech, 'type', 'veth', 'peer', 'name', `${prefix}-lt`, 'netns', ns.lan]);
    ip(['addr', 'add', `${OFFICE.technician}/24`, 'dev', tech]);
    ip(['link', 'set', tech, 'up']);
    inNs(ns.lan, ['link', 'set', `${prefix}-lt`, 'master', 'switch', 'up']);
    // The phones' addresses on the switch.
    for (let i = 0; i < 10; i++) inNs(ns.lan, ['addr', 'add', `${OFFICE.phone(i)}/24`, 'dev', 'switch']);
    // Box carrier port <-> carrier.
    ip(['link', 'add', `${prefix}-bw`, 'netns', ns.box, 'type', 'veth', 'peer', 'name', `${prefix}-wb`, 'netns', ns.carrier]);
    inNs(ns.box, ['link', 'set', `${prefix}-bw`, 'name', 'wan0']);
    inNs(ns.box, ['addr', 'add', `${OFFICE.boxCarrier}/24`, 'dev', 'wan0']);
    inNs(ns.box, ['link', 'set', 'wan0', 'up']);
    inNs(ns.carrier, ['link', 'set', `${prefix}-wb`, 'name', 'eth0']);
    inNs(ns.carrier, ['addr', 'add', `${OFFICE.carrier}/24`, 'dev', 'eth0']);
    inNs(ns.carrier, ['link', 'set', 'eth0', 'up']);
    // The box writes one address (its LAN address) into Contact/SDP (sip.publicAddress,
    // media.announcedAddress): the carrier reaches it over the carrier link. The box does
    // not forward between its ports (ip_forward stays 0 in its namespace); it only
    // receives for its own address.
    inNs(ns.carrier, ['route', 'add', `${OFFICE.boxLan}/32`, 'via', OFFICE.boxCarrier]);
  } catch (err) {
    office.destroy();
    throw err;
  }
  // A test process that dies without running its after-hooks still leaves nothing behind.
  process.once('exit', () => office.destroy());
  return office;
}
