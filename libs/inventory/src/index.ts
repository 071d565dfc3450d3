export * from './types';
export { collectInventory, type CollectInventoryOptions } from './collect';
export { RootFs } from './util/root-fs';
export { parseOsRelease } from './os/os-release';
export { parseHosts, parseHostname, resolveFqdn, type HostsEntry } from './os/hosts';
export { parseUptime, parseMachineId, parseBootTime } from './os/proc-misc';
export {
  parseProcNet,
  decodeProcAddress,
  isListening,
  isEstablishedRemote,
  socketInode,
  TCP_STATE,
  type SocketRow,
  type SocketEndpoint,
  type SocketProtocol,
} from './net/proc-net';
export { parseDefaultRoutes } from './net/route';
export { socketOwners } from './net/collect-network';
export {
  parsePasswd,
  parseGroup,
  parseShadow,
  shellAllowsLogin,
  type PasswdEntry,
  type GroupEntry,
  type PasswordState,
} from './users/passwd';
export { parseSudoers, loadSudoers, type SudoersFile, type SudoersInclude } from './users/sudoers';
export {
  parseWtmp,
  parseLastlogRecord,
  UTMP_RECORD_SIZE,
  LASTLOG_RECORD_SIZE,
} from './users/logins';
export { parseDpkgLog, parseAptHistory } from './updates/package-logs';
export { parseDpkgStatus } from './packages/dpkg-status';
export { parseRpmQa, RPM_QUERY_FORMAT } from './packages/rpm';
export { collectPackages, systemRpm, type RpmRunner } from './packages/collect-packages';
export { parseJavaRelease, type JavaRelease } from './java/release';
export { collectJavaRuntimes } from './java/runtimes';
export { listPids, parseStatusUids, parseEnviron, splitNul, readFdLinks } from './proc/processes';
