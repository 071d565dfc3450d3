/**
 * Metadata an archive carries about what it packages: Maven pom.properties and the jar
 * manifest. Only used where the class bytes cannot decide (see detect-log4j.ts).
 */
import type { EntryReader } from './entry-reader';

export interface PomInfo {
  path: string;
  groupId: string;
  artifactId: string;
  version: string;
}

export type Manifest = ReadonlyMap<string, string>;

export const MANIFEST_PATH = 'META-INF/MANIFEST.MF';

export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const sep = line.search(/[=:]/);
    if (sep < 0) continue;
    out.set(line.slice(0, sep).trim(), line.slice(sep + 1).trim());
  }
  return out;
}

/** Lines of a text (CRLF, CR or LF), without a regex split over a 20 KB manifest. */
function* lines(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    let end = start;
    while (end < text.length && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
    yield text.slice(start, end);
    if (end >= text.length) return;
    start = end + (text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
  }
}

/** The manifest's main section; continuation lines (leading space) are joined. */
export function parseManifest(text: string): Manifest {
  const out = new Map<string, string>();
  let key: string | undefined;
  for (const line of lines(text)) {
    if (line === '') break;
    if (line.startsWith(' ') && key !== undefined) {
      out.set(key, (out.get(key) ?? '') + line.slice(1));
      continue;
    }
    const sep = line.indexOf(':');
    if (sep < 0) continue;
    key = line.slice(0, sep).trim();
    out.set(key, line.slice(sep + 1).trim());
  }
  return out;
}

/** Reads an entry as text; undefined when absent or unreadable (metadata is only a hint). */
export function readText(reader: EntryReader, name: string): string | undefined {
  try {
    return reader.read(name)?.toString('utf8');
  } catch {
    return undefined;
  }
}

/** Every pom.properties among the names (the caller passes those on log4j paths). */
export function readPoms(names: readonly string[], reader: EntryReader): PomInfo[] {
  const poms: PomInfo[] = [];
  for (const path of names) {
    if (!path.startsWith('META-INF/maven/') || !path.endsWith('/pom.properties')) continue;
    const text = readText(reader, path);
    if (text === undefined) continue;
    const props = parseProperties(text);
    const version = props.get('version');
    if (version === undefined) continue;
    poms.push({
      path,
      groupId: props.get('groupId') ?? '',
      artifactId: props.get('artifactId') ?? '',
      version,
    });
  }
  return poms;
}

export function readManifest(names: readonly string[], reader: EntryReader): Manifest | undefined {
  if (!names.includes(MANIFEST_PATH)) return undefined;
  const text = readText(reader, MANIFEST_PATH);
  return text === undefined ? undefined : parseManifest(text);
}

/** The version a manifest gives when it describes log4j-core, else undefined. */
export function manifestCoreVersion(m: Manifest | undefined): string | undefined {
  if (!m) return undefined;
  const symbolic = m.get('Bundle-SymbolicName')?.split(';')[0]?.trim() ?? '';
  const title = m.get('Implementation-Title') ?? '';
  const isCore =
    symbolic === 'org.apache.logging.log4j.core' ||
    symbolic === 'org.apache.logging.log4j-core' ||
    title === 'Apache Log4j Core';
  if (!isCore) return undefined;
  return m.get('Implementation-Version') ?? m.get('Log4jReleaseVersion');
}

export type V1Flavour = 'log4j-1.x' | 'reload4j';

/** The version and flavour a manifest gives when it describes log4j 1.x or reload4j. */
export function manifestV1(
  m: Manifest | undefined,
): { flavour: V1Flavour; version?: string } | undefined {
  if (!m) return undefined;
  const symbolic = m.get('Bundle-SymbolicName')?.split(';')[0]?.trim() ?? '';
  const title = (m.get('Implementation-Title') ?? '').replace(/"/g, '').trim();
  const name = m.get('Bundle-Name') ?? '';
  const version = m.get('Implementation-Version') ?? m.get('Bundle-Version');
  const text = `${symbolic} ${title} ${name}`.toLowerCase();
  if (text.includes('reload4j')) return { flavour: 'reload4j', ...(version ? { version } : {}) };
  if (symbolic === 'log4j' || title === 'log4j' || name === 'Apache Log4j') {
    return { flavour: 'log4j-1.x', ...(version ? { version } : {}) };
  }
  return undefined;
}

const FILE_NAME_RE = /(?:^|[/\\])(log4j-core|log4j|reload4j)-(\d[\w.-]*?)\.(?:jar|zip|war|ear)$/i;

/** Product and version from an archive's own file name, e.g. "log4j-core-2.14.1.jar". */
export function fileNameVersion(
  fileName: string | undefined,
): { artifact: string; version: string } | undefined {
  if (!fileName) return undefined;
  const m = FILE_NAME_RE.exec(fileName);
  if (!m?.[1] || !m[2]) return undefined;
  return { artifact: m[1].toLowerCase(), version: m[2] };
}
