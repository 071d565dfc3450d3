/**
 * How the detector reads entry bytes of one archive (or files under one exploded directory).
 * `read` returns undefined when the entry is absent and may throw when it cannot be read;
 * the detector treats a throw as "could not observe" and says so in the evidence.
 */
export interface EntryReader {
  read(name: string): Buffer | undefined;
}

/** Class files as they are found in the wild: agents rename them to hide them from the JVM. */
export const CLASS_EXTENSIONS = ['.class', '.esclazz', '.classdata'] as const;

/** The name without its class extension, or undefined when it is not a class file. */
export function stripClassExt(name: string): string | undefined {
  for (const ext of CLASS_EXTENSIONS) {
    if (name.endsWith(ext)) return name.slice(0, -ext.length);
  }
  return undefined;
}

export type ReadOutcome =
  { kind: 'absent' } | { kind: 'read'; data: Buffer } | { kind: 'error'; message: string };

export function tryRead(reader: EntryReader, name: string | undefined): ReadOutcome {
  if (name === undefined) return { kind: 'absent' };
  try {
    const data = reader.read(name);
    return data === undefined ? { kind: 'absent' } : { kind: 'read', data };
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}
