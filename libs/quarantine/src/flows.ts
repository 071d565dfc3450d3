import { inPrefix, isLoopback, parseAddress } from './address';
import { QuarantineError, QuarantineErrorCode } from './errors';
import { DNS_PORT, LDAP_PORTS, RMI_PORTS } from './ruleset';
import { runTool } from './tools';
import type { RulesetPlan } from './types';

/** One conntrack entry's original direction (who opened it). */
export interface Flow {
  family: 4 | 6;
  protocol: string;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

/** Parses `conntrack -L` lines; lines it cannot read are skipped (they are then not cut). */
export function parseConntrack(text: string, family: 4 | 6): Flow[] {
  const flows: Flow[] = [];
  for (const line of text.split('\n')) {
    const tokens = line.trim().split(/\s+/);
    const protocol = tokens[0];
    if (!protocol || tokens.length < 4) continue;
    const first = (key: string): string | undefined =>
      tokens.find((t) => t.startsWith(`${key}=`))?.slice(key.length + 1);
    const src = first('src');
    const dst = first('dst');
    if (!src || !dst) continue;
    const sport = first('sport');
    const dport = first('dport');
    flows.push({
      family,
      protocol,
      src: parseAddress(src)?.address ?? src,
      dst: parseAddress(dst)?.address ?? dst,
      ...(sport ? { sport: Number(sport) } : {}),
      ...(dport ? { dport: Number(dport) } : {}),
    });
  }
  return flows;
}

/**
 * Whether a flow that existed before the quarantine may go on under `plan`: exactly the
 * traffic the ruleset allows, so that cutting the rest leaves nothing the rules would drop
 * half-open in the kernel's state (an attacker's session ends with the quarantine).
 */
export function flowAllowed(plan: RulesetPlan, flow: Flow, local: ReadonlySet<string>): boolean {
  const srcLocal = local.has(flow.src) || isLoopback(flow.src);
  const dstLocal = local.has(flow.dst) || isLoopback(flow.dst);
  if (srcLocal && dstLocal) return true;
  const outbound = srcLocal;
  const inbound = dstLocal;
  if (plan.mode === 'egress-block') {
    if (inbound) return true;
    if (flow.protocol !== 'tcp' && flow.protocol !== 'udp') return true;
    const blocked =
      flow.dport === DNS_PORT ||
      (LDAP_PORTS as readonly number[]).includes(flow.dport ?? -1) ||
      (RMI_PORTS as readonly number[]).includes(flow.dport ?? -1);
    if (!blocked) return true;
    if (
      flow.protocol === 'tcp' &&
      flow.dport === plan.controllerPort &&
      plan.controllerAddresses.includes(flow.dst)
    )
      return true;
    return flow.dport === DNS_PORT && plan.resolvers.includes(flow.dst);
  }
  if (!outbound && !inbound) return false;
  const peer = outbound ? flow.dst : flow.src;
  if (
    outbound &&
    flow.protocol === 'tcp' &&
    flow.dport === plan.controllerPort &&
    plan.controllerAddresses.includes(peer)
  ) {
    return true;
  }
  return plan.allowlist.some(
    (a) =>
      a.protocol === flow.protocol &&
      inPrefix(peer, a.address, a.prefix) &&
      (a.port === undefined || a.port === flow.dport),
  );
}

/** Deletes every conntrack entry that `allowed` rejects; returns how many were cut. */
export async function cutFlows(
  bin: string,
  allowed: (flow: Flow) => boolean,
): Promise<{ cut: number; kept: number; cutFlows: Flow[] }> {
  let kept = 0;
  const cut: Flow[] = [];
  for (const family of [4, 6] as const) {
    const name = family === 4 ? 'ipv4' : 'ipv6';
    const list = await runTool(
      bin,
      ['-L', '-f', name],
      undefined,
      QuarantineErrorCode.ConntrackMissing,
    );
    if (list.code !== 0) throw conntrackFailure(`list ${name} flows`, list.stderr);
    for (const flow of parseConntrack(list.stdout, family)) {
      if (allowed(flow)) {
        kept++;
        continue;
      }
      await deleteFlow(bin, name, flow);
      cut.push(flow);
    }
  }
  return { cut: cut.length, kept, cutFlows: cut };
}

async function deleteFlow(bin: string, family: string, flow: Flow): Promise<void> {
  const args = [
    '-D',
    '-f',
    family,
    '-p',
    flow.protocol,
    '--orig-src',
    flow.src,
    '--orig-dst',
    flow.dst,
  ];
  if (flow.sport !== undefined && flow.dport !== undefined) {
    args.push('--orig-port-src', String(flow.sport), '--orig-port-dst', String(flow.dport));
  }
  const run = await runTool(bin, args, undefined, QuarantineErrorCode.ConntrackMissing);
  // Exit 1 with "0 flow entries": the flow ended by itself in the meantime.
  if (run.code !== 0 && !/0 flow entries/.test(run.stderr)) {
    throw conntrackFailure(`cut ${flow.protocol} ${flow.src} -> ${flow.dst}`, run.stderr);
  }
}

function conntrackFailure(what: string, stderr: string): QuarantineError {
  const detail = stderr.trim().split('\n').slice(0, 4).join(' | ');
  if (/Operation not permitted|Permission denied/i.test(stderr)) {
    return new QuarantineError(
      QuarantineErrorCode.NoPermission,
      `conntrack cannot ${what}: no permission: ${detail}`,
    );
  }
  return new QuarantineError(
    QuarantineErrorCode.ConntrackFailed,
    `conntrack cannot ${what}: ${detail || 'no reason given'}`,
  );
}
