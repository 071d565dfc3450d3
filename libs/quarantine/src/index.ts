export * from './types';
export { QuarantineError, QuarantineErrorCode } from './errors';
export {
  Quarantine,
  DEFAULT_PROVE_DEADLINE_MS,
  type QuarantineOptions,
  type ApplyOptions,
} from './quarantine';
export { normalizeSpec, QUARANTINE_LIMITS, QUARANTINE_MODES } from './normalize-spec';
export {
  buildRuleset,
  replaceTransaction,
  deleteTransaction,
  TABLE,
  TABLE_NAME,
  LDAP_PORTS,
  RMI_PORTS,
  DNS_PORT,
  type Ruleset,
  type NftRule,
} from './ruleset';
export { canonicalFromListing, canonicalFromRuleset, type CanonicalTable } from './canonical';
export { parseAddress, parseCidr } from './address';
export { flowAllowed, parseConntrack, type Flow } from './flows';
export { tcpControllerCheck, probeUnreachable, type ControllerCheck } from './prove';
export { pinController, systemLookup, type Lookup } from './resolve';
export { StateStore, STATE_FILE, type DesiredState } from './state-store';
