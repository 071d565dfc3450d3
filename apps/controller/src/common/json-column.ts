/** JSON kept in a text column: the one type both SQLite and PostgreSQL store alike. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function parseJsonArray(text: string | null | undefined): string[] {
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.map(String) : [];
}

export function parseJsonObject(text: string | null | undefined): Record<string, unknown> {
  if (!text) return {};
  const parsed: unknown = JSON.parse(text);
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {};
}

/** A LIKE pattern that matches one element of a JSON string array column. */
export function jsonElementPattern(value: string): string {
  return `%${escapeLike(JSON.stringify(value))}%`;
}

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
