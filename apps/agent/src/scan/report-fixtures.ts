import type { Finding, ScanError, ScanSummary } from '@log4fleet/scanner';
import type { JvmFlagRecord, JvmIndicatorRecord } from './jvm-facts';

// Test data shared by the report specs (not a spec itself).
export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    path: '/srv/app/app.war!/WEB-INF/lib/log4j-core-2.14.1.jar',
    chain: ['/srv/app/app.war', 'WEB-INF/lib/log4j-core-2.14.1.jar'],
    product: 'log4j-core',
    version: '2.14.1',
    versionExact: true,
    status: 'vulnerable',
    cves: ['CVE-2021-44228', 'CVE-2021-44832', 'CVE-2021-45046', 'CVE-2021-45105'],
    evidence: ['JndiManager.class md5 f1d630c48928096a484e4b95ccb162a0 = 2.14.x'],
    packageRoot: 'org/apache/logging/log4j/',
    sha256: 'ab'.repeat(32),
    ...overrides,
  };
}

export function scanError(overrides: Partial<ScanError> = {}): ScanError {
  return {
    path: '/srv/broken.jar',
    chain: ['/srv/broken.jar'],
    code: 'corrupt-archive',
    error: '/srv/broken.jar: end of central directory not found',
    ...overrides,
  };
}

export function summary(overrides: Partial<ScanSummary> = {}): ScanSummary {
  return {
    files: 10,
    directories: 3,
    archives: 4,
    bytes: 5 * 1024 * 1024,
    findings: 2,
    errors: 1,
    vulnerable: 1,
    mitigated: 1,
    safe: 0,
    unknown: 0,
    durationMs: 1234,
    startedAt: '2026-11-28T02:00:00.000Z',
    finishedAt: '2026-11-28T02:00:01.234Z',
    ...overrides,
  };
}

const HOLD_PROCESS = {
  pid: 4242,
  user: 'app',
  uid: 1001,
  main: 'com.acme.Main',
  container: null,
};

export function flagFact(overrides: Partial<JvmFlagRecord> = {}): JvmFlagRecord {
  return {
    type: 'jvm-flag',
    process: HOLD_PROCESS,
    name: 'log4j2.formatMsgNoLookups',
    value: 'true',
    source: 'command-line',
    what: 'Disables ${} lookups in logged messages (log4j-core 2.10.0 and later honour it).',
    effect: 'partial-mitigation',
    covers: ['CVE-2021-44228 through message lookups, on log4j-core 2.10.0 to 2.14.1 only'],
    doesNotCover: ['CVE-2021-45046 (lookups through Thread Context data in non-default patterns)'],
    note: 'partial: 2.14.1 keeps CVE-2021-45046',
    ...overrides,
  };
}

export function indicatorFact(overrides: Partial<JvmIndicatorRecord> = {}): JvmIndicatorRecord {
  return {
    type: 'jvm-indicator',
    process: HOLD_PROCESS,
    service: 'LDAP',
    protocol: 'tcp',
    state: 'ESTABLISHED',
    local: { address: '127.0.0.1', port: 40000 },
    remote: { address: '127.0.0.1', port: 1389 },
    message:
      'JVM 4242 has an outbound LDAP connection (ESTABLISHED) to 127.0.0.1:1389: a Log4Shell callback indicator',
    ...overrides,
  };
}
