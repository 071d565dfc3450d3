import {
  describeMain,
  expandArgFiles,
  parseJavaCommandLine,
  propertiesFromOptionsVariable,
  tokenizeArgFile,
} from './cmdline';

describe('parseJavaCommandLine', () => {
  it('reads -cp, -D and the main class, and stops at the main class', () => {
    const cmd = parseJavaCommandLine([
      '/usr/bin/java',
      '-Xmx1g',
      '-Da=1',
      '-cp',
      'lib/*:app.jar',
      '-Dflag',
      'com.acme.Main',
      '-Dnot.mine=1',
      '-cp',
      'x',
    ]);
    expect(cmd.classpath).toBe('lib/*:app.jar');
    expect(cmd.mainClass).toBe('com.acme.Main');
    expect(cmd.systemProperties).toEqual([
      { name: 'a', value: '1' },
      { name: 'flag', value: '' },
    ]);
  });

  it('treats -jar and -m as the end of JVM options', () => {
    const jar = parseJavaCommandLine(['java', '-jar', 'app.jar', '-cp', 'x', 'Main']);
    expect([jar.jar, jar.classpath, jar.mainClass]).toEqual(['app.jar', undefined, undefined]);
    const mod = parseJavaCommandLine(['java', '--module-path', 'mods', '-m', 'app/com.acme.Main']);
    expect([mod.module, mod.mainClass]).toEqual(['app/com.acme.Main', undefined]);
  });

  it('accepts --class-path=value and -classpath, and skips the value of options that take one', () => {
    expect(parseJavaCommandLine(['java', '--class-path=/a.jar', 'Main']).classpath).toBe('/a.jar');
    expect(
      parseJavaCommandLine([
        'java',
        '--add-opens',
        'java.base/java.lang=ALL-UNNAMED',
        '-classpath',
        '/b.jar',
        'Main',
      ]),
    ).toMatchObject({ classpath: '/b.jar', mainClass: 'Main' });
  });

  it('keeps values that contain "="', () => {
    expect(
      parseJavaCommandLine(['java', '-Dlog4j2.configurationFile=a=b.xml', 'M']).systemProperties,
    ).toEqual([{ name: 'log4j2.configurationFile', value: 'a=b.xml' }]);
  });

  it('names the process the way an admin would recognise it', () => {
    expect(describeMain(parseJavaCommandLine(['java', '-jar', '/srv/app.jar']))).toBe(
      '-jar /srv/app.jar',
    );
    expect(describeMain(parseJavaCommandLine(['java', 'org.Main']))).toBe('org.Main');
  });
});

describe('propertiesFromOptionsVariable', () => {
  it('finds -D options in JAVA_TOOL_OPTIONS, quotes included', () => {
    expect(
      propertiesFromOptionsVariable('-Xss1m -Dlog4j2.formatMsgNoLookups=true "-Dname=a b"'),
    ).toEqual([
      { name: 'log4j2.formatMsgNoLookups', value: 'true' },
      { name: 'name', value: 'a b' },
    ]);
  });
});

describe('@argfiles', () => {
  it('tokenizes like the launcher: quotes, escapes in quotes, # comments', () => {
    expect(
      tokenizeArgFile("-cp \"lib/a b.jar:x.jar\"\n# -Dignored=1\n-Dq='it\\'s'  Main\n"),
    ).toEqual(['-cp', 'lib/a b.jar:x.jar', "-Dq=it's", 'Main']);
  });

  it('expands argfiles before the main class only', async () => {
    const files: Record<string, string> = {
      'opts.txt': '-cp /app.jar -Dx=1',
      'app-args.txt': 'never read',
    };
    const argv = await expandArgFiles(['java', '@opts.txt', 'Main', '@app-args.txt'], (f) =>
      Promise.resolve(files[f]),
    );
    expect(argv).toEqual(['java', '-cp', '/app.jar', '-Dx=1', 'Main', '@app-args.txt']);
    expect(parseJavaCommandLine(argv)).toMatchObject({ classpath: '/app.jar', mainClass: 'Main' });
  });
});
