import type { HostStatus } from '../hosts/host.entity';
import { FLAG_CLEAN_WITHOUT_REMEDIATION, statusAfterScan, type ScanOutcome } from './scan-verdict';

const FLAG = FLAG_CLEAN_WITHOUT_REMEDIATION;

describe('statusAfterScan: what a succeeded scan means for the host', () => {
  it.each<[HostStatus, boolean, boolean, ScanOutcome]>([
    // an unscanned host: clean or vulnerable from its findings
    ['unknown', false, false, { status: 'clean' }],
    ['unknown', true, false, { status: 'vulnerable' }],
    ['clean', false, false, { status: 'clean' }],
    ['clean', true, false, { status: 'vulnerable' }],
    // vulnerable, then clean: verified after a recorded remediation, flagged without one
    ['vulnerable', false, false, { status: 'clean', flagReason: FLAG }],
    ['vulnerable', false, true, { status: 'verified' }],
    ['vulnerable', true, true, { status: 'vulnerable' }],
    ['remediated', false, true, { status: 'verified' }],
    ['verified', false, false, { status: 'verified' }],
    // a quarantined host stays contained whatever the scan says
    ['quarantined', true, false, { status: 'quarantined' }],
    ['quarantined', false, false, { status: 'quarantined', flagReason: FLAG }],
    ['quarantined', false, true, { status: 'verified' }],
    // exploitable again: back to vulnerable
    ['remediated', true, true, { status: 'vulnerable' }],
    ['verified', true, false, { status: 'vulnerable' }],
    ['released', true, false, { status: 'vulnerable' }],
    ['released', false, false, { status: 'released' }],
  ])('%s, vulnerable %p, remediation recorded %p -> %j', (current, vulnerable, recorded, next) => {
    expect(statusAfterScan(current, vulnerable, recorded)).toEqual(next);
  });
});
