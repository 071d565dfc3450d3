import { randomUUID } from 'node:crypto';
import {
  CommandState,
  ConnectionIndicator,
  MitigationFlag,
  NetworkInterface,
  ParseWarning,
  type EnrollRequest,
  type Finding,
  INVENTORY_LIMITS,
  type InventorySnapshot,
  KindResults,
  PROTOCOL_LIMITS,
  type RunningJvm,
  type ScanError,
  type UploadResultsRequest,
} from '@log4fleet/contracts';
import { DomainException } from '../common/domain.exception';
import { baseSnapshot, safeJvm, vulnerableJvm } from '../inventory/inventory-fixtures';
import { validateReportInventory } from '../inventory/inventory-validation';
import { validateCommandUpdate, validateEnroll, validateUpload } from './message-validation';

/**
 * The shared contract (libs/contracts limits.ts), which the agent keeps to: the controller
 * accepts every limit exactly and refuses each one by one more (INVALID_ARGUMENT).
 */
const P = PROTOCOL_LIMITS;
const I = INVENTORY_LIMITS;

function accepted(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof DomainException) return false;
    throw error;
  }
}

const times = <T>(n: number, make: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => make(i));
const bytes = (n: number, c = 'a'): string => c.repeat(n);

const finding = (over: Partial<Finding> = {}): Finding => ({
  chain: [Buffer.from('/opt/app.jar')],
  product: 'log4j-core',
  version: '2.14.1',
  versionExact: true,
  status: 'vulnerable',
  cves: ['CVE-2021-44228'],
  evidence: [],
  packageRoot: 'org/apache/logging/log4j/',
  sha256: '',
  ...over,
});
const scanError = (over: Partial<ScanError> = {}): ScanError => ({
  chain: [Buffer.from('/opt/broken.jar')],
  code: 'corrupt-archive',
  message: 'bad',
  ...over,
});
const chunk = (over: Partial<UploadResultsRequest> = {}): UploadResultsRequest => ({
  commandId: randomUUID(),
  sequence: 0,
  totalChunks: 1,
  findings: [finding()],
  errors: [],
  ...over,
});

/** A release's results whose kind_results encode to exactly `n` bytes (a long reason). */
function releaseChunk(n: number): UploadResultsRequest {
  const results = (reasonBytes: number): KindResults => ({
    kind: {
      $case: 'release',
      value: { state: 'failed', code: '', reason: 'x'.repeat(reasonBytes), tableWasPresent: false },
    },
  });
  const overhead = KindResults.encode(results(n - 16)).finish().length - (n - 16);
  return chunk({ findings: [], kindResults: results(n - overhead) });
}

const UPLOADS: Array<[string, number, (n: number) => UploadResultsRequest]> = [
  ['findingsPerChunk', P.findingsPerChunk, (n) => chunk({ findings: times(n, () => finding()) })],
  ['errorsPerChunk', P.errorsPerChunk, (n) => chunk({ errors: times(n, () => scanError()) })],
  ['totalChunks', P.totalChunks, (n) => chunk({ totalChunks: n })],
  [
    'chainElements',
    P.chainElements,
    (n) => chunk({ findings: [finding({ chain: times(n, () => Buffer.from('x.jar')) })] }),
  ],
  [
    'chainElementBytes',
    P.chainElementBytes,
    (n) => chunk({ findings: [finding({ chain: [Buffer.alloc(n, 0x61)] })] }),
  ],
  ['productBytes', P.productBytes, (n) => chunk({ findings: [finding({ product: bytes(n) })] })],
  ['versionBytes', P.versionBytes, (n) => chunk({ findings: [finding({ version: bytes(n) })] })],
  [
    'cves',
    P.cves,
    (n) => chunk({ findings: [finding({ cves: times(n, () => 'CVE-2021-44228') })] }),
  ],
  [
    'evidence',
    P.evidence,
    (n) => chunk({ findings: [finding({ evidence: times(n, () => 'e') })] }),
  ],
  [
    'evidenceBytes',
    P.evidenceBytes,
    (n) => chunk({ findings: [finding({ evidence: [bytes(n)] })] }),
  ],
  [
    'packageRootBytes',
    P.packageRootBytes,
    (n) => chunk({ findings: [finding({ packageRoot: bytes(n) })] }),
  ],
  ['messageBytes', P.messageBytes, (n) => chunk({ errors: [scanError({ message: bytes(n) })] })],
  ['errorCodeBytes', P.errorCodeBytes, (n) => chunk({ errors: [scanError({ code: bytes(n) })] })],
  ['kindResultsBytes', P.kindResultsBytes, (n) => releaseChunk(n)],
];

