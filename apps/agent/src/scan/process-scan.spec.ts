import type { ConnectionIndicator, JvmReport, MitigationFlag } from '@log4fleet/jvm-probe';
import type { Finding, ScanError } from '@log4fleet/scanner';
import type { JvmFact } from './jvm-facts';
import { emitJvmReport, type JvmScanSink } from './process-scan';

const proc = { pid: 77, uid: 0, user: 'root', main: '-jar app.jar' };

const flag: MitigationFlag = {
  process: proc,
  name: 'LOG4J_FORMAT_MSG_NO_LOOKUPS',
  value: 'true',
  source: 'environment',
  what: 'Disables ${} lookups in logged messages (log4j-core 2.10.0 and later honour it).',
  effect: 'partial-mitigation',
  covers: ['CVE-2021-44228 through message lookups, on log4j-core 2.10.0 to 2.14.1 only'],
  doesNotCover: ['CVE-2021-45105 (recursive lookup DoS)'],
  note: 'partial',
};

const indicator: ConnectionIndicator = {
  process: proc,
  protocol: 'tcp',
  state: 'SYN_SENT',
  local: { address: '10.0.0.2', port: 51000 },
  remote: { address: '203.0.113.9', port: 1099 },
  service: 'RMI',
  message: 'JVM 77 has an outbound RMI connection (SYN_SENT) to 203.0.113.9:1099',
};

const report: JvmReport = {
  probedAt: '2026-12-07T00:00:00.000Z',
  processes: [],
  findings: [],
  restartNeeded: [],
  flags: [flag],
  indicators: [indicator],
  errors: [],
};

function sink(withFacts: boolean): { sink: JvmScanSink; facts: JvmFact[] } {
  const facts: JvmFact[] = [];
  const base = { finding: (_f: Finding) => undefined, error: (_e: ScanError) => undefined };
  return { sink: withFacts ? { ...base, jvmFact: (f) => facts.push(f) } : base, facts };
}

describe('emitJvmReport', () => {
  it('hands mitigation flags and outbound-connection indicators to the sink as typed records', () => {
    const notes: string[] = [];
    const { sink: s, facts } = sink(true);
    emitJvmReport(report, s, (line) => notes.push(line), new Date());
    expect(notes).toEqual([]);
    expect(facts).toEqual([
      {
        type: 'jvm-flag',
        process: { pid: 77, uid: 0, user: 'root', main: '-jar app.jar', container: null },
        name: 'LOG4J_FORMAT_MSG_NO_LOOKUPS',
        value: 'true',
        source: 'environment',
        what: flag.what,
        effect: 'partial-mitigation',
        covers: flag.covers,
        doesNotCover: flag.doesNotCover,
        note: 'partial',
      },
      {
        type: 'jvm-indicator',
        process: { pid: 77, uid: 0, user: 'root', main: '-jar app.jar', container: null },
        service: 'RMI',
        protocol: 'tcp',
        state: 'SYN_SENT',
        local: { address: '10.0.0.2', port: 51000 },
        remote: { address: '203.0.113.9', port: 1099 },
        message: indicator.message,
      },
    ]);
  });

  it('writes them as note lines for a sink without records (the daemon log)', () => {
    const notes: string[] = [];
    emitJvmReport(report, sink(false).sink, (line) => notes.push(line), new Date());
    expect(notes).toEqual([
      'JVM pid 77 (root, -jar app.jar): LOG4J_FORMAT_MSG_NO_LOOKUPS=true (environment): partial',
      `indicator: JVM pid 77 (root, -jar app.jar) ${indicator.message}`,
    ]);
  });
});
