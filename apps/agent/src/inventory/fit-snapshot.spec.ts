import { ReportInventoryRequest } from '@log4fleet/contracts';
import { fitSnapshot } from './fit-snapshot';
import { fixtureInventory, fixtureJvmReport } from './inventory-fixtures';
import { toInventorySnapshot } from './inventory-mapping';

function hugeRequest(): ReportInventoryRequest {
  const jvms = fixtureJvmReport();
  jvms.processes = jvms.processes.map((p) => ({
    ...p,
    classpath: Array.from(
      { length: 1000 },
      (_, i) => `/srv/app/lib/dependency-${i}-${'x'.repeat(200)}.jar`,
    ),
  }));
  return { snapshot: toInventorySnapshot(fixtureInventory(), jvms), collectedAtMs: 1 };
}

describe('fitSnapshot', () => {
  it('leaves a snapshot that fits alone', () => {
    const req = {
      snapshot: toInventorySnapshot(fixtureInventory(), fixtureJvmReport()),
      collectedAtMs: 1,
    };
    expect(fitSnapshot(req)).toEqual({
      snapshot: toInventorySnapshot(fixtureInventory(), fixtureJvmReport()),
      collectedAtMs: 1,
    });
  });

  it('sheds detail until it fits, keeps what matters, and says what it left out', () => {
    const req = hugeRequest();
    const max = 64 * 1024;
    expect(ReportInventoryRequest.encode(req).finish().length).toBeGreaterThan(max);
    const fitted = fitSnapshot(req, max);
    expect(ReportInventoryRequest.encode(fitted).finish().length).toBeLessThanOrEqual(max);
    const app = fitted.snapshot!.jvms.find((j) => j.pid === 4321)!;
    expect(app.classpath).toEqual([]);
    expect(app.findings[0].finding?.status).toBe('vulnerable');
    expect(app.restartNeeded).toHaveLength(1);
    expect(fitted.snapshot!.accounts.filter((a) => a.privileged).map((a) => a.name)).toEqual([
      'root',
      'alice',
    ]);
    expect(fitted.snapshot!.warnings.at(-1)?.message).toContain(
      'trimmed parse warnings, JVM classpaths',
    );
  });
});
