import { promises as dns } from 'node:dns';
import { parseAddress } from './address';
import { errorMessage, QuarantineError, QuarantineErrorCode } from './errors';

/** A name's addresses (IPv4 and IPv6); the agent's system resolver by default. */
export type Lookup = (host: string) => Promise<string[]>;

const LOOKUP_TIMEOUT_MS = 10_000;

export const systemLookup: Lookup = async (host) => {
  const results = await dns.lookup(host, { all: true, verbatim: true });
  return results.map((r) => r.address);
};

/**
 * The controller's addresses, resolved before any rule exists and pinned in the rules: once
 * isolated, the host may have no resolver left, and a name resolved after the drop rules is
 * how other tools lock out their own controller.
 */
export async function pinController(host: string, lookup: Lookup): Promise<string[]> {
  const literal = parseAddress(host);
  if (literal) return [literal.address];
  let found: string[];
  try {
    found = await withTimeout(
      lookup(host),
      LOOKUP_TIMEOUT_MS,
      `resolving ${host} took over ${LOOKUP_TIMEOUT_MS} ms`,
    );
  } catch (err) {
    throw new QuarantineError(
      QuarantineErrorCode.ResolveFailed,
      `the controller name ${host} does not resolve (${errorMessage(err)}); no rule was applied`,
      { cause: err },
    );
  }
  const addresses = [
    ...new Set(found.map((a) => parseAddress(a)?.address).filter((a): a is string => !!a)),
  ];
  if (addresses.length === 0) {
    throw new QuarantineError(
      QuarantineErrorCode.ResolveFailed,
      `the controller name ${host} resolved to no address; no rule was applied`,
    );
  }
  return addresses.sort();
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
