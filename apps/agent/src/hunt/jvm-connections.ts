import type { HuntHit, IndicatorMatcher } from '@log4fleet/hunt';
import type { ConnectionIndicator } from '@log4fleet/jvm-probe';

/** A JVM's outbound LDAP/RMI/DNS connection (from the JVM inspection) as a hunt hit on /proc/PID. */
export function connectionHit(c: ConnectionIndicator, indicators?: IndicatorMatcher): HuntHit {
  const remote = `${c.remote.address}:${c.remote.port}`;
  const c2 = indicators?.matchHost(c.remote.address);
  return {
    kind: 'connection',
    confidence: 'high',
    decoded: `${c.service.toLowerCase()}://${remote} (${c.state})`,
    target: {
      protocol: c.service.toLowerCase(),
      host: c.remote.address,
      port: c.remote.port,
      path: '',
      callbackHost: c.remote.address,
    },
    exfiltrates: [],
    obfuscation: [],
    cves: [],
    ...(c2 ? { indicator: c2 } : {}),
    message: c.message,
    file: `/proc/${c.process.pid}`,
    line: 0,
    raw: '',
    rawTruncated: false,
  };
}
