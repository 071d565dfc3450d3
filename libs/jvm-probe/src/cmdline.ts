export interface JavaCommandLine {
  mainClass?: string;
  jar?: string;
  module?: string;
  /** The -cp/-classpath/--class-path value, unsplit. */
  classpath?: string;
  /** -Dname=value, in order; a later one wins as it does in the JVM. */
  systemProperties: Array<{ name: string; value: string }>;
  /** @argfiles the launcher expands; we do not read them. */
  argFiles: string[];
}

// Launcher options that take the next argument as their value (java --help, JDK 9+).
const OPTIONS_WITH_VALUE = new Set([
  '-p',
  '--module-path',
  '--upgrade-module-path',
  '--add-modules',
  '--limit-modules',
  '--add-reads',
  '--add-exports',
  '--add-opens',
  '--patch-module',
  '--enable-native-access',
  '--source',
]);
const CLASSPATH_OPTIONS = new Set(['-cp', '-classpath', '--class-path']);

function systemProperty(arg: string): { name: string; value: string } | undefined {
  if (!arg.startsWith('-D') || arg.length <= 2) return undefined;
  const body = arg.slice(2);
  const eq = body.indexOf('=');
  return eq === -1
    ? { name: body, value: '' }
    : { name: body.slice(0, eq), value: body.slice(eq + 1) };
}

/**
 * Reads a java launcher command line (argv[0] is the launcher) up to the main class, -jar or
 * -m: what follows belongs to the application and is not parsed.
 */
export function parseJavaCommandLine(argv: string[]): JavaCommandLine {
  const out: JavaCommandLine = { systemProperties: [], argFiles: [] };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    const prop = systemProperty(arg);
    if (prop) {
      out.systemProperties.push(prop);
      continue;
    }
    if (CLASSPATH_OPTIONS.has(arg)) {
      out.classpath = argv[++i];
      continue;
    }
    if (arg.startsWith('--class-path=')) {
      out.classpath = arg.slice('--class-path='.length);
      continue;
    }
    if (arg === '-jar') {
      out.jar = argv[i + 1];
      return out;
    }
    if (arg === '-m' || arg === '--module') {
      out.module = argv[i + 1];
      return out;
    }
    if (arg.startsWith('--module=')) {
      out.module = arg.slice('--module='.length);
      return out;
    }
    if (OPTIONS_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('@')) {
      out.argFiles.push(arg.slice(1));
      continue;
    }
    if (arg.startsWith('-')) continue;
    out.mainClass = arg;
    return out;
  }
  return out;
}

/**
 * -D options inside JAVA_TOOL_OPTIONS / JDK_JAVA_OPTIONS (whitespace separated; quotes group
 * words as the launcher does).
 */
export function propertiesFromOptionsVariable(
  value: string,
): Array<{ name: string; value: string }> {
  const tokens = value.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  return tokens
    .map((t) =>
      t.replace(
        /"([^"]*)"|'([^']*)'/g,
        (_m, a: string | undefined, b: string | undefined) => a ?? b ?? '',
      ),
    )
    .map(systemProperty)
    .filter((p): p is { name: string; value: string } => p !== undefined);
}

/** What an admin recognises the process by. */
export function describeMain(cmd: JavaCommandLine): string | undefined {
  if (cmd.jar !== undefined) return `-jar ${cmd.jar}`;
  if (cmd.module !== undefined) return `-m ${cmd.module}`;
  return cmd.mainClass;
}

/**
 * Splits a java @argfile as the launcher does (JDK 9+ args.c): whitespace separates, single or
 * double quotes group, a backslash escapes inside quotes, `#` at the start of a token comments
 * out the rest of the line.
 */
export function tokenizeArgFile(text: string): string[] {
  const tokens: string[] = [];
  let current: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && i + 1 < text.length) current += text[++i];
      else current += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (current !== undefined) tokens.push(current);
      current = undefined;
      continue;
    }
    if (c === '#' && current === undefined) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    current = current ?? '';
    if (c === '"' || c === "'") quote = c;
    else current += c;
  }
  if (current !== undefined) tokens.push(current);
  return tokens;
}

/** Replaces the launcher's @argfiles (those before the main class) with their tokens. */
export async function expandArgFiles(
  argv: string[],
  read: (file: string) => Promise<string | undefined>,
): Promise<string[]> {
  const pending = new Set(parseJavaCommandLine(argv).argFiles.map((f) => `@${f}`));
  if (pending.size === 0) return argv;
  const out: string[] = [];
  for (const arg of argv) {
    if (!pending.has(arg)) {
      out.push(arg);
      continue;
    }
    pending.delete(arg);
    const text = await read(arg.slice(1));
    if (text === undefined) out.push(arg);
    else out.push(...tokenizeArgFile(text));
  }
  return out;
}
