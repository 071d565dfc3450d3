export * from './types';
export { decodeLayers, type Decoded, type EncodingFamily } from './decode/layers';
export { foldName, LOOKALIKES } from './decode/fold';
export {
  resolveLookups,
  DEFAULT_RESOLVE_LIMITS,
  type ResolveLimits,
  type Resolution,
} from './resolve/lookups';
export { parseJndiName, REMOTE_PROTOCOLS, type ParsedJndiName } from './detect/target';
export { findTrace, type TraceMatch } from './detect/traces';
export { analyzeLine, type AnalyzeOptions } from './detect/line';
export { lineTimestamp, type LineTimestamp } from './read/timestamp';
export { LineScanner, defaultNeedles, type CandidateLine } from './read/line-scanner';
export { containerOf, sniffText, type Container, type TextEncoding } from './read/log-source';
export { walkLogFiles, looksLikeLog, type LogFile } from './read/walk';
export { hunt, HuntCancelled, type HuntOptions, type HuntSink } from './hunt';
export {
  IndicatorMatcher,
  loadIndicatorDir,
  parseIndicatorFile,
  globMatch,
  digestFile,
  INDICATOR_FILES,
  type IndicatorSet,
  type FileDigests,
} from './ioc/indicators';
export {
  findChangedFiles,
  type ChangedFile,
  type ChangedFilesOptions,
} from './config/changed-files';
export { defaultLogLocations, jvmLogFiles } from './read/locations';
