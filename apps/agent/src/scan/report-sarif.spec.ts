import { buildSarif } from './report-sarif';
import { finding, flagFact, indicatorFact, scanError, summary } from './report-fixtures';

type Json = Record<string, unknown>;
const LEVELS = ['none', 'note', 'warning', 'error'];

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkMessage(where: string, m: unknown, problems: string[]): void {
  if (!isObject(m) || (typeof m['text'] !== 'string' && typeof m['id'] !== 'string'))
    problems.push(`${where}.message needs text or id`);
}

function checkLocations(where: string, locs: unknown, problems: string[]): void {
  if (locs === undefined) return;
  if (!Array.isArray(locs)) return void problems.push(`${where}.locations must be an array`);
  locs.forEach((loc: unknown, i) => {
    const pl = isObject(loc) ? loc['physicalLocation'] : undefined;
    if (!isObject(pl))
      return void problems.push(`${where}.locations[${i}].physicalLocation missing`);
    const al = pl['artifactLocation'];
    if (!isObject(al) || typeof al['uri'] !== 'string')
      return void problems.push(`${where}.locations[${i}] needs artifactLocation.uri`);
    try {
      new URL(al['uri']);
    } catch {
      problems.push(`${where}.locations[${i}].artifactLocation.uri is not a URI`);
    }
  });
}

/** The required properties and enums of the SARIF 2.1.0 JSON schema that this report uses. */
function sarifProblems(log: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(log)) return ['log is not an object'];
  if (log['version'] !== '2.1.0') problems.push('version must be "2.1.0"');
  const runs = log['runs'];
  if (!Array.isArray(runs)) return [...problems, 'runs must be an array'];
  runs.forEach((run: unknown, r) => {
    if (!isObject(run)) return void problems.push(`runs[${r}] is not an object`);
    const tool = run['tool'];
    const driver = isObject(tool) ? tool['driver'] : undefined;
    if (!isObject(driver) || typeof driver['name'] !== 'string')
      return void problems.push(`runs[${r}].tool.driver.name required`);
    const rules = Array.isArray(driver['rules']) ? (driver['rules'] as unknown[]) : [];
    rules.forEach((rule, i) => {
      if (!isObject(rule) || typeof rule['id'] !== 'string')
        problems.push(`rules[${i}].id required`);
    });
    const results = run['results'];
    if (results !== undefined && !Array.isArray(results))
      problems.push(`runs[${r}].results must be an array`);
    (Array.isArray(results) ? results : []).forEach((res: unknown, i) => {
      const where = `results[${i}]`;
      if (!isObject(res)) return void problems.push(`${where} is not an object`);
      checkMessage(where, res['message'], problems);
      if (res['level'] !== undefined && !LEVELS.includes(res['level'] as string))
        problems.push(`${where}.level invalid`);
      const idx = res['ruleIndex'];
      if (idx !== undefined) {
        const rule = rules[idx as number];
        if (!Number.isInteger(idx) || !isObject(rule) || rule['id'] !== res['ruleId'])
          problems.push(`${where}.ruleIndex does not point at ruleId`);
      }
      checkLocations(where, res['locations'], problems);
    });
    const invocations = run['invocations'];
    (Array.isArray(invocations) ? invocations : []).forEach((inv: unknown, i) => {
      if (!isObject(inv) || typeof inv['executionSuccessful'] !== 'boolean')
        return void problems.push(`invocations[${i}].executionSuccessful required`);
      const notes = inv['toolExecutionNotifications'];
      (Array.isArray(notes) ? notes : []).forEach((n: unknown, j) => {
        const where = `invocations[${i}].toolExecutionNotifications[${j}]`;
        if (!isObject(n)) return void problems.push(`${where} is not an object`);
        checkMessage(where, n['message'], problems);
        if (n['level'] !== undefined && !LEVELS.includes(n['level'] as string))
          problems.push(`${where}.level invalid`);
        checkLocations(where, n['locations'], problems);
      });
    });
  });
  return problems;
}

