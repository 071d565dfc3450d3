import { scanParams } from '../scan/scan.kind';
import { scopeOf } from '../scan/scan-scope';
import { CandidateScan, PendingRemediation, proveRemediation } from './remediation-proof';

const JAR = '/srv/app/lib/log4j-core-2.14.1.jar';
const remediation: PendingRemediation = {
  id: 'r1',
  hostId: 'h1',
  at: '2026-01-01T10:00:00.000Z',
  targets: { paths: [JAR], processes: false },
};
const scan = (
  over: Partial<CandidateScan> & { params?: Record<string, unknown> },
): CandidateScan => ({
  id: 's1',
  createdAt: '2026-01-01T11:00:00.000Z',
  scope: scopeOf(scanParams(over.params ?? { paths: ['/srv/app/lib'] })),
  incomplete: null,
  errors: [],
  findings: [],
  ...over,
});

describe('proveRemediation: only a rescan that proves it verifies a remediation', () => {
  it('verifies with a later, complete scan covering every target and finding none vulnerable', () => {
    expect(proveRemediation(remediation, scan({}))).toEqual({ outcome: 'verified' });
  });

  it.each<[string, Partial<CandidateScan> & { params?: Record<string, unknown> }, RegExp]>([
    ['created before', { createdAt: '2026-01-01T09:00:00.000Z' }, /created before/],
    ['an empty directory', { params: { paths: ['/tmp/empty'] } }, /did not cover/],
    ['incomplete', { incomplete: 'root /srv could not be read' }, /incomplete/],
    ['an error on the target', { errors: [{ path: JAR, message: 'corrupt' }] }, /did not cover/],
  ])('leaves it unverified after a scan %s', (_what, over, reason) => {
    const proof = proveRemediation(remediation, scan(over));
    expect(proof.outcome).toBe('unverified');
    expect(proof).toMatchObject({ reason: expect.stringMatching(reason) });
  });

  it('needs the running JVMs inspected when a target was one', () => {
    const jvm = { ...remediation, targets: { paths: [], processes: true } };
    expect(
      proveRemediation(jvm, scan({ params: { paths: ['/srv'], processes: false } })),
    ).toMatchObject({
      outcome: 'unverified',
      reason: expect.stringMatching(/running JVMs/),
    });
    expect(proveRemediation(jvm, scan({ params: { processesOnly: true } })).outcome).toBe(
      'verified',
    );
  });

  it('fails it when a covering scan still finds a target vulnerable', () => {
    const still = scan({ findings: [{ source: 'path', path: JAR, vulnerable: true }] });
    expect(proveRemediation(remediation, still)).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/still found vulnerable log4j/),
    });
  });

  it('is unverified without targets', () => {
    expect(proveRemediation({ ...remediation, targets: null }, scan({})).outcome).toBe(
      'unverified',
    );
  });
});
