// How the ACD reaches people: an agent's registered phone or open browser softphone (a
// candidate for Call.offer), an extension or a dial-plan number for overflow and exit
// destinations. Translates names in the configuration into SIP targets; no state of its own.
import type { Call } from '../calls/call.ts';
import type { CalleeCandidate } from '../calls/callee-offer.ts';
import { extensionTarget, trunkTarget } from '../calls/call-manager.ts';
import { dial } from '../calls/routing.ts';
import type { Registrar } from '../sip/registrar.ts';
import type { AgentConfig, BoxConfig } from '../config/schema.ts';

export interface RingTargetDeps {
  config: () => BoxConfig;
  registrar: Pick<Registrar, 'lookup'>;
  publicAddress: string;
  /** Agents' browser softphones (system/softphone): who has one open, and how to ring it. */
  softphones?: {
    live(agentId: string): boolean;
    candidate(agent: AgentConfig, call: Call, ringTimeoutMs: number): CalleeCandidate | undefined;
  };
}

/** Browser agents by extension, per configuration object (the ACD asks for every agent, every plan). */
const browserAgentsCache = new WeakMap<BoxConfig, Map<string, string>>();
function browserAgentOf(cfg: BoxConfig, extension: string): string | undefined {
  let byExtension = browserAgentsCache.get(cfg);
  if (!byExtension) {
    byExtension = new Map(cfg.agents.filter((a) => a.device === 'browser').map((a) => [a.extension, a.id]));
    browserAgentsCache.set(cfg, byExtension);
  }
  return byExtension.get(extension);
}

export function ringTargets(deps: RingTargetDeps) {
  /** The caller as the ringing phone shows them. */
  const fromOf = (call: Call) => {
    const caller = call.parties.caller;
    return { name: caller.number, uri: `sip:${caller.number || 'anonymous'}@${deps.publicAddress}`, params: {} };
  };

  const extensionCandidate = (key: string, extension: string, call: Call, ringTimeoutMs: number): CalleeCandidate | undefined => {
    const binding = deps.registrar.lookup(extension)[0];
    if (!binding) return undefined;
    return {
      key,
      target: extensionTarget(extension, binding, fromOf(call), deps.publicAddress),
      party: { kind: 'extension', id: extension, uri: binding.contact, number: extension, address: binding.remote.address },
      isPhone: true,
      ringTimeoutMs,
    };
  };

  const connect = async (call: Call, candidate: CalleeCandidate | undefined): Promise<boolean> => {
    const offer = candidate && call.offer([candidate]);
    if (!offer) return false;
    return (await offer.outcome).kind === 'answered';
  };

  return {
    agentCandidate(agentId: string, call: Call, ringTimeoutMs: number): CalleeCandidate | undefined {
      const agent = deps.config().agents.find((a) => a.id === agentId);
      if (agent?.device === 'browser') return deps.softphones?.candidate(agent, call, ringTimeoutMs);
      return agent && extensionCandidate(agentId, agent.extension, call, ringTimeoutMs);
    },
    /** Whether the agent with this extension can be rung: a registered phone, or for a browser agent an open softphone. */
    registered(extension: string): boolean {
      const browserAgent = browserAgentOf(deps.config(), extension);
      if (browserAgent !== undefined) return deps.softphones?.live(browserAgent) ?? false;
      return deps.registrar.lookup(extension).length > 0;
    },
    ringExtension(call: Call, extension: string): Promise<boolean> {
      return connect(call, extensionCandidate(`ext:${extension}`, extension, call, deps.config().calls.noAnswerTimeoutSec * 1000));
    },
    ringNumber(call: Call, number: string): Promise<boolean> {
      const cfg = deps.config();
      const route = dial(cfg, number);
      if (route.kind !== 'trunk') return Promise.resolve(false);
      const target = trunkTarget(route.trunk, route.number, fromOf(call));
      return connect(call, {
        key: `dial:${number}`,
        target,
        party: { kind: 'trunk', id: route.trunk.name, uri: target.requestUri, number: route.number, address: target.remote.address },
        isPhone: false,
        ringTimeoutMs: cfg.calls.noAnswerTimeoutSec * 1000,
      });
    },
  };
}
