import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { detectLog4j, type EntryReader } from '../detect';
import { problemFromError, ScanProblem } from '../errors';
import { DEFAULT_LIMITS, type Finding, type ScanError, type ScanLimits } from '../types';
import { ScanContext, type Detector } from './scan.context';

/** A log4j package root found on disk, and the directory its names are relative to. */
export interface ExplodedRoot {
  /** Directory reported as Finding.path, e.g. /srv/app/WEB-INF/classes. */
  container: string;
  /** The package root directory itself, e.g. /srv/app/WEB-INF/classes/org/apache/logging/log4j. */
  packageDir: string;
}

const V2_STANDARD = '/org/apache/logging/log4j';
const V1_STANDARD = '/org/apache/log4j';
const CLASS_EXTS = ['.class', '.esclazz', '.classdata'];
const V2_MARKERS = CLASS_EXTS.map((ext) => `/core/LogEvent${ext}`);
const V1_MARKERS = CLASS_EXTS.map((ext) => [`/Logger${ext}`, `FileAppender${ext}`] as const);

function containerOf(packageDir: string, standard: string): string {
  if (packageDir.endsWith(standard)) return packageDir.slice(0, -standard.length) || '/';
  return dirname(packageDir);
}

/**
 * Whether a walked file marks an exploded copy of log4j: `<root>/core/LogEvent.class` (2.x,
 * renamed class extensions too) or `<root>/Logger.class` beside FileAppender.class (1.x).
 * Costs a few string comparisons per file; only a 1.x candidate costs one stat.
 */
export function explodedRootOf(filePath: string): ExplodedRoot | undefined {
  for (const marker of V2_MARKERS) {
    if (!filePath.endsWith(marker)) continue;
    const packageDir = filePath.slice(0, -marker.length);
    return { container: containerOf(packageDir, V2_STANDARD), packageDir };
  }
  for (const [marker, sibling] of V1_MARKERS) {
    if (!filePath.endsWith(marker)) continue;
    const packageDir = filePath.slice(0, -marker.length);
    if (!existsSync(join(packageDir, sibling))) return undefined;
    return { container: containerOf(packageDir, V1_STANDARD), packageDir };
  }
  return undefined;
}

function listFiles(container: string, dir: string, out: string[], max: number): void {
  const prefix =
    dir === container ? '' : dir.slice(container.length + (container.endsWith('/') ? 0 : 1)) + '/';
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (out.length >= max)
      throw new ScanProblem('too-large', `More than ${max} files under ${dir}.`);
    if (d.isFile()) out.push(prefix + d.name);
    else if (d.isDirectory()) listFiles(container, join(dir, d.name), out, max);
  }
}

/** Names the detector may want besides the package: the manifest and Maven metadata. */
function metadataNames(container: string, max: number): string[] {
  const out: string[] = [];
  if (existsSync(join(container, 'META-INF/MANIFEST.MF'))) out.push('META-INF/MANIFEST.MF');
  const maven = join(container, 'META-INF/maven');
  if (existsSync(maven)) listFiles(container, maven, out, max);
  return out.filter((n) => n === 'META-INF/MANIFEST.MF' || n.endsWith('/pom.properties'));
}

/**
 * Reads files under the container for the detector. A file it needs but cannot read (too
 * large, no permission) becomes an error record naming the file, once, so the scan says it is
 * incomplete: the detector itself only notes "unreadable" in the finding's evidence.
 */
function directoryReader(
  container: string,
  maxBytes: number,
  onProblem: (file: string, problem: ScanProblem) => void,
): EntryReader {
  const failed = new Map<string, ScanProblem>();
  return {
    read(name: string): Buffer | undefined {
      if (name.split('/').includes('..')) return undefined;
      const file = join(container, name);
      const earlier = failed.get(file);
      if (earlier) throw earlier;
      try {
        const st = statSync(file);
        if (!st.isFile()) return undefined;
        if (st.size > maxBytes)
          throw new ScanProblem(
            'too-large',
            `${file} is ${st.size} bytes, over the limit of ${maxBytes}.`,
          );
        return readFileSync(file);
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
        const problem = problemFromError(err, `read ${file}`);
        failed.set(file, problem);
        onProblem(file, problem);
        throw problem;
      }
    },
  };
}

export interface ExplodedScanResult {
  findings: Finding[];
  errors: ScanError[];
}

/** Runs the detector on one exploded package root; Finding.path is its container, no sha256. */
export function scanExplodedRoot(
  root: ExplodedRoot,
  opts: { limits?: Partial<ScanLimits>; detector?: Detector } = {},
): ExplodedScanResult {
  const limits: ScanLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const ctx = new ScanContext(limits, opts.detector ?? detectLog4j);
  const chain = [root.container];
  const recorded = new Set<unknown>();
  try {
    const names: string[] = [];
    listFiles(root.container, root.packageDir, names, limits.maxEntries);
    names.push(...metadataNames(root.container, limits.maxEntries));
    const reader = directoryReader(root.container, limits.maxEntryBytes, (file, problem) => {
      recorded.add(problem);
      ctx.addError([file], problem.code, problem.message);
    });
    ctx.addFindings(chain, ctx.detect(names, reader, { fileName: basename(root.container) }));
  } catch (err) {
    if (!recorded.has(err))
      ctx.addProblem(chain, err, `scan the exploded directory ${root.packageDir}`);
  }
  return { findings: ctx.findings, errors: ctx.errors };
}
