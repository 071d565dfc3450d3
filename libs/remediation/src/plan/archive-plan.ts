/** What the rewriter does in one archive, and in the nested archives it descends into. */
export interface ArchivePlan {
  /** Entry names dropped from this archive. */
  remove: Set<string>;
  /** Drop META-INF/*.SF, .RSA, .DSA, .EC, SIG-* and the manifest's per-entry digests. */
  stripSignatures: boolean;
  /** Nested archives (by entry name) rewritten with their own plan. */
  nested: Map<string, ArchivePlan>;
}

export function emptyPlan(): ArchivePlan {
  return { remove: new Set(), stripSignatures: false, nested: new Map() };
}

/** The plan of the archive at `chain` (chain[0] is the outer file), created on the way. */
export function planAt(root: ArchivePlan, chain: readonly string[]): ArchivePlan {
  let node = root;
  for (const name of chain.slice(1)) {
    let child = node.nested.get(name);
    if (!child) {
      child = emptyPlan();
      node.nested.set(name, child);
    }
    node = child;
  }
  return node;
}

/** Every plan node on the way to `chain`, outer first. */
export function plansAlong(root: ArchivePlan, chain: readonly string[]): ArchivePlan[] {
  const out = [root];
  let node = root;
  for (const name of chain.slice(1)) {
    const child = node.nested.get(name);
    if (!child) break;
    out.push(child);
    node = child;
  }
  return out;
}