const enroll = (over: Partial<EnrollRequest['host']> = {}, rest: Partial<EnrollRequest> = {}) => ({
  token: 'tok',
  agentVersion: '1.0.0',
  currentCredential: '',
  host: {
    hostname: 'web-1',
    fqdn: 'web-1.example',
    machineId: 'm1',
    osName: 'Debian',
    osVersion: '12',
    kernel: '6.1',
    arch: 'x64',
    addresses: ['10.0.0.5'],
    ...over,
  },
  ...rest,
});

const ENROLLS: Array<[string, number, (n: number) => EnrollRequest]> = [
  ['tokenBytes', P.tokenBytes, (n) => enroll({}, { token: bytes(n) })],
  ['machineIdBytes', P.machineIdBytes, (n) => enroll({ machineId: bytes(n) })],
  ['factBytes (hostname)', P.factBytes, (n) => enroll({ hostname: bytes(n) })],
  ['factBytes (os_name)', P.factBytes, (n) => enroll({ osName: bytes(n) })],
  [
    'addresses',
    P.addresses,
    (n) => enroll({ addresses: times(n, (i) => `10.0.${i >> 8}.${i & 255}`) }),
  ],
  ['addressBytes', P.addressBytes, (n) => enroll({ addresses: [bytes(n)] })],
  ['versionBytes (agent_version)', P.versionBytes, (n) => enroll({}, { agentVersion: bytes(n) })],
];

const jvm = (over: Partial<RunningJvm>) => baseSnapshot({ jvms: [safeJvm(over)] });
const copy = (cves: string[], version = '2.14.1') => ({
  product: 'log4j-core',
  version,
  status: 'vulnerable',
  cves,
});
const restart = (over: Partial<RunningJvm['restartNeeded'][number]>) =>
  jvm({ restartNeeded: [{ ...vulnerableJvm().restartNeeded[0], ...over }] });
const net = (over: Partial<NonNullable<InventorySnapshot['network']>>) =>
  baseSnapshot({ network: { ...baseSnapshot().network!, ...over } });
const iface = (addresses: number) =>
  NetworkInterface.fromPartial({
    name: 'eth0',
    addresses: times(addresses, () => ({ address: '10.0.0.7', family: 'IPv4' })),
  });
const port = (processes: number) => ({
  protocol: 'tcp',
  address: '0.0.0.0',
  port: 22,
  uid: 0,
  processes: times(processes, (i) => ({ pid: i + 1, comm: 'sshd', uid: 0, user: 'root' })),
});
const connection = {
  protocol: 'tcp',
  localAddress: '10.0.0.7',
  localPort: 40000,
  remoteAddress: '10.0.0.9',
  remotePort: 5432,
  uid: 0,
  processes: [],
};
const account = (over: Partial<InventorySnapshot['accounts'][number]>) =>
  baseSnapshot({ accounts: [{ ...baseSnapshot().accounts[0], ...over }] });
const flag = (over: Partial<MitigationFlag>) =>
  MitigationFlag.fromPartial({ name: 'log4j2.formatMsgNoLookups', value: 'true', ...over });

