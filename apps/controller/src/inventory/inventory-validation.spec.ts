import { DomainException } from '../common/domain.exception';
import { baseSnapshot, safeJvm } from './inventory-fixtures';
import { validateReportInventory } from './inventory-validation';

const NOW = Date.UTC(2026, 10, 28);

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainException) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('validateReportInventory', () => {
  it('accepts a plausible snapshot', () => {
    expect(
      validateReportInventory({ snapshot: baseSnapshot(), collectedAtMs: NOW - 1000 }, NOW)
        .collectedAtMs,
    ).toBe(NOW - 1000);
  });

  it.each([
    ['no snapshot', { snapshot: undefined, collectedAtMs: NOW }, 'snapshot is required'],
    [
      'a time in seconds',
      { snapshot: baseSnapshot(), collectedAtMs: Math.floor(NOW / 1000) },
      'is not a plausible Unix time in milliseconds',
    ],
    [
      'a time far in the future',
      { snapshot: baseSnapshot(), collectedAtMs: NOW + 2 * 86_400_000 },
      'more than a day in the future',
    ],
    [
      'port 0',
      {
        snapshot: baseSnapshot({
          network: {
            interfaces: [],
            defaultRoutes: [],
            listening: [{ protocol: 'tcp', address: '::', port: 0, uid: 0, processes: [] }],
            connections: [],
          },
        }),
        collectedAtMs: NOW,
      },
      'network.listening[0].port 0 is not 1-65535',
    ],
    [
      'too many packages',
      {
        snapshot: baseSnapshot({
          packages: Array.from({ length: 16385 }, (_, i) => ({
            manager: 'dpkg',
            name: `p${i}`,
            version: '1',
            arch: 'all',
            sourcePackage: '',
          })),
        }),
        collectedAtMs: NOW,
      },
      'packages has 16385 entries, at most 16384 allowed',
    ],
    [
      'a package of an unknown manager',
      {
        snapshot: baseSnapshot({
          packages: [{ manager: 'apk', name: 'musl', version: '1', arch: '', sourcePackage: '' }],
        }),
        collectedAtMs: NOW,
      },
      'packages[0].manager "apk" is not dpkg or rpm',
    ],
    [
      'a connection to port 0',
      {
        snapshot: baseSnapshot({
          network: {
            interfaces: [],
            defaultRoutes: [],
            listening: [],
            connections: [
              {
                protocol: 'tcp',
                localAddress: '10.0.0.7',
                localPort: 40000,
                remoteAddress: '10.0.0.9',
                remotePort: 0,
                uid: 0,
                processes: [],
              },
            ],
          },
        }),
        collectedAtMs: NOW,
      },
      'network.connections[0].remotePort 0 is not 1-65535',
    ],
    [
      'too many JVMs',
      {
        snapshot: baseSnapshot({
          jvms: Array.from({ length: 257 }, (_, i) => safeJvm({ pid: i + 1 })),
        }),
        collectedAtMs: NOW,
      },
      'jvms has 257 entries, at most 256 allowed',
    ],
    [
      'an oversized hostname',
      {
        snapshot: baseSnapshot({ os: { ...baseSnapshot().os!, hostname: 'h'.repeat(256) } }),
        collectedAtMs: NOW,
      },
      'os.hostname is over 255 bytes',
    ],
    [
      'a finding with a made-up status',
      {
        snapshot: baseSnapshot({
          jvms: [
            safeJvm({
              findings: [
                {
                  source: 'classpath',
                  staleReason: '',
                  finding: { ...safeJvm().findings[0].finding!, status: 'pwned' },
                },
              ],
            }),
          ],
        }),
        collectedAtMs: NOW,
      },
      'jvms[0].findings[0].finding.status "pwned"',
    ],
  ])('refuses %s with INVALID_ARGUMENT', (_what, request, message) => {
    const text = refusal(() => validateReportInventory(request, NOW));
    expect(text).toMatch(/^INVALID_ARGUMENT: /);
    expect(text).toContain(message);
  });
});
