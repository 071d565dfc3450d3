import { Injectable } from '@nestjs/common';
import {
  type AdvisoryDatabase,
  type AdvisoryMatch,
  AdvisoryMatcher,
  loadAdvisoryDatabase,
  type SoftwareItem,
} from '@log4fleet/advisories';

// Distinct software items whose matches are remembered: a fleet shares most packages.
const MEMO_MAX = 200_000;

/**
 * The vendored CISA database and its matcher, loaded on first use (parsing 3.8 MB of YAML takes
 * 0.7-2.5 s: a controller that never serves an advisory never pays it).
 */
@Injectable()
export class AdvisoryCatalog {
  private loaded?: AdvisoryMatcher;
  private readonly memo = new Map<string, AdvisoryMatch[]>();

  private get matcher(): AdvisoryMatcher {
    this.loaded ??= new AdvisoryMatcher(loadAdvisoryDatabase());
    return this.loaded;
  }

  get database(): AdvisoryDatabase {
    return this.matcher.db;
  }

  match(item: SoftwareItem): AdvisoryMatch[] {
    const key = [
      item.source,
      item.name,
      item.version,
      item.sourcePackage ?? '',
      item.path ?? '',
    ].join('\0');
    const known = this.memo.get(key);
    if (known) return known;
    const matches = this.matcher.matchOne(item);
    if (this.memo.size >= MEMO_MAX) this.memo.clear();
    this.memo.set(key, matches);
    return matches;
  }
}
