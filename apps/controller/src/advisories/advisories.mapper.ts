import type { AdvisoryDatabase, AdvisoryMatch, SoftwareItem } from '@log4fleet/advisories';
import type { InstalledPackage } from '@log4fleet/contracts';
import type { AdvisoryDatabaseDto, AdvisoryMatchDto, SoftwareDto } from './advisories.dto';

/** Said with every answer: the list is advice, the jar scan decides. */
export const ADVICE_NOTE =
  "Matches against CISA's log4j affected-products list are advice: names and free-text versions are compared as written, so check each with the vendor. The jar scan, not this list, decides whether a host is vulnerable.";

export function toDatabaseDto(db: AdvisoryDatabase): AdvisoryDatabaseDto {
  const p = db.provenance;
  return {
    source: p.source,
    commit: p.commit,
    commitDate: p.commitDate,
    sha256: p.sha256,
    entries: db.entries.length,
  };
}

export function toSoftwareItem(p: InstalledPackage): SoftwareItem {
  return {
    source: p.manager === 'rpm' ? 'rpm' : 'dpkg',
    name: p.name,
    version: p.version,
    ...(p.sourcePackage ? { sourcePackage: p.sourcePackage } : {}),
  };
}

function toSoftwareDto(s: SoftwareItem): SoftwareDto {
  return {
    source: s.source,
    name: s.name,
    version: s.version,
    sourcePackage: s.sourcePackage ?? null,
    path: s.path ?? null,
  };
}

export function toMatchDto(m: AdvisoryMatch): AdvisoryMatchDto {
  return {
    software: toSoftwareDto(m.software),
    vendor: m.entry.vendor,
    product: m.entry.product,
    confidence: m.confidence,
    reason: m.reason,
    status: m.status,
    cves: m.cves.map((c) => ({
      cve: c.cve,
      status: c.status,
      investigated: c.investigated,
      affectedVersions: c.affected,
      fixedVersions: c.fixed,
      unaffectedVersions: c.unaffected,
      versionVerdict: c.versionVerdict,
      decidedBy: c.decidedBy,
    })),
    vendorLinks: m.entry.vendorLinks,
    notes: m.entry.notes,
    references: m.entry.references,
    lastUpdated: m.entry.lastUpdated,
    advice: m.advice,
  };
}
