/**
 * Decides, copy by copy, what a fix does: remove JndiLookup where that stops CVE-2021-44228 /
 * CVE-2021-45046, the 1.x CVE classes when asked, and refuse (saying why) where a removal
 * fixes nothing or would break a signature. The verdicts are the scanner's: no second detector.
 */
import { CVE, type Finding, type ScanLimits, type ZipArchive } from '@log4fleet/scanner';
import { isSignatureFile } from '../zip/archive-rewriter';
import { namesOf, withArchivesAlong } from '../zip/archive-walk';
import type { TempFiles } from '../zip/temp-files';
import type { CopyPlan, RefusalCode } from '../types';
import { emptyPlan, planAt, type ArchivePlan } from './archive-plan';

const CLASS_EXTS = ['.class', '.esclazz', '.classdata'];
const JNDI_LOOKUP = 'core/lookup/JndiLookup';
const LOOKUP_RCES: readonly string[] = [CVE.LOG4SHELL, CVE.THREAD_CONTEXT];

/** Classes of each 1.x CVE, relative to the 1.x package root (prefixes end with '/'). */
const V1_CLASSES: Readonly<Record<string, readonly string[]>> = {
  [CVE.V1_JMS_APPENDER]: ['net/JMSAppender'],
  [CVE.V1_SOCKET_SERVER]: ['net/SocketServer', 'net/SocketNode', 'net/SimpleSocketServer'],
  [CVE.V1_JMS_SINK]: ['net/JMSSink'],
  [CVE.V1_JDBC_APPENDER]: ['jdbc/JDBCAppender'],
  [CVE.V1_CHAINSAW]: ['chainsaw/'],
};

export interface PlanOptions {
  stripSignatures: boolean;
  log4j1: boolean;
}

export interface FilePlan {
  copies: CopyPlan[];
  plan: ArchivePlan;
  /** Signature files the rewrite drops (chain paths). */
  signatureFiles: string[];
}

function refuse(copy: CopyPlan, code: RefusalCode, reason: string): CopyPlan {
  return { ...copy, action: 'refused', refusal: { code, reason } };
}

/** The verdict alone decides; what exactly goes is found in the archive afterwards. */
function judge(f: Finding, opts: PlanOptions): CopyPlan {
  const copy: CopyPlan = {
    chain: f.chain,
    path: f.path,
    packageRoot: f.packageRoot,
    product: f.product,
    version: f.version,
    status: f.status,
    cves: f.cves,
    action: 'fix',
    remove: [],
  };
  const left = f.cves.join(', ');
  if (f.status === 'safe') return { ...copy, action: 'none' };
  if (f.status === 'unknown') {
    return refuse(
      copy,
      'undecided',
      `version undecided (${f.version}): nothing tells what removing a class would fix`,
    );
  }
  if (f.product !== 'log4j-core') {
    if (opts.log4j1) return copy;
    return refuse(
      copy,
      'log4j1',
      `${f.product} ${f.version} has no JndiLookup; ${left} live in other classes (pass log4j1 to remove them) and it is end of life: upgrade to log4j 2.17.1+ or reload4j`,
    );
  }
  if (f.status === 'mitigated') {
    return refuse(
      copy,
      'already-mitigated',
      `JndiLookup already removed${left ? `; ${left} still apply: upgrade needed` : ''}`,
    );
  }
  if (!f.cves.some((c) => LOOKUP_RCES.includes(c))) {
    return refuse(
      copy,
      'upgrade-needed',
      `${f.version} is affected only by ${left}, which removing JndiLookup does not fix: upgrade to 2.17.1 (Java 8), 2.12.4 (Java 7) or 2.3.2 (Java 6)`,
    );
  }
  return copy;
}

function isClassOf(name: string, base: string): boolean {
  if (!name.startsWith(base)) return false;
  const rest = name.slice(base.length);
  return (
    CLASS_EXTS.includes(rest) || (rest.startsWith('$') && CLASS_EXTS.some((e) => rest.endsWith(e)))
  );
}

function removalsFor(copy: CopyPlan, names: readonly string[]): string[] {
  const root = copy.packageRoot;
  if (copy.product === 'log4j-core') {
    return names.filter((n) => CLASS_EXTS.some((e) => n === root + JNDI_LOOKUP + e));
  }
  const rels = copy.cves.flatMap((c) => V1_CLASSES[c] ?? []);
  return names.filter((n) =>
    rels.some((rel) =>
      rel.endsWith('/') ? n.startsWith(root + rel) && !n.endsWith('/') : isClassOf(n, root + rel),
    ),
  );
}

function signatureFilesOf(zip: ZipArchive): string[] {
  return namesOf(zip).filter(isSignatureFile);
}

/** Plans the fix of `file` from its scan findings (chain[0] of each is `file`). */
export function planFix(
  file: string,
  findings: readonly Finding[],
  opts: PlanOptions,
  limits: ScanLimits,
  temp: TempFiles,
): FilePlan {
  const plan = emptyPlan();
  const signatureFiles = new Set<string>();
  const copies = findings.map((f) => judge(f, opts));
  for (let k = 0; k < copies.length; k++) {
    const copy = copies[k];
    if (copy.action !== 'fix') continue;
    const { remove, signed } = withArchivesAlong(file, copy.chain, limits, temp, (zips) => ({
      remove: removalsFor(copy, namesOf(zips[zips.length - 1])),
      signed: zips.map(signatureFilesOf),
    }));
    if (remove.length === 0) {
      copies[k] = refuse(copy, 'undecided', 'no class to remove was found under this package root');
      continue;
    }
    const signedAt = signed.findIndex((s) => s.length > 0);
    if (signedAt >= 0 && !opts.stripSignatures) {
      const where = copy.chain.slice(0, signedAt + 1).join('!/');
      copies[k] = refuse(
        copy,
        'signed',
        `${where} is signed (${signed[signedAt].join(', ')}): removing a class breaks the signature; pass strip-signatures to remove the signature`,
      );
      continue;
    }
    copies[k] = { ...copy, remove };
    const node = planAt(plan, copy.chain);
    for (const name of remove) node.remove.add(name);
    signed.forEach((files, level) => {
      if (files.length === 0) return;
      planAt(plan, copy.chain.slice(0, level + 1)).stripSignatures = true;
      for (const s of files) signatureFiles.add([...copy.chain.slice(0, level + 1), s].join('!/'));
    });
  }
  return { copies, plan, signatureFiles: [...signatureFiles] };
}
