import { FLAG_CLEAN_WITHOUT_REMEDIATION, statusAfterScan } from './host-status';

describe('statusAfterScan', () => {
  it('marks an unscanned host clean or vulnerable from its findings', () => {
    expect(statusAfterScan('unknown', false, false)).toEqual({ status: 'clean' });
    expect(statusAfterScan('unknown', true, false)).toEqual({ status: 'vulnerable' });
  });

  it('flags a vulnerable host that turns clean with no remediation on record', () => {
    expect(statusAfterScan('vulnerable', false, false)).toEqual({
      status: 'clean',
      flagReason: FLAG_CLEAN_WITHOUT_REMEDIATION,
    });
  });

  it('verifies a vulnerable host that turns clean after a recorded remediation', () => {
    expect(statusAfterScan('vulnerable', false, true)).toEqual({ status: 'verified' });
    expect(statusAfterScan('remediated', false, true)).toEqual({ status: 'verified' });
  });

  it('keeps a quarantined host contained whatever the scan says', () => {
    expect(statusAfterScan('quarantined', true, false).status).toBe('quarantined');
    expect(statusAfterScan('quarantined', false, false)).toEqual({
      status: 'quarantined',
      flagReason: FLAG_CLEAN_WITHOUT_REMEDIATION,
    });
  });

  it('sends a remediated or released host back to vulnerable when log4j is exploitable again', () => {
    expect(statusAfterScan('remediated', true, true).status).toBe('vulnerable');
    expect(statusAfterScan('released', true, false).status).toBe('vulnerable');
  });
});