const INVENTORY: Array<[string, number, (n: number) => InventorySnapshot]> = [
  ['interfaces', I.interfaces, (n) => net({ interfaces: times(n, () => iface(1)) })],
  ['addressesPerInterface', I.addressesPerInterface, (n) => net({ interfaces: [iface(n)] })],
  [
    'defaultRoutes',
    I.defaultRoutes,
    (n) =>
      net({ defaultRoutes: times(n, () => ({ iface: 'eth0', gateway: '10.0.0.1', metric: 1 })) }),
  ],
  ['listening', I.listening, (n) => net({ listening: times(n, () => port(0)) })],
  ['processesPerPort', I.processesPerPort, (n) => net({ listening: [port(n)] })],
  ['connections', I.connections, (n) => net({ connections: times(n, () => connection) })],
  [
    'packages',
    I.packages,
    (n) =>
      baseSnapshot({
        packages: times(n, (i) => ({
          manager: 'dpkg',
          name: `p${i}`,
          version: '1',
          arch: 'all',
          sourcePackage: '',
        })),
      }),
  ],
  [
    'javaRuntimes',
    I.javaRuntimes,
    (n) => baseSnapshot({ javaRuntimes: times(n, () => baseSnapshot().javaRuntimes[0]) }),
  ],
  [
    'runningPids',
    I.runningPids,
    (n) =>
      baseSnapshot({
        javaRuntimes: [{ ...baseSnapshot().javaRuntimes[0], runningPids: times(n, (i) => i + 1) }],
      }),
  ],
  [
    'accounts',
    I.accounts,
    (n) => baseSnapshot({ accounts: times(n, () => baseSnapshot().accounts[0]) }),
  ],
  [
    'privilegeReasons',
    I.privilegeReasons,
    (n) => account({ privilegeReasons: times(n, () => 'uid 0') }),
  ],
  ['groups', I.groups, (n) => account({ groups: times(n, () => 'wheel') })],
  ['jvms', I.jvms, (n) => baseSnapshot({ jvms: times(n, () => safeJvm()) })],
  ['cmdline', I.cmdline, (n) => jvm({ cmdline: times(n, () => 'java') })],
  ['classpath', I.classpath, (n) => jvm({ classpath: times(n, () => '/a.jar') })],
  ['flags', I.flags, (n) => jvm({ flags: times(n, () => flag({})) })],
  [
    'coverage',
    I.coverage,
    (n) => jvm({ flags: [flag({ covers: times(n, () => 'CVE-2021-44228') })] }),
  ],
  [
    'indicators',
    I.indicators,
    (n) => jvm({ indicators: times(n, () => ConnectionIndicator.fromPartial({})) }),
  ],
  [
    'findingsPerJvm',
    I.findingsPerJvm,
    (n) => jvm({ findings: times(n, () => safeJvm().findings[0]) }),
  ],
  [
    'restartNeededPerJvm',
    I.restartNeededPerJvm,
    (n) => jvm({ restartNeeded: times(n, () => vulnerableJvm().restartNeeded[0]) }),
  ],
  ['copies', I.copies, (n) => restart({ running: times(n, () => copy([])) })],
  [
    'cves (of a copy)',
    I.cves,
    (n) => restart({ running: [copy(times(n, () => 'CVE-2021-44228'))] }),
  ],
  [
    'warnings',
    I.warnings,
    (n) => baseSnapshot({ warnings: times(n, () => ParseWarning.fromPartial({ file: '/etc/x' })) }),
  ],
  ['shortBytes (copy version)', I.shortBytes, (n) => restart({ running: [copy([], bytes(n))] })],
  [
    'nameBytes',
    I.nameBytes,
    (n) => baseSnapshot({ os: { ...baseSnapshot().os!, hostname: bytes(n) } }),
  ],
  ['reasonBytes', I.reasonBytes, (n) => account({ privilegeReasons: [bytes(n)] })],
  ['messageBytes', I.messageBytes, (n) => jvm({ main: bytes(n) })],
  ['pathBytes', I.pathBytes, (n) => jvm({ jar: bytes(n) })],
  ['containerIdBytes', I.containerIdBytes, (n) => jvm({ containerId: bytes(n) })],
];

const NOW = Date.UTC(2026, 10, 28);

describe('the protocol limits of libs/contracts, on the controller', () => {
  it.each(UPLOADS)('UploadResults %s: %d accepted, one more refused', (_name, limit, make) => {
    expect(accepted(() => validateUpload(make(limit)))).toBe(true);
    expect(accepted(() => validateUpload(make(limit + 1)))).toBe(false);
  });

  it.each(ENROLLS)('Enroll %s: %d accepted, one more refused', (_name, limit, make) => {
    expect(accepted(() => validateEnroll(make(limit)))).toBe(true);
    expect(accepted(() => validateEnroll(make(limit + 1)))).toBe(false);
  });

  it.each([
    ['messageBytes', P.messageBytes, (n: number) => ({ message: bytes(n), totalChunks: 0 })],
    ['totalChunks', P.totalChunks, (n: number) => ({ message: '', totalChunks: n })],
  ])('CommandUpdate %s: %d accepted, one more refused', (_name, limit, make) => {
    const update = (n: number) => ({
      commandId: randomUUID(),
      state: CommandState.COMMAND_STATE_FAILED,
      atMs: 0,
      ...make(n),
    });
    expect(accepted(() => validateCommandUpdate(update(limit)))).toBe(true);
    expect(accepted(() => validateCommandUpdate(update(limit + 1)))).toBe(false);
  });

  it('covers every limit of the contract', () => {
    const named = (rows: Array<[string, ...unknown[]]>) => rows.map(([name]) => name.split(' ')[0]);
    // cveBytes: a CVE id of a Finding is checked by its pattern (at most 17 bytes).
    expect(new Set([...named(UPLOADS), ...named(ENROLLS), 'cveBytes'])).toEqual(
      new Set(Object.keys(P)),
    );
    expect(new Set(named(INVENTORY))).toEqual(new Set(Object.keys(I)));
  });

  it.each(INVENTORY)('ReportInventory %s: %d accepted, one more refused', (_name, limit, make) => {
    const report = (n: number) => ({ snapshot: make(n), collectedAtMs: NOW - 1000 });
    expect(accepted(() => validateReportInventory(report(limit), NOW))).toBe(true);
    expect(accepted(() => validateReportInventory(report(limit + 1), NOW))).toBe(false);
  });
});
