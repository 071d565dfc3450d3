/**
 * Reads what a log4j-core root's class bytes show: the byte markers of the few classes that
 * decide, and the md5 of JndiManager. Existence facts come from the names alone.
 */
import { createHash } from 'node:crypto';
import {
  DS_MARKERS,
  JL_MARKERS,
  JM_MARKERS,
  MPC_MARKERS,
  type JmMarker,
  type ObservedCoreFacts,
} from './core-markers.rules';
import { tryRead, type EntryReader } from './entry-reader';
import type { CoreKey, CoreRoot } from './roots.grouping';

const CLASS_LABEL: Readonly<Partial<Record<CoreKey, string>>> = {
  jm: 'JndiManager',
  jl: 'JndiLookup',
  ds: 'DataSourceConnectionSource',
  mpc: 'MessagePatternConverter',
};

type MarkerBuffers<K extends string> = ReadonlyArray<readonly [K, Buffer]>;

function buffers<K extends string>(markers: Readonly<Record<K, string>>): MarkerBuffers<K> {
  return (Object.keys(markers) as K[]).map((k) => [k, Buffer.from(markers[k], 'utf8')] as const);
}

const JM_BUFS = buffers(JM_MARKERS);
const JL_BUFS = buffers(JL_MARKERS);
const DS_BUFS = buffers(DS_MARKERS);
const MPC_BUFS = buffers(MPC_MARKERS);

/**
 * The pre-2.15 JndiManager constructor: the constant pool holds `<init>` immediately followed
 * by the Utf8 entry (tag 1, u2 length) of its descriptor (String, Context).
 */
const OLD_CTOR_DESCRIPTOR = '(Ljava/lang/String;Ljavax/naming/Context;)V';
const OLD_CTOR = Buffer.concat([
  Buffer.from('<init>', 'utf8'),
  Buffer.from([1, 0, OLD_CTOR_DESCRIPTOR.length]),
  Buffer.from(OLD_CTOR_DESCRIPTOR, 'utf8'),
]);

function scan<K extends string>(data: Buffer, bufs: MarkerBuffers<K>): Record<K, boolean> {
  const out = {} as Record<K, boolean>;
  for (const [k, b] of bufs) out[k] = data.indexOf(b) >= 0;
  return out;
}

export interface CoreObservation {
  facts: ObservedCoreFacts;
  jmMd5?: string;
  /** Classes that exist but could not be read, with why. */
  unreadable: string[];
  /** True when JndiLookup is not among the names (never shipped, or removed). */
  jlAbsent: boolean;
}

export function observeCore(root: CoreRoot, reader: EntryReader): CoreObservation {
  const unreadable: string[] = [];
  const read = (key: CoreKey): Buffer | undefined => {
    const outcome = tryRead(reader, root.classes.get(key));
    if (outcome.kind === 'read') return outcome.data;
    if (outcome.kind === 'error')
      unreadable.push(`${CLASS_LABEL[key] ?? key}.class unreadable: ${outcome.message}`);
    return undefined;
  };
  const facts: ObservedCoreFacts = {
    jmExists: root.classes.has('jm'),
    noSqlAppenderExists: root.classes.has('noSql'),
    setUtilsExists: root.classes.has('setUtils'),
  };
  const jm = read('jm');
  let jmMd5: string | undefined;
  if (jm) {
    facts.jm = { ...scan(jm, JM_BUFS), oldConstructor: jm.indexOf(OLD_CTOR) >= 0 } satisfies Record<
      JmMarker,
      boolean
    >;
    jmMd5 = createHash('md5').update(jm).digest('hex');
  }
  const jl = read('jl');
  if (jl) facts.jl = scan(jl, JL_BUFS);
  const ds = read('ds');
  if (ds) facts.ds = scan(ds, DS_BUFS);
  const mpc = read('mpc');
  if (mpc) facts.mpc = scan(mpc, MPC_BUFS);
  return { facts, ...(jmMd5 ? { jmMd5 } : {}), unreadable, jlAbsent: !root.classes.has('jl') };
}

/** Short names of the classes whose bytes were read, for evidence. */
export function markerClassesRead(f: ObservedCoreFacts): string[] {
  const out: string[] = [];
  if (f.jm) out.push('JndiManager');
  if (f.jl) out.push('JndiLookup');
  if (f.ds) out.push('DataSourceConnectionSource');
  if (f.mpc) out.push('MessagePatternConverter');
  return out;
}