describe('buildSarif', () => {
  const vulnerable = finding();
  const mitigated = finding({
    path: '/opt/x/lib/log4j-core-2.14.1.jar',
    chain: ['/opt/x/lib/log4j-core-2.14.1.jar'],
    status: 'mitigated',
    cves: ['CVE-2021-44832', 'CVE-2021-45105'],
  });
  const safe = finding({
    path: '/opt/ok.jar',
    chain: ['/opt/ok.jar'],
    status: 'safe',
    cves: [],
    version: '2.17.1',
  });
  const undecided = finding({
    path: '/opt/odd dir/u.jar',
    chain: ['/opt/odd dir/u.jar'],
    status: 'unknown',
    cves: [],
  });
  const log = buildSarif(
    [vulnerable, mitigated, safe, undecided],
    [scanError()],
    summary(),
    '0.1.0',
    2,
  );
  const run = log.runs[0];

  it('passes the SARIF 2.1.0 required-field checks', () => {
    expect(sarifProblems(JSON.parse(JSON.stringify(log)))).toEqual([]);
  });

  it('the checks catch a log that breaks the schema', () => {
    const broken = JSON.parse(JSON.stringify(log));
    broken.version = '2.0.0';
    delete broken.runs[0].tool.driver.name;
    expect(sarifProblems(broken)).toEqual([
      'version must be "2.1.0"',
      'runs[0].tool.driver.name required',
    ]);
    const badResult = JSON.parse(JSON.stringify(log));
    badResult.runs[0].results[0].level = 'fatal';
    badResult.runs[0].results[0].ruleIndex = 99;
    delete badResult.runs[0].invocations[0].toolExecutionNotifications[0].message;
    expect(sarifProblems(badResult)).toEqual([
      'results[0].level invalid',
      'results[0].ruleIndex does not point at ruleId',
      'invocations[0].toolExecutionNotifications[0].message needs text or id',
    ]);
  });

  it('names the tool log4fleet with one rule per CVE', () => {
    expect(run.tool.driver.name).toBe('log4fleet');
    const ids = run.tool.driver.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'CVE-2021-44228',
        'CVE-2021-45046',
        'CVE-2021-45105',
        'CVE-2021-44832',
        'CVE-2021-4104',
      ]),
    );
  });

  it('reports vulnerable copies as errors and mitigated or undecided ones as warnings, leaving safe ones out', () => {
    expect(run.results.map((r) => [r.ruleId, r.level])).toEqual([
      ['CVE-2021-44228', 'error'],
      ['CVE-2021-44832', 'warning'],
      ['LOG4FLEET-UNDECIDED', 'warning'],
    ]);
  });

  it('locates a result at the outer file URI and keeps the nested chain in properties', () => {
    const [first, , third] = run.results;
    expect(first.locations[0].physicalLocation.artifactLocation.uri).toBe(
      'file:///srv/app/app.war',
    );
    expect(first.properties['chain']).toEqual([
      '/srv/app/app.war',
      'WEB-INF/lib/log4j-core-2.14.1.jar',
    ]);
    expect(first.message.text).toContain('WEB-INF/lib/log4j-core-2.14.1.jar');
    expect(third.locations[0].physicalLocation.artifactLocation.uri).toBe(
      'file:///opt/odd%20dir/u.jar',
    );
  });

  it('reports scan errors as tool execution notifications', () => {
    const inv = run.invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications).toEqual([
      expect.objectContaining({
        level: 'error',
        descriptor: { id: 'corrupt-archive' },
        message: { text: '/srv/broken.jar: end of central directory not found' },
      }),
    ]);
  });

  it('carries running JVMs: outbound LDAP/RMI/DNS indicators as errors, log4j settings as notes, each with its record', () => {
    const withFacts = buildSarif([vulnerable], [], summary(), '0.1.0', 2, [
      flagFact(),
      indicatorFact(),
    ]);
    expect(sarifProblems(JSON.parse(JSON.stringify(withFacts)))).toEqual([]);
    const results = withFacts.runs[0].results;
    expect(results.map((r) => [r.ruleId, r.level])).toEqual([
      ['CVE-2021-44228', 'error'],
      ['LOG4FLEET-JVM-FLAG', 'note'],
      ['LOG4FLEET-JVM-OUTBOUND', 'error'],
    ]);
    expect(results[1].properties).toMatchObject({
      kind: 'jvm-flag',
      name: 'log4j2.formatMsgNoLookups',
      covers: flagFact().covers,
      doesNotCover: flagFact().doesNotCover,
      process: { pid: 4242 },
    });
    expect(results[2].properties).toMatchObject({
      kind: 'jvm-indicator',
      service: 'LDAP',
      remote: { address: '127.0.0.1', port: 1389 },
    });
    expect(results[2].message.text).toContain('outbound LDAP connection');
  });
});
