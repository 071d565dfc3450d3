import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

const UUID_ANY_CASE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUL = '\u0000';

/**
 * Runs before the ValidationPipe on every body, query and path parameter:
 * - a NUL character in any string is a 400 naming the field (PostgreSQL cannot store or even
 *   compare text holding one: "invalid byte sequence for encoding UTF8: 0x00" was a 500);
 * - a UUID in a path is lower-cased: ids are stored lower case, and an id given in upper case
 *   must find the same row (DTO fields do the same with IsUuid).
 */
@Injectable()
export class RequestInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const withNul = findNul(value, metadata.data ?? '');
    if (withNul !== undefined)
      throw new BadRequestException([
        `${withNul || metadata.type} must not contain a NUL character (\\u0000)`,
      ]);
    if (metadata.type === 'param' && typeof value === 'string' && UUID_ANY_CASE.test(value))
      return value.toLowerCase();
    return value;
  }
}

/** The path of the first string (or object key) holding a NUL, e.g. "selector.tags[2]"; else undefined. */
export function findNul(value: unknown, root: string): string | undefined {
  // Iterative: a deeply nested body must not overflow the stack.
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      if (current.includes(NUL)) return path;
      continue;
    }
    if (Array.isArray(current)) {
      current.forEach((item, i) => stack.push([item, `${path}[${i}]`]));
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    for (const [key, item] of Object.entries(current)) {
      const itemPath = path ? `${path}.${key}` : key;
      if (key.includes(NUL)) return itemPath;
      stack.push([item, itemPath]);
    }
  }
  return undefined;
}
