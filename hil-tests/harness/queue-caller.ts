// A caller on the carrier trunk for tests whose agent ends the call (browser softphone, desk
// phone, wallboard, IVR): sipp plays uac-wait-bye.xml from the carrier address on a free
// port (INVITE to `dialled` as `caller`, ACK, then it waits for the box's BYE), with no media
// of its own (its SDP names the discard port 9). The test waits for its pages and reads
// run.done; the call ending before the BYE is sipp's failure. For a caller with a media socket
// that talks to the box, see carrier-caller.ts.
import { runSipp, type SippRun } from './sipp.ts';
import { freePort } from './ports.ts';
import { CARRIER_IP } from './topology.ts';

export interface QueueCallerOptions {
  dialled: string;
  /** The calling number (From user). */
  caller: string;
  /** sipp's overall timeout: how long the call may last before sipp gives up. */
  timeoutSec: number;
}

export async function queueCaller(box: { sipPort: number }, o: QueueCallerOptions): Promise<SippRun> {
  return runSipp({
    scenario: 'uac-wait-bye.xml', localIp: CARRIER_IP, localPort: await freePort(CARRIER_IP), target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: o.dialled, caller: o.caller, rtp_ip: CARRIER_IP, rtp_port: 9 }, timeoutSec: o.timeoutSec,
  });
}
