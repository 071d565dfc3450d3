/**
 * Command ids as the controller makes them (randomUUID, deterministicUuid, timeOrderedUuid):
 * RFC 9562 UUIDs of versions 1-8, variant 10, in their canonical lowercase form. Nothing
 * else is accepted: an id becomes a directory name in the state directory, and anything
 * looser (upper case, "..", "/", NUL) would let a controller name another file.
 */
const COMMAND_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isCommandId(id: unknown): id is string {
  return typeof id === 'string' && COMMAND_ID.test(id);
}

/** A received id as it can be logged: quoted, escaped (NUL, newlines) and cut short. */
export function describeId(id: unknown): string {
  const text = typeof id === 'string' ? id : String(id);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

/** The error a refused id is logged with; never a path built from it. */
export function invalidIdMessage(what: string, id: unknown): string {
  return `${what} ${describeId(id)} refused: not a lowercase canonical UUID`;
}
