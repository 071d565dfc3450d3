import type { CveEntry, EntryStatus } from './types';

/**
 * CISA's renderer (cisagov/log4j-md-yml yml2md calculate_status): any affected version with a
 * fixed one is "Fixed", affected alone "Affected", fixed alone "Fixed", unaffected alone "Not
 * Affected"; a list holding only '' counts as listed. Where nothing is listed it renders
 * investigated entries "Not Affected": we say "unknown" instead, because such entries include
 * Dell VxBlock, whose note reads "Patch pending" — saying "not affected" there would be a verdict
 * the vendor never gave.
 */
export function entryStatus(c: Omit<CveEntry, 'status'>): EntryStatus {
  if (c.affected.length > 0) return c.fixed.length > 0 ? 'fixed' : 'affected';
  if (c.fixed.length > 0) return 'fixed';
  if (c.unaffected.length > 0) return 'not-affected';
  return 'unknown';
}
