import { pathToFileURL } from 'node:url';
import { CVE, type Finding, type ScanError, type ScanSummary } from '@log4fleet/scanner';
import { describeFact, type JvmFact } from './jvm-facts';

// Only the parts of SARIF 2.1.0 this report writes.
export interface SarifMessage {
  text: string;
}
export interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string } };
}
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  helpUri: string;
  defaultConfiguration: { level: SarifLevel };
}
export type SarifLevel = 'error' | 'warning' | 'note' | 'none';
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  properties: Record<string, unknown>;
}
export interface SarifNotification {
  level: SarifLevel;
  message: SarifMessage;
  descriptor: { id: string };
  locations: SarifLocation[];
  properties: Record<string, unknown>;
}
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: { name: string; version: string; rules: SarifRule[] } };
    invocations: {
      executionSuccessful: boolean;
      startTimeUtc: string;
      endTimeUtc: string;
      exitCode: number;
      toolExecutionNotifications: SarifNotification[];
    }[];
    results: SarifResult[];
  }[];
}

const UNDECIDED_RULE = 'LOG4FLEET-UNDECIDED';

const CVE_TEXT: Record<string, [name: string, text: string]> = {
  [CVE.LOG4SHELL]: [
    'Log4Shell',
    'log4j-core JNDI lookup in logged data allows remote code execution',
  ],
  [CVE.THREAD_CONTEXT]: [
    'ThreadContextLookup',
    'log4j-core JNDI lookup through Thread Context patterns (incomplete 2.15.0 fix)',
  ],
  [CVE.RECURSION_DOS]: [
    'LookupRecursionDoS',
    'log4j-core uncontrolled recursion in self-referential lookups (denial of service)',
  ],
  [CVE.JDBC_JNDI]: [
    'JdbcAppenderJndi',
    'log4j-core JDBCAppender with a JNDI data source allows code execution by whoever can write the configuration',
  ],
  [CVE.V1_JMS_APPENDER]: [
    'Log4j1JmsAppender',
    'log4j 1.x JMSAppender deserialization when configured',
  ],
  [CVE.V1_SOCKET_SERVER]: [
    'Log4j1SocketServer',
    'log4j 1.x SocketServer deserialization of untrusted data',
  ],
  [CVE.V1_JMS_SINK]: ['Log4j1JmsSink', 'log4j 1.x JMSSink deserialization when configured'],
  [CVE.V1_JDBC_APPENDER]: ['Log4j1JdbcAppender', 'log4j 1.x JDBCAppender SQL injection'],
  [CVE.V1_CHAINSAW]: ['Log4j1Chainsaw', 'log4j 1.x Chainsaw deserialization'],
};

// The CVE a result is filed under when a copy has several: remote code execution first.
const SEVERITY_ORDER: string[] = [
  CVE.LOG4SHELL,
  CVE.THREAD_CONTEXT,
  CVE.V1_SOCKET_SERVER,
  CVE.V1_JMS_APPENDER,
  CVE.V1_JMS_SINK,
  CVE.V1_CHAINSAW,
  CVE.V1_JDBC_APPENDER,
  CVE.JDBC_JNDI,
  CVE.RECURSION_DOS,
];

function cveRule(id: string): SarifRule {
  const [name, text] = CVE_TEXT[id] ?? [id, `${id} affects this copy of log4j`];
  return {
    id,
    name,
    shortDescription: { text: `${id}: ${name}` },
    fullDescription: { text },
    helpUri: `https://nvd.nist.gov/vuln/detail/${id}`,
    defaultConfiguration: { level: 'error' },
  };
}

const UNDECIDED: SarifRule = {
  id: UNDECIDED_RULE,
  name: 'Log4jUndecided',
  shortDescription: { text: 'log4j copy whose exposure could not be decided' },
  fullDescription: {
    text: 'A copy of log4j was found but its bytes and metadata do not decide which CVEs apply; inspect it by hand.',
  },
  helpUri: 'https://www.cisa.gov/news-events/cybersecurity-advisories/aa21-356a',
  defaultConfiguration: { level: 'warning' },
};

const JVM_FLAG: SarifRule = {
  id: 'LOG4FLEET-JVM-FLAG',
  name: 'JvmLog4jSetting',
  shortDescription: { text: 'log4j-related setting of a running JVM' },
  fullDescription: {
    text: 'A running JVM sets a log4j mitigation property or environment variable; the result says what it covers and what it does not.',
  },
  helpUri: 'https://logging.apache.org/log4j/2.x/security.html',
  defaultConfiguration: { level: 'note' },
};

