export * from './types';
export {
  runProbe,
  selectTargets,
  PROBE_DEFAULTS,
  type ProbeOptions,
  type RequestedTarget,
} from './probe';
export {
  startLdapResponder,
  assertLoopback,
  type Responder,
  type ResponderOptions,
} from './ldap-responder';
export { startDnsResponder, readQuestion } from './dns-responder';
export {
  payload,
  TokenBook,
  PROBE_HEADERS,
  PROBE_FIELDS,
  PROBE_QUERY_PARAMS,
  type CallbackPorts,
} from './payloads';
export {
  findJvmListeners,
  isOwnAddress,
  isLoopbackAddress,
  ownAddresses,
  probeAddressFor,
  socketProcess,
} from './targets';
export { probeHttpTarget, RateLimiter } from './http-prober';
