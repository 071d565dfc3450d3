import type { Parsed, ParseWarning } from '../types';
import { numberedLines } from '../util/lines';

export interface PasswdEntry {
  name: string;
  password: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
  line: number;
}

const ID = /^\d+$/;

/** passwd(5): name:password:UID:GID:GECOS:home:shell. NIS "+"/"-" lines are skipped with a warning. */
export function parsePasswd(text: string, file = '/etc/passwd'): Parsed<PasswdEntry[]> {
  const value: PasswdEntry[] = [];
  const warnings: ParseWarning[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    if (t.trim() === '' || t.startsWith('#')) continue;
    const f = t.split(':');
    if (f.length !== 7 || f[0] === '' || !ID.test(f[2]) || !ID.test(f[3]) || /^[+-]/.test(f[0])) {
      warnings.push({ file, line, message: 'expected name:password:uid:gid:gecos:home:shell' });
      continue;
    }
    value.push({
      name: f[0],
      password: f[1],
      uid: Number(f[2]),
      gid: Number(f[3]),
      gecos: f[4],
      home: f[5],
      shell: f[6],
      line,
    });
  }
  return { value, warnings };
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
  line: number;
}

/** group(5): name:password:GID:member,member. */
export function parseGroup(text: string, file = '/etc/group'): Parsed<GroupEntry[]> {
  const value: GroupEntry[] = [];
  const warnings: ParseWarning[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    if (t.trim() === '' || t.startsWith('#')) continue;
    const f = t.split(':');
    if (f.length !== 4 || f[0] === '' || !ID.test(f[2])) {
      warnings.push({ file, line, message: 'expected name:password:gid:members' });
      continue;
    }
    const members = f[3]
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    value.push({ name: f[0], gid: Number(f[2]), members, line });
  }
  return { value, warnings };
}

export type PasswordState = 'set' | 'locked' | 'empty';

/** shadow(5) password field, by user name. "!"/"*" prefixes lock the password. */
export function parseShadow(
  text: string,
  file = '/etc/shadow',
): Parsed<Map<string, PasswordState>> {
  const value = new Map<string, PasswordState>();
  const warnings: ParseWarning[] = [];
  for (const { line, text: t } of numberedLines(text)) {
    if (t.trim() === '' || t.startsWith('#')) continue;
    const f = t.split(':');
    if (f.length !== 9 || f[0] === '') {
      warnings.push({ file, line, message: 'expected 9 colon-separated fields' });
      continue;
    }
    value.set(f[0], passwordState(f[1]));
  }
  return { value, warnings };
}

function passwordState(field: string): PasswordState {
  if (field === '') return 'empty';
  if (field.startsWith('!') || field.startsWith('*')) return 'locked';
  return 'set';
}

const NO_LOGIN_SHELLS = /(^|\/)(nologin|false)$/;

/** A shell that lets a session start. An empty field means /bin/sh (passwd(5)), so it does. */
export function shellAllowsLogin(shell: string): boolean {
  return !NO_LOGIN_SHELLS.test(shell.trim());
}
