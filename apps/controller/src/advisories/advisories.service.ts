import { Injectable } from '@nestjs/common';
import {
  type AdvisoryMatch,
  type MatchConfidence,
  softwareFromFindings,
  type SoftwareItem,
} from '@log4fleet/advisories';
import type { InventorySnapshot } from '@log4fleet/contracts';
import { FindingsService } from '../results/findings.service';
import { HostsService } from '../hosts/hosts.service';
import { type FactsCache, InventoryService } from '../inventory/inventory.service';
import { AdvisoryCatalog } from './advisory-catalog.service';
import {
  AdvisoryQueryDto,
  FleetAdvisoriesDto,
  FleetAdvisoryDto,
  FleetAdvisoryQueryDto,
  HostAdvisoriesDto,
} from './advisories.dto';
import { ADVICE_NOTE, toDatabaseDto, toMatchDto, toSoftwareItem } from './advisories.mapper';

const CERTAINTY: Record<MatchConfidence, number> = { alias: 3, exact: 2, fuzzy: 1 };
const STATUS_ORDER: Record<string, number> = {
  affected: 0,
  unknown: 1,
  fixed: 2,
  'not-affected': 3,
};
// Current jar-scan findings read for the fleet view (500 a page).
export const FLEET_FINDINGS_MAX = 50_000;
const FINDINGS_PAGE = 500;

interface Filter {
  minConfidence?: MatchConfidence;
  status?: string;
}

const keep = (m: AdvisoryMatch, f: Filter): boolean =>
  CERTAINTY[m.confidence] >= CERTAINTY[f.minConfidence ?? 'fuzzy'] &&
  (f.status === undefined || m.status === f.status);

const packagesOf = (s: InventorySnapshot): SoftwareItem[] => s.packages.map(toSoftwareItem);

/** Installed software (packages, jar-scan products) against CISA's list: per host, and across the fleet. */
@Injectable()
export class AdvisoriesService {
  /** Matches of each latest snapshot's packages, unfiltered: the fleet view's warm path. */
  private readonly packageMatches: FactsCache<AdvisoryMatch[]> = new Map();

  constructor(
    private readonly catalog: AdvisoryCatalog,
    private readonly hosts: HostsService,
    private readonly inventory: InventoryService,
    private readonly findings: FindingsService,
  ) {}

  async forHost(hostId: string, query: AdvisoryQueryDto): Promise<HostAdvisoriesDto> {
    const host = await this.hosts.get(hostId);
    const latest = await this.inventory.latestSnapshot(hostId);
    const packages = latest ? packagesOf(latest.snapshot) : [];
    const scan = await this.findings.inventoryOf(host);
    const products = softwareFromFindings(scan.findings);
    const matches = [...packages, ...products]
      .flatMap((i) => this.catalog.match(i))
      .filter((m) => keep(m, query))
      .sort(byStatusThenName);
    return {
      hostId,
      hostname: host.hostname,
      hostStatus: host.status,
      inventorySnapshotId: latest?.snapshotId ?? null,
      inventoryCollectedAt: latest?.collectedAt ?? null,
      scanRunId: host.lastScanRunId,
      packages: packages.length,
      jarScanProducts: products.length,
      database: toDatabaseDto(this.catalog.database),
      matches: matches.map(toMatchDto),
      note: ADVICE_NOTE,
    };
  }

  async fleet(query: FleetAdvisoryQueryDto): Promise<FleetAdvisoriesDto> {
    const matchesOf = (s: InventorySnapshot) => packagesOf(s).flatMap((i) => this.catalog.match(i));
    const matches = new Map<string, AdvisoryMatch[]>();
    for (const h of await this.inventory.latestFacts(matchesOf, this.packageMatches))
      matches.set(h.hostId, h.facts);
    const { byHost, truncated } = await this.currentFindings();
    for (const [hostId, findings] of byHost) {
      const found = softwareFromFindings(findings).flatMap((i) => this.catalog.match(i));
      matches.set(hostId, [...(matches.get(hostId) ?? []), ...found]);
    }
    const groups = new Map<number, Group>();
    for (const [hostId, list] of matches)
      for (const m of list) if (keep(m, query)) addToGroup(groups, m, hostId);
    const all = [...groups.values()]
      .map(toFleetDto)
      .sort(
        (a, b) =>
          STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
          b.hosts - a.hosts ||
          a.vendor.localeCompare(b.vendor) ||
          a.product.localeCompare(b.product),
      );
    const start = (query.page - 1) * query.pageSize;
    return {
      database: toDatabaseDto(this.catalog.database),
      hostsConsidered: matches.size,
      findingsTruncated: truncated,
      items: all.slice(start, start + query.pageSize),
      total: all.length,
      page: query.page,
      pageSize: query.pageSize,
      note: ADVICE_NOTE,
    };
  }

  /** Every host's current jar-scan findings (path, product, version), up to FLEET_FINDINGS_MAX. */
  private async currentFindings(): Promise<{
    byHost: Map<string, Array<{ path: string; product: string; version: string }>>;
    truncated: boolean;
  }> {
    const byHost = new Map<string, Array<{ path: string; product: string; version: string }>>();
    let read = 0;
    for (let page = 1; read < FLEET_FINDINGS_MAX; page++) {
      const res = await this.findings.search({ page, pageSize: FINDINGS_PAGE });
      for (const f of res.items) {
        const list = byHost.get(f.hostId) ?? [];
        list.push({ path: f.path, product: f.product, version: f.version });
        byHost.set(f.hostId, list);
      }
      read += res.items.length;
      if (res.items.length < FINDINGS_PAGE) return { byHost, truncated: false };
    }
    return { byHost, truncated: true };
  }
}

interface Group {
  match: AdvisoryMatch;
  confidence: MatchConfidence;
  hosts: Set<string>;
  software: Map<string, { source: string; name: string; version: string; hosts: Set<string> }>;
}

function addToGroup(groups: Map<number, Group>, m: AdvisoryMatch, hostId: string): void {
  let g = groups.get(m.entry.index);
  if (!g) {
    g = { match: m, confidence: m.confidence, hosts: new Set(), software: new Map() };
    groups.set(m.entry.index, g);
  }
  if (CERTAINTY[m.confidence] > CERTAINTY[g.confidence]) g.confidence = m.confidence;
  g.hosts.add(hostId);
  const key = `${m.software.source} ${m.software.name} ${m.software.version}`;
  const s = g.software.get(key) ?? { ...m.software, hosts: new Set<string>() };
  s.hosts.add(hostId);
  g.software.set(key, s);
}

function toFleetDto(g: Group): FleetAdvisoryDto {
  const e = g.match.entry;
  return {
    vendor: e.vendor,
    product: e.product,
    status: g.match.status,
    cves: g.match.cves.map((c) => ({ cve: c.cve, status: c.status })),
    confidence: g.confidence,
    hosts: g.hosts.size,
    hostIds: [...g.hosts].sort().slice(0, 100),
    software: [...g.software.values()]
      .map((s) => ({ source: s.source, name: s.name, version: s.version, hosts: s.hosts.size }))
      .sort((a, b) => b.hosts - a.hosts || a.name.localeCompare(b.name))
      .slice(0, 50),
    vendorLinks: e.vendorLinks,
    notes: e.notes,
  };
}

function byStatusThenName(a: AdvisoryMatch, b: AdvisoryMatch): number {
  return (
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    CERTAINTY[b.confidence] - CERTAINTY[a.confidence] ||
    a.entry.vendor.localeCompare(b.entry.vendor) ||
    a.entry.product.localeCompare(b.entry.product) ||
    a.software.name.localeCompare(b.software.name)
  );
}
