export interface ParsedApiToken {
  id: string;
  secret: string;
}

const API_TOKEN = /^l4f_([a-z0-9]{8,32})_([A-Za-z0-9]{32,128})$/;

/** `l4f_<id>_<secret>`: the id finds the row, the secret is checked against its sha256. */
export function parseApiToken(raw: string): ParsedApiToken | null {
  const match = API_TOKEN.exec(raw);
  return match ? { id: match[1], secret: match[2] } : null;
}

export function formatApiToken(id: string, secret: string): string {
  return `l4f_${id}_${secret}`;
}

export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}
