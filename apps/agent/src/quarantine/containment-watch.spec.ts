import type { ContainmentReport } from '@log4fleet/contracts';
import type { CheckResult, Quarantine } from '@log4fleet/quarantine';
import pino from 'pino';
import { ContainmentWatch } from './containment-watch';

function watchOver(results: CheckResult[]): {
  watch: ContainmentWatch;
  reports: ContainmentReport[];
} {
  const reports: ContainmentReport[] = [];
  const next = (): Promise<CheckResult> => Promise.resolve(results.shift() ?? { state: 'none' });
  const quarantine = { reapply: next, check: next } as unknown as Quarantine;
  const watch = new ContainmentWatch({
    quarantine,
    report: (r) => reports.push(r),
    log: pino({ level: 'silent' }),
    intervalMs: 3_600_000,
  });
  return { watch, reports };
}

const restored: CheckResult = {
  state: 'restored',
  rulesetHash: 'sha256:a',
  tamper: { kind: 'missing', expectedHash: 'sha256:a', foundHash: null, detail: 'table removed' },
};

describe('ContainmentWatch', () => {
  it('reports tampering found at start and at each check', async () => {
    const { watch, reports } = watchOver([
      restored,
      { state: 'intact', rulesetHash: 'sha256:a' },
      restored,
    ]);
    await watch.start();
    await watch.check();
    await watch.check();
    watch.stop();
    expect(reports.map((r) => [r.state, r.kind, r.detail, r.rulesetHash])).toEqual([
      ['tampered', 'missing', 'table removed', 'sha256:a'],
      ['tampered', 'missing', 'table removed', 'sha256:a'],
    ]);
  });

  it('a reboot reapply is no report; the same failure is reported once, a new one again', async () => {
    const failed: CheckResult = {
      state: 'failed',
      code: 'NFT_MISSING',
      reason: 'nft is not installed',
    };
    const { watch, reports } = watchOver([
      { state: 'reapplied', rulesetHash: 'sha256:a' },
      failed,
      failed,
      { state: 'failed', code: 'NO_PERMISSION', reason: 'no permission' },
    ]);
    await watch.start();
    await watch.check();
    await watch.check();
    await watch.check();
    watch.stop();
    expect(reports.map((r) => [r.state, r.kind])).toEqual([
      ['failed', 'NFT_MISSING'],
      ['failed', 'NO_PERMISSION'],
    ]);
  });
});
