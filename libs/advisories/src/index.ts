export * from './types';
export {
  loadAdvisoryDatabase,
  parseAdvisoryDatabase,
  AdvisoryDatabaseError,
  DATABASE_FILE,
  PROVENANCE_FILE,
  sha256Of,
} from './database';
export { entryStatus } from './status';
export {
  parseVersionSpec,
  versionIn,
  compareVersions,
  upstreamVersion,
  type VersionSpec,
} from './versions';
export { ALIASES, type Alias } from './aliases';
export {
  softwareFromFindings,
  comparableVersion,
  type SoftwareItem,
  type SoftwareSource,
  type ScanFindingLike,
} from './software';
export {
  AdvisoryMatcher,
  cveAdvice,
  type AdvisoryMatch,
  type CveAdvice,
  type MatchConfidence,
  type VersionVerdict,
} from './matcher';
