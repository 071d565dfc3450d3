import { ReportInventoryRequest, type InventorySnapshot } from '@log4fleet/contracts';

/** The controller receives messages of at most 4 MiB; leave room for metadata and framing. */
export const MAX_REPORT_BYTES = 3.5 * 1024 * 1024;

type Trim = { what: string; apply: (s: InventorySnapshot) => void };

// Least useful first: what the playbook needs most (privileged accounts, vulnerable findings,
// restart-needed jars, indicators) goes last or never.
const TRIMS: Trim[] = [
  { what: 'parse warnings', apply: (s) => void (s.warnings = s.warnings.slice(0, 16)) },
  { what: 'JVM classpaths', apply: (s) => s.jvms.forEach((j) => (j.classpath = [])) },
  {
    what: 'established connections',
    apply: (s) => s.network && (s.network.connections = s.network.connections.slice(0, 512)),
  },
  {
    what: 'package source names',
    apply: (s) => s.packages.forEach((p) => (p.sourcePackage = '')),
  },
  {
    what: 'finding evidence',
    apply: (s) =>
      s.jvms.forEach((j) => j.findings.forEach((f) => f.finding && (f.finding.evidence = []))),
  },
  {
    what: 'JVM command lines',
    apply: (s) => s.jvms.forEach((j) => (j.cmdline = j.cmdline.slice(0, 16))),
  },
  {
    what: 'listening ports',
    apply: (s) => s.network && (s.network.listening = s.network.listening.slice(0, 512)),
  },
  {
    what: 'unprivileged accounts',
    apply: (s) =>
      void (s.accounts = s.accounts.filter((a) => a.privileged || a.canLogin).slice(0, 1024)),
  },
  {
    what: 'safe JVM findings',
    apply: (s) =>
      s.jvms.forEach((j) => (j.findings = j.findings.filter((f) => f.finding?.status !== 'safe'))),
  },
];

const sizeOf = (req: ReportInventoryRequest): number =>
  ReportInventoryRequest.encode(req).finish().length;

/**
 * Sheds detail until the request fits in one gRPC message, saying what was left out in a warning,
 * so an enormous host still reports what matters instead of failing every time.
 */
export function fitSnapshot(
  req: ReportInventoryRequest,
  maxBytes = MAX_REPORT_BYTES,
): ReportInventoryRequest {
  if (!req.snapshot || sizeOf(req) <= maxBytes) return req;
  const snapshot = req.snapshot;
  const dropped: string[] = [];
  for (const trim of TRIMS) {
    trim.apply(snapshot);
    dropped.push(trim.what);
    if (sizeOf(req) <= maxBytes) break;
  }
  snapshot.warnings = [
    ...snapshot.warnings.slice(0, 255),
    {
      file: '',
      line: 0,
      message: `snapshot over ${maxBytes} bytes: trimmed ${dropped.join(', ')}`,
    },
  ];
  return req;
}
