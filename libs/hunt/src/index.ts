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
