// Prints the technician's table of error codes (Markdown) from each area's code list, so
// the table can never drift from the code. `npm run error-codes`.
import { SipErrorCodes } from '../system/sip/errors.ts';
import { SdpErrorCodes } from '../system/sip/sdp.ts';
import { CallErrorCodes } from '../system/calls/errors.ts';
import { ConfigErrorCodes } from '../system/config/load.ts';
import { AcdErrorCodes } from '../system/acd/errors.ts';
import { AuthErrorCodes } from '../system/api/auth-errors.ts';
import { ConferenceErrorCodes } from '../system/conference/errors.ts';
import { IvrErrorCodes } from '../system/ivr/errors.ts';
import { SoftphoneErrorCodes } from '../system/softphone/errors.ts';
import { MediaErrorCodes } from '../media/errors.ts';
import { WavErrorCodes } from '../media/wav.ts';
import { RecordingCryptoErrorCodes } from '../media/recording-crypto.ts';
import { AuditErrorCodes } from '../system/audit/verify.ts';
import { BackupErrorCodes } from '../appliance/backup/errors.ts';
import { MonitoringErrorCodes } from '../appliance/monitoring/errors.ts';
import { WrapUpErrorCodes } from '../system/wrapup/errors.ts';
import { WorkspaceErrorCodes } from '../system/workspace/errors.ts';
import { PasswordChangeErrorCodes } from '../system/users/password-change.ts';
import { UserAdminErrorCodes } from '../system/users/user-admin.ts';
import { RecordingsErrorCodes } from '../system/recordings/errors.ts';
import { ReportsErrorCodes } from '../system/reports/errors.ts';
import { QaErrorCodes } from '../system/qa/errors.ts';
import { WallboardErrorCodes } from '../system/wallboard/errors.ts';
import { TollErrorCodes } from '../system/calls/call-policy.ts';
import { UpdateErrorCodes } from '../appliance/updates/bundle.ts';
import { SipTlsErrorCodes } from '../system/sip/tls-certificate.ts';
import { SipTlsClientErrorCodes } from '../system/sip/tls-client.ts';
import { SdesErrorCodes } from '../system/sip/sdes.ts';
import { TransferErrorCodes } from '../system/calls/workspace-transfer.ts';
import { KbErrorCodes } from '../system/kb/errors.ts';
import { TicketErrorCodes } from '../system/tickets/errors.ts';
import { InteractionErrorCodes } from '../system/interactions/errors.ts';
import { EmailErrorCodes } from '../system/email/errors.ts';
import { AnalyticsErrorCodes } from '../system/analytics/errors.ts';

const areas: [string, Record<string, string>][] = [
  ['SIP', SipErrorCodes],
  ['SDP', SdpErrorCodes],
  ['Calls', CallErrorCodes],
  ['Configuration', ConfigErrorCodes],
  ['Queues and agents', AcdErrorCodes],
  ['Sign-in and access', AuthErrorCodes],
  ['Conference rooms', ConferenceErrorCodes],
  ['IVR flows', IvrErrorCodes],
  ['Browser softphone', SoftphoneErrorCodes],
  ['Media', MediaErrorCodes],
  ['Media files', WavErrorCodes],
  ['Recording encryption', RecordingCryptoErrorCodes],
  ['Audit log', AuditErrorCodes],
  ['Backup and restore', BackupErrorCodes],
  ['Monitoring, system log and console', MonitoringErrorCodes],
  ['Wrap-up', WrapUpErrorCodes],
  ['Workspace dial-out', WorkspaceErrorCodes],
  ['Password change', PasswordChangeErrorCodes],
  ['User management', UserAdminErrorCodes],
  ['Recordings', RecordingsErrorCodes],
  ['Reports', ReportsErrorCodes],
  ['Quality scoring', QaErrorCodes],
  ['Wallboard', WallboardErrorCodes],
  ['Toll-fraud controls', TollErrorCodes],
  ['Firmware updates', UpdateErrorCodes],
  ['SIP over TLS', SipTlsErrorCodes],
  ['SIP connections the box opens (TLS to trunks)', SipTlsClientErrorCodes],
  ['SRTP (SDES)', SdesErrorCodes],
  ['Workspace transfers', TransferErrorCodes],
  ['Knowledge base', KbErrorCodes],
  ['Tickets', TicketErrorCodes],
  ['Chats and emails', InteractionErrorCodes],
  ['Email', EmailErrorCodes],
  ['Speech analytics and transcripts', AnalyticsErrorCodes],
];

console.log('| code | area | meaning |\n|---|---|---|');
// A code two areas share (same meaning, e.g. a weak password in a user's own change and in user
// admin) is listed once, under the first area that raises it.
const listed = new Set<string>();
for (const [area, codes] of areas) {
  for (const [code, meaning] of Object.entries(codes)) {
    if (listed.has(code)) continue;
    listed.add(code);
    console.log(`| ${code} | ${area} | ${meaning} |`);
  }
}
