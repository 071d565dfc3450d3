export interface Endpoint {
  address: string;
  port: number;
}

/** The process that owned the socket a callback came from. */
export interface CallbackProcess {
  pid: number;
  comm?: string;
}

/** One lookup that reached a responder: the evidence. */
export interface Callback {
  protocol: 'ldap' | 'dns';
  /** The search base DN (LDAP) or query name (DNS), cut at 256 characters. */
  token: string;
  peer: Endpoint;
  at: string;
  process?: CallbackProcess;
}

/** A TCP listener of a JVM on this host, and the own address a probe goes to. */
export interface ProbeTarget {
  /** Where the probe connects: loopback for a wildcard listener, else the bound own address. */
  address: string;
  port: number;
  /** The address the listener is bound to, as the socket table shows it (0.0.0.0, ::, own address). */
  bound: string;
  /** The JVMs holding the listening socket (empty when given by port and not matched). */
  processes: CallbackProcess[];
}

export type FieldLocation = 'header' | 'query' | 'form' | 'json';

/** How the lookup string is written: plain, or in the obfuscations WAF bypasses use. */
export const PAYLOAD_FORMS = ['plain', 'lower', 'default-value', 'env-default', 'dns'] as const;
export type PayloadForm = (typeof PAYLOAD_FORMS)[number];

/** One marked string sent: its token names where it went and how it was written. */
export interface PlacedToken {
  token: string;
  target: Endpoint;
  location: FieldLocation;
  field: string;
  form: PayloadForm;
}

/** A callback matched to the string that caused it: the service looks up what users send. */
export interface ProbeFinding extends PlacedToken {
  protocol: Callback['protocol'];
  at: string;
  process?: CallbackProcess;
  message: string;
}

export type TargetOutcome =
  /** Every planned request got an HTTP response. */
  | 'probed'
  /** Some requests got no response (timeouts, resets) or the time budget ended. */
  | 'partial'
  /** The port does not speak HTTP (or HTTPS). */
  | 'not-http'
  /** Nothing accepted the connection. */
  | 'unreachable';

export interface TargetResult {
  target: ProbeTarget;
  outcome: TargetOutcome;
  scheme?: 'http' | 'https';
  requests: number;
  tokens: number;
  error?: string;
}

export interface ProbeReport {
  startedAt: string;
  finishedAt: string;
  /** The loopback ports the responders listened on. */
  responders: { ldap: Endpoint; dns: Endpoint };
  targets: TargetResult[];
  findings: ProbeFinding[];
  /** Callbacks whose token was none of ours (another probe's, or a mangled one). */
  unmatched: Callback[];
  /** Problems that left the probe incomplete (named target or step). */
  errors: string[];
}
