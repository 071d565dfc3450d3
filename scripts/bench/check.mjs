// Parses the agent's `scan --json` output and compares its findings with the manifest.
import fs from 'node:fs';
import path from 'node:path';

/** Accepts JSON lines or one JSON document; returns { findings, errors, summary, unparsed }. */
export function parseScanOutput(file) {
  const text = fs.readFileSync(file, 'utf8');
  let items = [];
  let unparsed = 0;
  try {
    const doc = JSON.parse(text);
    items = Array.isArray(doc) ? doc : [doc];
  } catch {
    for (const line of text.split('\n')) {
      const t = line.trim();
      if (!t) continue;
      try {
        items.push(JSON.parse(t));
      } catch {
        unparsed++;
      }
    }
  }
  const findings = [];
  const errors = [];
  let summary = null;
  const visit = (o) => {
    if (!o || typeof o !== 'object') return;
    if (Array.isArray(o)) return o.forEach(visit);
    if (Array.isArray(o.findings)) o.findings.forEach((f) => findings.push(f));
    if (Array.isArray(o.errors)) o.errors.forEach((e) => errors.push(e));
    if (o.summary && typeof o.summary === 'object') summary = o.summary;
    const kind = o.type ?? o.kind ?? o.event;
    const body = o.finding ?? o.error ?? o.summary ?? o.data ?? o;
    if (kind === 'finding') return void findings.push(o.finding ?? o.data ?? o);
    if (kind === 'error') return void errors.push(typeof body === 'object' ? body : o);
    if (kind === 'summary') return void (summary = o.summary ?? o.data ?? o);
    if (
      !kind &&
      typeof o.status === 'string' &&
      (Array.isArray(o.chain) || typeof o.path === 'string') &&
      !Array.isArray(o.findings)
    )
      findings.push(o);
    else if (!kind && typeof o.code === 'string' && typeof o.error === 'string') errors.push(o);
  };
  items.forEach(visit);
  return { findings, errors, summary, unparsed, lines: items.length };
}

const normRoot = (r) => (r ? (r.endsWith('/') ? r : r + '/') : '');

function relChain(f, baseDir) {
  const chain =
    Array.isArray(f.chain) && f.chain.length ? [...f.chain] : String(f.path ?? '').split('!/');
  const abs = path.resolve(baseDir, chain[0]);
  chain[0] = path.relative(baseDir, abs);
  return chain;
}

/** Matches findings to expected copies by location (chain) and package root. */
export function compare(expected, findings, baseDir) {
  const exp = expected.map((e) => ({ ...e, found: null }));
  const byKey = new Map();
  for (const e of exp) {
    if (e.exploded) continue;
    const k = e.chain.join('!/');
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k).push(e);
  }
  const unexpected = [];
  for (const f of findings) {
    const chain = relChain(f, baseDir);
    const key = chain.join('!/');
    let cands = (byKey.get(key) ?? []).filter((e) => !e.found);
    if (!cands.length && chain.length === 1) {
      // Exploded copies: the agent may name WEB-INF/classes, the webapp, or the package directory.
      cands = exp.filter(
        (e) =>
          e.exploded &&
          !e.found &&
          (chain[0].startsWith(e.chain[0]) || e.chain[0].startsWith(chain[0] + '/')),
      );
    }
    const root = normRoot(f.packageRoot);
    const m =
      cands.find((e) => normRoot(e.packageRoot) === root) ??
      (cands.length === 1 || !root ? cands[0] : undefined);
    if (m) m.found = f;
    else
      unexpected.push({
        path: chain.join('!/'),
        status: f.status,
        version: f.version,
        packageRoot: f.packageRoot,
        rce:
          f.product === 'log4j-1.x'
            ? (f.cves ?? []).length > 0
            : (f.cves ?? []).some((c) => c === 'CVE-2021-44228' || c === 'CVE-2021-45046'),
      });
  }
  const r = {
    expected: exp.length,
    expectedVulnerable: 0,
    vulnerableFound: 0,
    vulnerableWrongStatus: 0,
    vulnerableMissed: 0,
    nonVulnerableExpected: 0,
    nonVulnerableReportedVulnerable: 0,
    nonVulnerableNotReported: 0,
    mitigatedExpected: 0,
    mitigatedOk: 0,
    versionMatches: 0,
    matched: 0,
    unexpected: unexpected.length,
    unexpectedVulnerable: unexpected.filter((u) => u.rce).length,
    missedSamples: [],
    versionSamples: [],
    wrongSamples: [],
    unexpectedSamples: unexpected.slice(0, 8),
  };
  // "Vulnerable" is judged from the CVE list (44228/45046 for log4j-core, any CVE for 1.x),
  // not from the status word, whose meaning for e.g. 2.16.0 (45105/44832 only) varies.
  const rce = (f) =>
    f.product === 'log4j-1.x'
      ? (f.cves ?? []).length > 0
      : (f.cves ?? []).some((c) => c === 'CVE-2021-44228' || c === 'CVE-2021-45046');
  const sameCves = (f, e) => [...(f.cves ?? [])].sort().join() === [...e.cves].sort().join();
  r.cveMatches = 0;
  for (const e of exp) {
    const f = e.found;
    if (f) {
      r.matched++;
      if (String(f.version) === e.version) r.versionMatches++;
      else if (r.versionSamples.length < 5)
        r.versionSamples.push(
          `${e.kind} ${e.path} [${e.packageRoot}]: version "${f.version}", planted ${e.version}`,
        );
      if (sameCves(f, e)) r.cveMatches++;
      else if (r.wrongSamples.length < 8)
        r.wrongSamples.push(
          `${e.kind} ${e.version} ${e.path}: CVEs [${(f.cves ?? []).join(' ')}] expected [${e.cves.join(' ')}] (got ${f.status} ${f.version})`,
        );
    }
    if (e.expect === 'vulnerable') {
      r.expectedVulnerable++;
      if (!f) {
        r.vulnerableMissed++;
        if (r.missedSamples.length < 8)
          r.missedSamples.push(`${e.kind} ${e.version} ${e.path} [${e.packageRoot}]`);
      } else if (rce(f) && f.status === 'vulnerable') r.vulnerableFound++;
      else {
        r.vulnerableWrongStatus++;
        if (r.wrongSamples.length < 8)
          r.wrongSamples.push(
            `${e.kind} ${e.version} ${e.path}: got ${f.status} ${f.version} [${(f.cves ?? []).join(' ')}]`,
          );
      }
    } else {
      r.nonVulnerableExpected++;
      if (e.expect === 'mitigated') {
        r.mitigatedExpected++;
        if (f?.status === 'mitigated') r.mitigatedOk++;
      }
      if (!f) r.nonVulnerableNotReported++;
      else if (rce(f)) {
        r.nonVulnerableReportedVulnerable++;
        if (r.wrongSamples.length < 8)
          r.wrongSamples.push(
            `${e.kind} ${e.version} ${e.path}: expected ${e.expect}, got RCE CVEs ${f.status} ${f.version}`,
          );
      }
    }
  }
  return r;
}
