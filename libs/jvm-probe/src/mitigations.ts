import type { FlagEffect, FlagSource, MitigationFlag, ProcessRef } from './types';

export interface SettingSeen {
  name: string;
  value: string;
  source: FlagSource;
}

/** Numeric form of an exact log4j version: "2.14.1" -> [2,14,1]; "2.0-beta9" -> [2,0,-1]. */
export function versionTuple(version: string): number[] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(-(alpha|beta|rc)\d*)?$/.exec(version);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), m[4] ? -1 : Number(m[3] ?? 0)];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const inRange = (v: number[], from: number[], below: number[]): boolean =>
  compare(v, from) >= 0 && compare(v, below) < 0;

const isTrue = (value: string): boolean => value.trim().toLowerCase() === 'true';

interface Verdict {
  what: string;
  effect: FlagEffect;
  covers: string[];
  doesNotCover: string[];
  note: string;
}

/** versions: exact log4j-core 2.x versions this process runs (from the scan). */
type Assess = (value: string, versions: number[][]) => Verdict;

const NO_LOOKUPS_DOES_NOT_COVER = [
  'CVE-2021-45046 (lookups through Thread Context data in non-default patterns)',
  'CVE-2021-45105 (recursive lookup DoS)',
  'CVE-2021-44832 (JDBCAppender JNDI data source)',
  'log4j-core before 2.10.0 (the setting does not exist there and is ignored)',
  'log4j 1.x',
];

const assessNoLookups: Assess = (value, versions) => {
  const base = {
    what: 'Disables ${} lookups in logged messages (log4j-core 2.10.0 and later honour it).',
    doesNotCover: NO_LOOKUPS_DOES_NOT_COVER,
  };
  if (!isTrue(value))
    return {
      ...base,
      effect: 'no-effect',
      covers: [],
      note: `value "${value}" is not "true": message lookups stay enabled on 2.10 to 2.14.1`,
    };
  const covers = ['CVE-2021-44228 through message lookups, on log4j-core 2.10.0 to 2.14.1 only'];
  if (versions.length === 0)
    return {
      ...base,
      effect: 'unknown',
      covers,
      note: 'no log4j-core with an exact version found in this process',
    };
  const helped = versions.filter((v) => inRange(v, [2, 10, 0], [2, 15, 0]));
  if (helped.length > 0)
    return {
      ...base,
      effect: 'partial-mitigation',
      covers,
      note: 'stops message lookups of the running 2.10-2.14.x copy; 45046 remains: upgrade',
    };
  if (versions.every((v) => compare(v, [2, 10, 0]) < 0))
    return {
      ...base,
      effect: 'no-effect',
      covers,
      note: 'the running log4j-core is older than 2.10.0 and ignores this setting',
    };
  return {
    ...base,
    effect: 'no-effect',
    covers,
    note: 'log4j-core 2.15.0 and later already disable message lookups: no effect',
  };
};

const assessEnableJndi =
  (what: string, weakensText: string): Assess =>
  (value) => {
    const doesNotCover = [
      'log4j-core 2.14.1 and earlier (the setting does not exist there: "false" does not mitigate CVE-2021-44228)',
    ];
    if (isTrue(value))
      return { what, effect: 'weakens', covers: [], doesNotCover, note: weakensText };
    return {
      what,
      effect: 'no-effect',
      covers: [],
      doesNotCover,
      note: 'false is already the default in the versions that honour it',
    };
  };

const assessTrustCodebase: Assess = (value) => {
  const what =
    'Whether the JDK loads classes from a remote codebase named in an LDAP/RMI reference (false by default since 8u191/11.0.1).';
  const doesNotCover = [
    'CVE-2021-44228: the lookup still happens (secrets leak through DNS/LDAP) and deserialization or local factory gadgets still execute code',
    'CVE-2021-45046, CVE-2021-45105, CVE-2021-44832',
  ];
  if (isTrue(value))
    return {
      what,
      effect: 'weakens',
      covers: [],
      doesNotCover,
      note: 'true re-enables remote class loading: the classic Log4Shell payload runs directly',
    };
  return {
    what,
    effect: 'no-effect',
    covers: [],
    doesNotCover,
    note: 'hardening only, not a Log4Shell mitigation',
  };
};

const SETTINGS: Record<string, Assess> = {
  'log4j2.formatmsgnolookups': assessNoLookups,
  log4j_format_msg_no_lookups: assessNoLookups,
  'log4j2.enablejndilookup': assessEnableJndi(
    'Allows the ${jndi:} lookup again in log4j-core 2.17.0+, 2.12.3+ and 2.3.1+, which disable it by default.',
    'true re-enables ${jndi:} lookups that the patched version had switched off',
  ),
  'log4j2.enablejndi': assessEnableJndi(
    'Allows JNDI again in log4j-core 2.16.0 and 2.12.2, which disable it by default.',
    'true re-enables JNDI that 2.16.0 / 2.12.2 had switched off',
  ),
  'log4j2.enablejndijdbc': assessEnableJndi(
    'Allows JNDI data sources in JDBCAppender again in log4j-core 2.17.1, 2.12.4 and 2.3.2 (the CVE-2021-44832 fix).',
    'true re-opens the CVE-2021-44832 route for anyone who can change the logging configuration',
  ),
  'com.sun.jndi.ldap.object.trusturlcodebase': assessTrustCodebase,
  'com.sun.jndi.rmi.object.trusturlcodebase': assessTrustCodebase,
};

/** Which of the settings a process carries are log4j-relevant, with what each does for its running versions. */
export function assessMitigations(
  process: ProcessRef,
  seen: SettingSeen[],
  log4jCoreVersions: string[],
): MitigationFlag[] {
  const versions = log4jCoreVersions
    .map(versionTuple)
    .filter((v): v is number[] => v !== undefined && v[0] === 2);
  const flags: MitigationFlag[] = [];
  for (const s of seen) {
    const assess = SETTINGS[s.name.toLowerCase()];
    if (!assess) continue;
    flags.push({
      process,
      name: s.name,
      value: s.value,
      source: s.source,
      ...assess(s.value, versions),
    });
  }
  return flags;
}
