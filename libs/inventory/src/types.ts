/** A line or file a parser skipped. Parsers never throw on bad input: they count what they skipped here. */
export interface ParseWarning {
  file: string;
  /** 1-based line number, absent when the whole file is concerned. */
  line?: number;
  message: string;
}

export interface Parsed<T> {
  value: T;
  warnings: ParseWarning[];
}

export interface OsInfo {
  name?: string;
  version?: string;
  versionId?: string;
  id?: string;
  idLike?: string[];
  prettyName?: string;
  kernel: string;
  arch: string;
  hostname: string;
  /** Fully qualified name from /etc/hostname and /etc/hosts only (no DNS query). */
  fqdn?: string;
  machineId?: string;
  uptimeSeconds?: number;
  bootTime?: string;
}

export interface InterfaceAddress {
  address: string;
  family: 'IPv4' | 'IPv6';
  cidr: string | null;
  mac: string;
  internal: boolean;
}

export interface NetworkInterface {
  name: string;
  addresses: InterfaceAddress[];
}

export interface DefaultRoute {
  iface: string;
  gateway: string;
  metric: number;
}

export interface SocketOwner {
  pid: number;
  comm?: string;
  uid?: number;
  user?: string;
}

export interface ListeningSocket {
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  address: string;
  port: number;
  inode: number;
  /** Owner uid from the socket table: known even when no process could be matched. */
  uid: number;
  /** Processes holding the socket open (several after fork); empty when no /proc/PID/fd could be matched. */
  processes: SocketOwner[];
}

/** An established TCP connection; connections with both ends on loopback are left out. */
export interface EstablishedConnection {
  protocol: 'tcp' | 'tcp6';
  local: { address: string; port: number };
  remote: { address: string; port: number };
  inode: number;
  uid: number;
  processes: SocketOwner[];
}

export interface NetworkInfo {
  interfaces: NetworkInterface[];
  defaultRoutes: DefaultRoute[];
  listening: ListeningSocket[];
  connections: EstablishedConnection[];
}

export type JavaRuntimeSource = 'usr-lib-jvm' | 'opt' | 'java-home' | 'running';

export interface JavaRuntime {
  /** The runtime's home directory (the one holding bin/java and normally `release`). */
  home: string;
  javaBinary: string;
  vendor?: string;
  version?: string;
  runtimeVersion?: string;
  sources: JavaRuntimeSource[];
  /** PIDs of processes whose /proc/PID/exe is this runtime's java. */
  runningPids: number[];
}

export interface UserAccount {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  /** Shell allows a session and the password (when /etc/shadow was readable) is not locked. */
  canLogin: boolean;
  passwordState: 'set' | 'locked' | 'empty' | 'unknown';
  groups: string[];
  privileged: boolean;
  /** Why the account is privileged, e.g. "uid 0", "member of sudo", "/etc/sudoers:27 %admin". */
  privilegeReasons: string[];
  lastLogin?: LastLogin;
}

export interface LastLogin {
  at: string;
  line?: string;
  host?: string;
  source: LoginSource;
}

export type LoginSource = 'wtmp' | 'lastlog';

export interface SudoersRule {
  file: string;
  line: number;
  /** As written: "alice", "%admin", "#1001", "ADMINS" (an alias). */
  principal: string;
  kind: 'user' | 'group' | 'uid' | 'alias' | 'netgroup';
  negated: boolean;
  /** The rest of the rule after the principal list, e.g. "ALL=(ALL:ALL) NOPASSWD: ALL". */
  spec: string;
  nopasswd: boolean;
}

export interface UsersInfo {
  accounts: UserAccount[];
  sudoers: SudoersRule[];
  /** Where last-login times came from; "none" when neither wtmp nor lastlog had records. */
  lastLoginSource: LoginSource | 'none';
}

export interface PackageActivity {
  at: string;
  file: string;
  /** The line that decided, e.g. "upgrade openssl:amd64 3.0.15 3.0.16". */
  detail: string;
}

export interface AgentVersion {
  version: string;
  updatedAt?: string;
}

export interface UpdatesInfo {
  dpkg?: PackageActivity;
  apt?: PackageActivity;
  rpm?: PackageActivity;
  /** The most recent of the above. */
  lastUpdate?: PackageActivity;
  agent?: AgentVersion;
}

/** A package the host's package manager installed. */
export interface InstalledPackage {
  manager: 'dpkg' | 'rpm';
  name: string;
  /** As the manager prints it: dpkg [epoch:]upstream[-revision], rpm [epoch:]version-release. */
  version: string;
  arch: string;
  /** The source package, when its name differs (dpkg Source:, rpm SOURCERPM). */
  sourcePackage?: string;
}

export interface Inventory {
  collectedAt: string;
  root: string;
  os: OsInfo;
  network: NetworkInfo;
  java: JavaRuntime[];
  users: UsersInfo;
  updates: UpdatesInfo;
  packages: InstalledPackage[];
  warnings: ParseWarning[];
}
