/**
 * Judges one log4j 1.x (or reload4j) package root.
 *
 * 1.x has no byte markers for its version: the version comes from pom.properties, the
 * manifest or the file name. Each 1.x CVE lives in one class, so it applies only where that
 * class is present (and unfixed) and the version is in its range. Distributions patch 1.2.17
 * in place (Debian 1.2.17-11: no JMS classes, SocketNode reading through
 * FilteredObjectInputStream, JDBCAppender rewritten around jdbc/JdbcPatternParser): those
 * fixes are recognised by the classes, never by the version number. Bridges that imitate the
 * org.apache.log4j API (log4j-over-slf4j, log4j-1.2-api) are not log4j 1.x.
 */
import { CVE, type CveId, type Detection, type Product } from '../types';
import { tryRead, type EntryReader } from './entry-reader';
import type { V1Flavour } from './metadata.parser';
import type { V1Root } from './roots.grouping';

/** Classes only real log4j 1.x ships (log4j-over-slf4j has Logger, Category, FileAppender...). */
const V1_SIGNATURE = [
  'Hierarchy',
  'DailyRollingFileAppender',
  'AsyncAppender',
  'helpers/PatternParser',
  'helpers/OptionConverter',
  'spi/RootLogger',
  'net/SocketNode',
] as const;

/** Deserialization filters that patched builds route SocketNode / Chainsaw through. */
const FILTER_MARKERS = [
  'FilteredObjectInputStream',
  'HardenedLoggingEventInputStream',
  'HardenedObjectInputStream',
].map((s) => Buffer.from(s, 'utf8'));

export interface V1Claim {
  source: string;
  flavour: V1Flavour;
  version?: string;
}

export function isBridge(root: V1Root): boolean {
  for (const rel of root.classes.keys()) {
    if (rel === 'Log4jLoggerFactory' || rel.startsWith('bridge/') || rel.startsWith('builders/'))
      return true;
  }
  return false;
}

export function isRealV1(root: V1Root): boolean {
  if (isBridge(root)) return false;
  return V1_SIGNATURE.filter((c) => root.classes.has(c)).length >= 2;
}

interface V1Ctx {
  root: V1Root;
  reader: EntryReader;
  /** True for 1.2.x, and when the version is unknown (the conservative choice). */
  in12: boolean;
  /** At or before 1.2.17 (reload4j's own versions are past it). */
  upTo1217: boolean;
}

type CheckResult = { cve: CveId; why: string } | { fixed: string } | undefined;
type CveCheck = (ctx: V1Ctx) => CheckResult;

const has = (ctx: V1Ctx, rel: string): boolean => ctx.root.classes.has(rel);

/** Restricting JMSAppender's JNDI names is how reload4j closed CVE-2021-4104 (marker: its helper). */
const JMS_JNDI_GUARD = Buffer.from('JNDIUtil', 'utf8');

/** Reads a class; undefined when absent, unreadable (noted by the caller) or not there. */
function bytesOf(ctx: V1Ctx, rel: string): Buffer | undefined {
  const outcome = tryRead(ctx.reader, ctx.root.classes.get(rel));
  return outcome.kind === 'read' ? outcome.data : undefined;
}

const usesFilter = (data: Buffer | undefined): boolean =>
  !!data && FILTER_MARKERS.some((m) => data.indexOf(m) >= 0);

function checkJmsAppender(c: V1Ctx): CheckResult {
  if (!has(c, 'net/JMSAppender') || !c.in12) return undefined;
  const data = bytesOf(c, 'net/JMSAppender');
  if (data && data.indexOf(JMS_JNDI_GUARD) >= 0)
    return { fixed: 'JMSAppender restricts JNDI names (JNDIUtil)' };
  return { cve: CVE.V1_JMS_APPENDER, why: 'net/JMSAppender present' };
}

