const ENROLLMENT_TOKEN = /^l4fe_([0-9a-f]{16})_([0-9a-f]{64})$/;

/** `l4fe_<id>_<secret>`: the id finds the row, the secret is checked against its sha256. */
export function parseEnrollmentToken(raw: string): { id: string; secret: string } | null {
  const match = ENROLLMENT_TOKEN.exec(raw.trim());
  return match ? { id: match[1], secret: match[2] } : null;
}

export function formatEnrollmentToken(id: string, secret: string): string {
  return `l4fe_${id}_${secret}`;
}
