// Who hears whom in a call's mix: the talking parties (mix-minus: everyone but oneself) and
// supervisors in one of three modes. listen: hears everyone, heard by nobody; whisper: hears
// everyone, heard only by the agent it coaches; barge: a talking party like the others.
// Pure data: `sourcesHeardBy` gives every listener's source set, and `mixSettingsFor` the
// MixMinus settings (listen-only, whisper target) that realise it (mixer.ts). Never imports system/.

export type MonitorMode = 'listen' | 'whisper' | 'barge';
export const MONITOR_MODES: readonly MonitorMode[] = ['listen', 'whisper', 'barge'];

export interface MixMember {
  id: string;
  /** Undefined for a talking party; a supervisor's mode otherwise. */
  monitor?: { mode: MonitorMode; agent: string };
}

/** What the mixer must be told for one member (MixMinus.setListenOnly / setWhisper). */
export interface MixSettings {
  listenOnly: boolean;
  whisperTo: string | undefined;
}

export function mixSettingsFor(member: MixMember): MixSettings {
  const m = member.monitor;
  if (!m || m.mode === 'barge') return { listenOnly: false, whisperTo: undefined };
  if (m.mode === 'listen') return { listenOnly: true, whisperTo: undefined };
  // A whisper to oneself or to nobody known is heard by nobody (listen-only).
  return m.agent && m.agent !== member.id ? { listenOnly: false, whisperTo: m.agent } : { listenOnly: true, whisperTo: undefined };
}

/**
 * Every member's source set: the ids whose audio it hears. Nobody hears itself; a listener
 * is heard by nobody; a whisperer only by its agent (if that agent is present).
 */
export function sourcesHeardBy(members: readonly MixMember[]): Map<string, Set<string>> {
  const ids = new Set(members.map((m) => m.id));
  const out = new Map<string, Set<string>>();
  for (const listener of members) {
    const heard = new Set<string>();
    for (const source of members) {
      if (source.id === listener.id) continue;
      const s = mixSettingsFor(source);
      if (s.listenOnly) continue;
      if (s.whisperTo !== undefined && (s.whisperTo !== listener.id || !ids.has(s.whisperTo))) continue;
      heard.add(source.id);
    }
    out.set(listener.id, heard);
  }
  return out;
}
