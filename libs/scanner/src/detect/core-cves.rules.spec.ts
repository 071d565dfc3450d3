import { CVE } from '../types';
import { coreCves } from './core-cves.rules';
import { v } from './version.util';

const { LOG4SHELL: A, THREAD_CONTEXT: B, RECURSION_DOS: C, JDBC_JNDI: D } = CVE;

describe('CVEs of a log4j-core release', () => {
  it.each([
    ['2.0-alpha1', [C]],
    ['2.0-beta2', [C]],
    ['2.0-beta7', [D, C]],
    ['2.0-beta9', [A, D, B, C]],
    ['2.3', [A, D, B, C]],
    ['2.3.1', [D]],
    ['2.3.2', []],
    ['2.12.1', [A, D, B, C]],
    ['2.12.2', [D, C]],
    ['2.12.3', [D]],
    ['2.12.4', []],
    ['2.13.0', [A, D, B, C]],
    ['2.14.1', [A, D, B, C]],
    ['2.15.0', [D, B, C]],
    ['2.16.0', [D, C]],
    ['2.17.0', [D]],
    ['2.17.1', []],
    ['2.20.0', []],
  ])('%s -> %j', (version, cves) => {
    expect(coreCves(v(version))).toEqual([...cves].sort());
  });
});
