export * from './types';
export { probeJvms, type ProbeOptions } from './probe';
export {
  parseJavaCommandLine,
  propertiesFromOptionsVariable,
  describeMain,
  type JavaCommandLine,
} from './cmdline';
export { containerFromCgroup } from './cgroup';
export { processStartMs, CLOCK_TICKS } from './proc-stat';
export { assessMitigations, versionTuple, type SettingSeen } from './mitigations';
export { findIndicators, INDICATOR_PORTS } from './connections';
export { scanWithEngine } from './default-scan';
export { isJavaProcess } from './process-info';
export { ProcReader } from './proc-reader';