const JVM_OUTBOUND: SarifRule = {
  id: 'LOG4FLEET-JVM-OUTBOUND',
  name: 'JvmOutboundLookupConnection',
  shortDescription: { text: 'running JVM connected to an LDAP, RMI or DNS port' },
  fullDescription: {
    text: 'An outbound connection of a JVM to a port Log4Shell exploitation uses (LDAP 389/636/1389, RMI 1099, DNS 53): an indicator of compromise to investigate.',
  },
  helpUri: 'https://www.cisa.gov/news-events/cybersecurity-advisories/aa21-356a',
  defaultConfiguration: { level: 'error' },
};

function primaryCve(cves: string[]): string | undefined {
  for (const id of SEVERITY_ORDER) if (cves.includes(id)) return id;
  return cves[0];
}

function reportable(f: Finding): boolean {
  return f.cves.length > 0 || f.status === 'mitigated' || f.status === 'unknown';
}

function location(outerPath: string): SarifLocation {
  return { physicalLocation: { artifactLocation: { uri: pathToFileURL(outerPath).href } } };
}

function resultMessage(f: Finding): string {
  const where = f.chain.length > 1 ? ` inside ${f.chain.slice(1).join(' -> ')}` : '';
  const cves = f.cves.length > 0 ? f.cves.join(', ') : 'no CVE decided';
  return `${f.product} ${f.version} (${f.status})${where}: ${cves}`;
}

class RuleSet {
  readonly rules: SarifRule[] = [...SEVERITY_ORDER.map(cveRule), UNDECIDED];
  private readonly index = new Map(this.rules.map((r, i) => [r.id, i]));

  indexOf(id: string, rule: () => SarifRule = () => cveRule(id)): number {
    const known = this.index.get(id);
    if (known !== undefined) return known;
    this.rules.push(rule());
    this.index.set(id, this.rules.length - 1);
    return this.rules.length - 1;
  }
}

function toResult(f: Finding, rules: RuleSet): SarifResult {
  const ruleId = primaryCve(f.cves) ?? UNDECIDED_RULE;
  return {
    ruleId,
    ruleIndex: rules.indexOf(ruleId),
    level: f.status === 'vulnerable' ? 'error' : 'warning',
    message: { text: resultMessage(f) },
    locations: [location(f.chain[0] ?? f.path)],
    properties: {
      path: f.path,
      chain: f.chain,
      product: f.product,
      version: f.version,
      versionExact: f.versionExact,
      status: f.status,
      cves: f.cves,
      evidence: f.evidence,
      packageRoot: f.packageRoot,
      ...(f.sha256 ? { sha256: f.sha256 } : {}),
      ...(f.pathBytesBase64 ? { pathBytesBase64: f.pathBytesBase64 } : {}),
    },
  };
}

/** A JVM fact as a result without a file location: the typed record is its property bag. */
function factResult(fact: JvmFact, rules: RuleSet): SarifResult {
  const rule = fact.type === 'jvm-flag' ? JVM_FLAG : JVM_OUTBOUND;
  const { type: _type, ...record } = fact;
  return {
    ruleId: rule.id,
    ruleIndex: rules.indexOf(rule.id, () => rule),
    level: rule.defaultConfiguration.level,
    message: { text: describeFact(fact) },
    locations: [],
    properties: { kind: fact.type, ...record },
  };
}

function toNotification(e: ScanError): SarifNotification {
  return {
    level: 'error',
    message: { text: e.error },
    descriptor: { id: e.code },
    locations: [location(e.chain[0] ?? e.path)],
    properties: { path: e.path, chain: e.chain, code: e.code },
  };
}

/**
 * One SARIF 2.1.0 log with one run: vulnerable copies as errors, mitigated/undecided ones as
 * warnings; running JVMs' outbound LDAP/RMI/DNS connections as errors and their log4j
 * settings as notes (no file location: the process is in the properties).
 */
export function buildSarif(
  findings: Finding[],
  errors: ScanError[],
  summary: ScanSummary,
  toolVersion: string,
  exitCode: number,
  facts: JvmFact[] = [],
): SarifLog {
  const rules = new RuleSet();
  const results = [
    ...findings.filter(reportable).map((f) => toResult(f, rules)),
    ...facts.map((f) => factResult(f, rules)),
  ];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'log4fleet', version: toolVersion, rules: rules.rules },
        },
        invocations: [
          {
            executionSuccessful: errors.length === 0,
            startTimeUtc: summary.startedAt,
            endTimeUtc: summary.finishedAt,
            exitCode,
            toolExecutionNotifications: errors.map(toNotification),
          },
        ],
        results,
      },
    ],
  };
}
