import type { Parsed } from '../types';
import { parseOsRelease } from '../os/os-release';

export interface JavaRelease {
  vendor?: string;
  version?: string;
  runtimeVersion?: string;
  implementorVersion?: string;
  raw: Record<string, string>;
}

/** The JDK's `release` file: KEY="value" lines like os-release (JAVA_VERSION, IMPLEMENTOR ...). */
export function parseJavaRelease(text: string, file = 'release'): Parsed<JavaRelease> {
  const parsed = parseOsRelease(text, file);
  const raw = parsed.value;
  return {
    value: {
      vendor: raw.IMPLEMENTOR,
      version: raw.JAVA_VERSION,
      runtimeVersion: raw.JAVA_RUNTIME_VERSION,
      implementorVersion: raw.IMPLEMENTOR_VERSION,
      raw,
    },
    warnings: parsed.warnings,
  };
}