function checkSocketServer(c: V1Ctx): CheckResult {
  const rels = ['net/SocketNode', 'net/SocketServer'].filter((r) => has(c, r));
  if (rels.length === 0 || !c.in12 || !c.upTo1217) return undefined;
  const node = bytesOf(c, 'net/SocketNode');
  // Debian's fix: SocketNode reads through FilteredObjectInputStream. Unreadable SocketNode:
  // the filter class's presence is the next best sign.
  if (usesFilter(node) || (!node && has(c, 'FilteredObjectInputStream'))) {
    return { fixed: 'SocketNode deserializes through a class filter' };
  }
  return { cve: CVE.V1_SOCKET_SERVER, why: `${rels.join(', ')} present` };
}

function checkJdbcAppender(c: V1Ctx): CheckResult {
  if (!has(c, 'jdbc/JDBCAppender') || !c.in12) return undefined;
  if (has(c, 'jdbc/JdbcPatternParser'))
    return { fixed: 'JDBCAppender uses prepared statements (jdbc/JdbcPatternParser)' };
  return { cve: CVE.V1_JDBC_APPENDER, why: 'jdbc/JDBCAppender present' };
}

function checkChainsaw(c: V1Ctx): CheckResult {
  const chainsaw = [...c.root.classes.keys()].filter((k) => k.startsWith('chainsaw/'));
  if (chainsaw.length === 0 || !c.in12) return undefined;
  const receivers = chainsaw.filter((k) => k.startsWith('chainsaw/LoggingReceiver'));
  // Debian's 1.2.17-11 (changelog: all five fixed) ships the filter class next to Chainsaw.
  if (receivers.some((r) => usesFilter(bytesOf(c, r))) || has(c, 'FilteredObjectInputStream')) {
    return { fixed: 'Chainsaw patched (class filter present)' };
  }
  return { cve: CVE.V1_CHAINSAW, why: 'chainsaw/ classes present' };
}

const CHECKS: readonly CveCheck[] = [
  checkJmsAppender,
  checkSocketServer,
  (c) => (has(c, 'net/JMSSink') ? { cve: CVE.V1_JMS_SINK, why: 'net/JMSSink present' } : undefined),
  checkJdbcAppender,
  checkChainsaw,
];

function versionParts(version: string | undefined): number[] | undefined {
  if (!version) return undefined;
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function detectV1Root(
  root: V1Root,
  reader: EntryReader,
  claims: readonly V1Claim[],
): Detection {
  const claim = claims.find((c) => versionParts(c.version)?.[0] === 1) ?? claims[0];
  const product: Product = claim?.flavour === 'reload4j' ? 'reload4j' : 'log4j-1.x';
  const parts = versionParts(claim?.version);
  const ctx: V1Ctx = {
    root,
    reader,
    in12: !parts || (parts[0] === 1 && parts[1] === 2),
    upTo1217: !parts || product === 'log4j-1.x' || (parts[1] === 2 && (parts[2] ?? 0) <= 17),
  };
  const cves: CveId[] = [];
  const evidence: string[] = [];
  for (const check of CHECKS) {
    const r = check(ctx);
    if (!r) continue;
    if ('cve' in r) {
      cves.push(r.cve);
      evidence.push(`${r.why}: ${r.cve}`);
    } else {
      evidence.push(r.fixed);
    }
  }
  if (has(ctx, 'FilteredObjectInputStream') || has(ctx, 'jdbc/JdbcPatternParser')) {
    evidence.push('patched build (distribution fixes recognised by class)');
  }
  evidence.push(versionEvidence(claim, product));
  return {
    product,
    version: claim?.version ?? '1.x',
    versionExact: claim?.version !== undefined,
    status: cves.length > 0 ? 'vulnerable' : 'safe',
    cves: cves.sort(),
    evidence,
    packageRoot: root.root,
  };
}

function versionEvidence(claim: V1Claim | undefined, product: Product): string {
  if (!claim?.version) return 'no version metadata: 1.2.x assumed for the CVE ranges';
  const fork =
    product === 'reload4j'
      ? ' (reload4j fork: CVEs decided by class presence and fix markers)'
      : '';
  return `version ${claim.version} from ${claim.source}${fork}`;
}
