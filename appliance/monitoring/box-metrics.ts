// The box's /metrics page: hardware (last sample), calls, SIP (transport counters, open
// transactions and dialogs, client transactions by outcome, response times per peer, trunk
// registrations), media (mediasoup counters), queues and agents (ACD live state), call
// quality per trunk and active alerts, as Prometheus text. Reads state; changes nothing.
import type { Box } from '../../system/box.ts';
import { queuesLive } from '../../system/acd/live-state.ts';
import type { AgentState } from '../../system/acd/agent-states.ts';
import { PromText, type Sample } from './prom-text.ts';
import type { HardwareSample } from './hardware.ts';
import type { TrunkQuality } from './call-quality.ts';
import type { PeerTimes, SipTimings } from './sip-timing.ts';
import type { AlertRow } from './monitor.ts';

export interface MetricsInput {
  box: Box;
  hardware?: HardwareSample;
  quality: TrunkQuality[];
  sip: PeerTimes[];
  sipTotals: SipTimings['totals'];
  alerts: AlertRow[];
}

const STATES: AgentState[] = ['logged-out', 'available', 'ringing', 'on-call', 'wrap-up', 'break'];

export function boxMetrics(i: MetricsInput): string {
  const p = new PromText();
  const s = i.box.status();
  const h = i.hardware;
  p.gauge('cc_up', 'The box answers (always 1 when this page is served).', 1);
  p.gauge('cc_process_uptime_seconds', 'Seconds since the daemon started.', Math.round(process.uptime()));
  if (h) {
    p.gauge('cc_host_uptime_seconds', 'Seconds since the machine booted.', h.uptimeSec);
    p.gauge('cc_hardware_sample_timestamp_seconds', 'When the hardware figures below were read (unix time).', Math.floor(h.at / 1000));
    p.gauge('cc_cpu_load_percent', 'CPU load over all cores, percent.', h.cpu.loadPct);
    p.gauge('cc_cpu_cores', 'CPU cores available.', h.cpu.cores);
    p.gauge('cc_cpu_temperature_celsius', 'Hottest CPU sensor (only where the board has one).', h.cpu.tempC);
    p.gauge('cc_memory_total_bytes', 'Memory installed.', h.memory.totalBytes);
    p.gauge('cc_memory_used_bytes', 'Memory in use (total minus available).', h.memory.usedBytes);
    p.gauge('cc_filesystem_size_bytes', 'Size of each mounted file system.', h.disks.map((d) => ({ labels: { mount: d.mount, device: d.fs }, value: d.sizeBytes })));
    p.gauge('cc_filesystem_used_bytes', 'Used space of each mounted file system.', h.disks.map((d) => ({ labels: { mount: d.mount, device: d.fs }, value: d.usedBytes })));
    p.gauge('cc_data_dir_size_bytes', 'Size of the file system holding the data directory.', h.dataDir?.sizeBytes);
    p.gauge('cc_data_dir_used_bytes', 'Used space of the file system holding the data directory.', h.dataDir?.usedBytes);
    p.gauge('cc_disk_smart_ok', 'SMART health per disk that reports it (1 ok, 0 failure predicted).', h.smart.map((d) => ({ labels: { device: d.device }, value: d.status === 'ok' ? 1 : 0 })));
    p.gauge('cc_network_up', 'Link state per network interface (1 up).', h.network.map((n) => ({ labels: { iface: n.iface }, value: n.up ? 1 : 0 })));
    p.counter('cc_network_receive_bytes_total', 'Bytes received per interface.', h.network.filter((n) => n.rxBytes !== undefined).map((n) => ({ labels: { iface: n.iface }, value: n.rxBytes! })));
    p.counter('cc_network_transmit_bytes_total', 'Bytes sent per interface.', h.network.filter((n) => n.txBytes !== undefined).map((n) => ({ labels: { iface: n.iface }, value: n.txBytes! })));
  }
  p.gauge('cc_calls_active', 'Calls in progress.', s.calls);
  p.gauge('cc_sip_dialogs', 'Open SIP dialogs.', s.dialogs);
  p.gauge('cc_sip_transactions', 'Open SIP transactions.', [{ labels: { kind: 'server' }, value: s.transactions.server }, { labels: { kind: 'client' }, value: s.transactions.client }]);
  p.counter('cc_sip_messages_received_total', 'SIP messages received.', s.sip.received);
  p.counter('cc_sip_messages_sent_total', 'SIP messages sent.', s.sip.sent);
  p.counter('cc_sip_messages_malformed_total', 'Malformed SIP messages received.', s.sip.malformed);
  p.gauge('cc_sip_tcp_connections', 'Open SIP TCP connections.', s.sip.tcpConnections);
  p.counter('cc_sip_client_transactions_total', 'Requests the box sent, by method and final response class (408 = no answer).',
    [...i.sipTotals].sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => {
      const [method, klass] = key.split(' ') as [string, string];
      return { labels: { method, class: klass }, value };
    }));
  p.gauge('cc_sip_response_time_seconds', 'Time to the first SIP response per peer over the monitoring window.', i.sip.flatMap((t): Sample[] => [
    { labels: { peer: t.peer, quantile: '0.5' }, value: t.p50Ms / 1000 },
    { labels: { peer: t.peer, quantile: '0.95' }, value: t.p95Ms / 1000 },
  ]));
  p.gauge('cc_sip_requests_window', 'Requests per peer over the monitoring window.', i.sip.map((t) => ({ labels: { peer: t.peer }, value: t.requests })));
  p.gauge('cc_sip_timeouts_window', 'Requests per peer that got no answer over the monitoring window.', i.sip.map((t) => ({ labels: { peer: t.peer }, value: t.timeouts })));
  p.gauge('cc_trunk_registered', 'Registering trunks: 1 while registered.', s.trunks.map((t) => ({ labels: { trunk: t.trunk }, value: t.state === 'registered' ? 1 : 0 })));
  for (const [key, help] of [['workers', 'mediasoup workers'], ['routers', 'mediasoup routers'], ['transports', 'mediasoup transports'], ['producers', 'mediasoup producers'], ['consumers', 'mediasoup consumers']] as const) {
    p.gauge(`cc_media_${key}`, `${help[0]!.toUpperCase()}${help.slice(1)} open.`, s.media[key]);
  }
  p.gauge('cc_trunk_quality_legs', 'Trunk legs with media that ended in the monitoring window.', i.quality.map((q) => ({ labels: { trunk: q.trunk }, value: q.legs })));
  p.gauge('cc_trunk_mos', 'Mean MOS (E-model estimate) of trunk legs in the window.', i.quality.map((q) => ({ labels: { trunk: q.trunk }, value: q.mos })));
  p.gauge('cc_trunk_loss_ratio', 'Mean packet loss of trunk legs in the window (0..1).', i.quality.map((q) => ({ labels: { trunk: q.trunk }, value: q.lossPct / 100 })));
  p.gauge('cc_trunk_jitter_seconds', 'Mean interarrival jitter of trunk legs in the window.', i.quality.map((q) => ({ labels: { trunk: q.trunk }, value: q.jitterMs / 1000 })));
  const cfg = i.box.config;
  const queues = queuesLive(i.box.acd, cfg);
  p.gauge('cc_queue_waiting', 'Callers waiting per queue.', queues.map((q) => ({ labels: { queue: q.name }, value: q.waiting })));
  p.gauge('cc_queue_longest_wait_seconds', 'Longest wait of a caller now in the queue.', queues.map((q) => ({ labels: { queue: q.name }, value: q.longestWaitSec })));
  p.gauge('cc_queue_agents', 'Agents of each queue by state.', queues.flatMap((q) => STATES.map((state) => ({ labels: { queue: q.name, state }, value: q.agents[state] }))));
  const byState = new Map<AgentState, number>(STATES.map((st) => [st, 0]));
  for (const a of cfg.agents) {
    const st = i.box.acd.agents.get(a.id)?.state ?? 'logged-out';
    byState.set(st, (byState.get(st) ?? 0) + 1);
  }
  if (cfg.agents.length) p.gauge('cc_agents', 'Configured agents by state.', STATES.map((state) => ({ labels: { state }, value: byState.get(state)! })));
  const active = i.alerts.filter((a) => a.state === 'active');
  p.gauge('cc_alerts_active', 'Active alerts.', active.length);
  p.gauge('cc_alert', 'Each active alert (1), by code and subject.', active.map((a) => ({ labels: { code: a.code, metric: a.metric, subject: a.subject }, value: 1 })));
  return p.toString();
}
