// The box's clock (系统参数): the NTP servers it sets its time from. On the appliance image
// systemd-timesyncd reads the file appliance/time-sync.ts writes; the time zone is the
// top-level `timeZone` (business hours, reports).
import { Type, type Static } from '@sinclair/typebox';

export const TimeConfigSchema = Type.Object({
  /** NTP servers (host names or addresses), tried in order; none: the image's defaults (Debian's pool). */
  ntpServers: Type.Array(Type.String({ pattern: '^[a-zA-Z0-9.:-]{1,253}$' }), { default: [], maxItems: 8 }),
}, { default: {} });
export type TimeConfig = Static<typeof TimeConfigSchema>;
