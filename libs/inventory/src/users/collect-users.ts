import { open } from 'node:fs/promises';
import type {
  LastLogin,
  LoginSource,
  ParseWarning,
  SudoersRule,
  UserAccount,
  UsersInfo,
} from '../types';
import type { RootFs } from '../util/root-fs';
import { LASTLOG_RECORD_SIZE, parseLastlogRecord, parseWtmp, UTMP_RECORD_SIZE } from './logins';
import {
  type GroupEntry,
  type PasswdEntry,
  parseGroup,
  parsePasswd,
  parseShadow,
  type PasswordState,
  shellAllowsLogin,
} from './passwd';
import { loadSudoers } from './sudoers';

const ADMIN_GROUPS = ['sudo', 'wheel', 'admin'];
// wtmp grows for years on busy hosts; the newest 64 MiB (~175,000 sessions) is plenty for "last login".
const WTMP_TAIL_BYTES = 64 * 1024 * 1024;
// Nested User_Alias expansion bound; real files nest one or two levels.
const MAX_ALIAS_DEPTH = 8;

async function readParsed<T>(
  fs: RootFs,
  file: string,
  parse: (text: string, file: string) => { value: T; warnings: ParseWarning[] },
): Promise<T | undefined> {
  const text = await fs.readText(file);
  if (text === undefined) return undefined;
  const parsed = parse(text, file);
  fs.warnings.push(...parsed.warnings);
  return parsed.value;
}

function groupsOf(user: PasswdEntry, groups: GroupEntry[]): string[] {
  return groups
    .filter((g) => g.gid === user.gid || g.members.includes(user.name))
    .map((g) => g.name);
}

function expandAlias(name: string, aliases: Map<string, string[]>, depth = 0): string[] {
  const members = aliases.get(name) ?? [];
  if (depth >= MAX_ALIAS_DEPTH) return members;
  return members.flatMap((m) => (aliases.has(m) ? expandAlias(m, aliases, depth + 1) : [m]));
}

/** Does a principal as written in sudoers (user, %group, #uid) name this account? */
function principalMatches(principal: string, user: PasswdEntry, groupNames: string[]): boolean {
  if (principal.startsWith('%#')) return false;
  if (principal.startsWith('%')) return groupNames.includes(principal.replace(/^%:?/, ''));
  if (principal.startsWith('#')) return principal === `#${user.uid}`;
  return principal === user.name || principal === 'ALL';
}

function sudoersReasons(
  user: PasswdEntry,
  groupNames: string[],
  rules: SudoersRule[],
  aliases: Map<string, string[]>,
): string[] {
  const reasons: string[] = [];
  for (const rule of rules) {
    if (rule.negated) continue;
    const principals =
      rule.kind === 'alias' ? expandAlias(rule.principal, aliases) : [rule.principal];
    if (principals.some((p) => !p.startsWith('!') && principalMatches(p, user, groupNames))) {
      reasons.push(`${rule.file}:${rule.line} ${rule.principal} ${rule.spec}`);
    }
  }
  return reasons;
}

interface LoginData {
  byUser: Map<string, LastLogin>;
  source: LoginSource | 'none';
}

async function readWtmp(fs: RootFs): Promise<LoginData | undefined> {
  const byUser = new Map<string, LastLogin>();
  for (const file of ['/var/log/wtmp.1', '/var/log/wtmp']) {
    const buf = await fs.readTail(file, WTMP_TAIL_BYTES, UTMP_RECORD_SIZE);
    if (!buf || buf.length === 0) continue;
    const parsed = parseWtmp(buf, file);
    fs.warnings.push(...parsed.warnings);
    for (const [user, login] of parsed.value) {
      const prev = byUser.get(user);
      if (!prev || prev.at < login.at) byUser.set(user, login);
    }
  }
  return byUser.size > 0 ? { byUser, source: 'wtmp' } : undefined;
}

/** lastlog is sparse (indexed by uid, holes read as zeros): read only the records of known uids. */
async function readLastlog(fs: RootFs, users: PasswdEntry[]): Promise<LoginData | undefined> {
  const byUser = new Map<string, LastLogin>();
  let handle;
  try {
    handle = await open(fs.resolve('/var/log/lastlog'), 'r');
  } catch {
    return undefined;
  }
  try {
    for (const user of users) {
      const rec = Buffer.alloc(LASTLOG_RECORD_SIZE);
      const { bytesRead } = await handle.read(
        rec,
        0,
        LASTLOG_RECORD_SIZE,
        user.uid * LASTLOG_RECORD_SIZE,
      );
      const login = bytesRead === LASTLOG_RECORD_SIZE ? parseLastlogRecord(rec) : undefined;
      if (login) byUser.set(user.name, login);
    }
  } catch (err) {
    fs.warn('/var/log/lastlog', `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await handle.close();
  }
  return byUser.size > 0 ? { byUser, source: 'lastlog' } : undefined;
}

function toAccount(
  user: PasswdEntry,
  groups: GroupEntry[],
  shadow: Map<string, PasswordState> | undefined,
  sudo: { rules: SudoersRule[]; aliases: Map<string, string[]> },
  logins: LoginData,
): UserAccount {
  const groupNames = groupsOf(user, groups);
  const passwordState = shadow ? (shadow.get(user.name) ?? 'unknown') : 'unknown';
  const reasons = [
    ...(user.uid === 0 ? ['uid 0'] : []),
    ...groupNames.filter((g) => ADMIN_GROUPS.includes(g)).map((g) => `member of ${g}`),
    ...sudoersReasons(user, groupNames, sudo.rules, sudo.aliases),
  ];
  return {
    name: user.name,
    uid: user.uid,
    gid: user.gid,
    gecos: user.gecos,
    home: user.home,
    shell: user.shell,
    canLogin: shellAllowsLogin(user.shell) && passwordState !== 'locked',
    passwordState,
    groups: groupNames,
    privileged: reasons.length > 0,
    privilegeReasons: reasons,
    lastLogin: logins.byUser.get(user.name),
  };
}

export async function collectUsers(fs: RootFs): Promise<UsersInfo> {
  const users = (await readParsed(fs, '/etc/passwd', parsePasswd)) ?? [];
  const groups = (await readParsed(fs, '/etc/group', parseGroup)) ?? [];
  const shadow = await readParsed(fs, '/etc/shadow', parseShadow);
  const sudoers = await loadSudoers(fs);
  const logins = (await readWtmp(fs)) ??
    (await readLastlog(fs, users)) ?? { byUser: new Map(), source: 'none' as const };
  const sudo = { rules: sudoers.rules, aliases: sudoers.userAliases };
  return {
    accounts: users.map((u) => toAccount(u, groups, shadow, sudo, logins)),
    sudoers: sudoers.rules,
    lastLoginSource: logins.source,
  };
}
