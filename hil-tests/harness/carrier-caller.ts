// A caller on the carrier trunk for whole-box tests: sipp plays a UAC scenario (uac-call.xml
// by default: INVITE, a pause of `pauseMs`, BYE) from the carrier address on a free port, its
// media a test RtpPeer. Resolves once the box has answered and named its media port (the
// scenario's BOXPORT log line); the caller can then talk a tone or send silence to it, and
// close() stops the sending, kills sipp and closes the socket (safe to call more than once).
import { runSipp, type SippRun } from './sipp.ts';
import { RtpPeer } from './rtp-peer.ts';
import { freePort } from './ports.ts';
import { CARRIER_IP } from './topology.ts';

export interface CarrierCallOptions {
  dialled: string;
  /** The calling number (From user). */
  caller: string;
  /** How long sipp stays in the call before its BYE (sipp -d). */
  pauseMs: number;
  /** sipp's overall timeout; its default (30 s) when left out. */
  timeoutSec?: number;
  /** A UAC scenario under peers/sipp that logs BOXPORT (uac-call.xml when left out). */
  scenario?: string;
}

export interface CarrierCall {
  /** The caller's media socket: what it received, and what it sends. */
  peer: RtpPeer;
  uac: SippRun;
  /** The box's media port for this call. */
  boxPort: number;
  /** Send a continuous `hz` tone to the box until close(). */
  talk(hz: number): void;
  /** Send μ-law silence every 20 ms until close() (keeps the media of the call alive). */
  sendSilence(): void;
  close(): void;
}

export async function carrierCall(box: { sipPort: number }, o: CarrierCallOptions): Promise<CarrierCall> {
  const peer = await RtpPeer.open(CARRIER_IP);
  const stops: (() => void)[] = [];
  let uac: SippRun | undefined;
  const close = () => {
    for (const s of stops.splice(0)) s();
    uac?.kill();
    try {
      peer.close();
    } catch {
      /* closed already */
    }
  };
  try {
    uac = runSipp({
      scenario: o.scenario ?? 'uac-call.xml', localIp: CARRIER_IP, localPort: await freePort(CARRIER_IP), target: `127.0.0.1:${box.sipPort}`,
      keys: { dialled: o.dialled, caller: o.caller, rtp_ip: CARRIER_IP, rtp_port: peer.port }, pauseMs: o.pauseMs, timeoutSec: o.timeoutSec,
    });
    const [, boxPort] = await uac.waitForLog(/BOXPORT (\d+)/);
    const port = Number(boxPort);
    return {
      peer,
      uac,
      boxPort: port,
      talk: (hz) => void stops.push(peer.talk(hz, port)),
      sendSilence: () => {
        const t = setInterval(() => peer.socket.send(peer.packet(0, Buffer.alloc(160, 0xff)), port, '127.0.0.1'), 20);
        stops.push(() => clearInterval(t));
      },
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}
