import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

const UUID_ANY_CASE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUL = '\u0000';
const NUL_MESSAGE = 'must not contain a NUL character (\\u0000)';
/** Deeper than any DTO goes (3 levels); Nest's ValidationPipe recurses and overflowed the stack at ~4,000. */
export const MAX_INPUT_DEPTH = 16;

/**
 * Runs before the ValidationPipe on every body, query and path parameter:
 * - a NUL character in any string is a 400 naming the field (PostgreSQL cannot store or even
 *   compare text holding one: "invalid byte sequence for encoding UTF8: 0x00" was a 500);
 * - input nested deeper than MAX_INPUT_DEPTH is a 400 (it overflowed the ValidationPipe's stack);
 * - a UUID in a path is lower-cased: ids are stored lower case, and an id given in upper case
 *   must find the same row (DTO fields do the same with IsUuid).
 */
@Injectable()
export class RequestInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const problem = findProblem(value, metadata.data ?? '', metadata.type);
    if (problem) throw new BadRequestException([problem]);
    if (metadata.type === 'param' && typeof value === 'string' && UUID_ANY_CASE.test(value))
      return value.toLowerCase();
    return value;
  }
}

/**
 * What is wrong with the input, naming where: "selector.tags[2] must not contain a NUL character"
 * (`whole` names the input itself, e.g. "body"); undefined when nothing is.
 */
export function findProblem(value: unknown, root: string, whole: string): string | undefined {
  // Iterative: a deeply nested body must not overflow this stack either.
  const stack: Array<[unknown, string, number]> = [[value, root, 0]];
  while (stack.length > 0) {
    const [current, path, depth] = stack.pop() as [unknown, string, number];
    if (typeof current === 'string') {
      if (current.includes(NUL)) return `${path || whole} ${NUL_MESSAGE}`;
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH)
      return `${path || whole} is nested deeper than ${MAX_INPUT_DEPTH} levels`;
    if (Array.isArray(current)) {
      current.forEach((item, i) => stack.push([item, `${path}[${i}]`, depth + 1]));
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      const itemPath = path ? `${path}.${key}` : key;
      if (key.includes(NUL)) return `${itemPath} ${NUL_MESSAGE}`;
      stack.push([item, itemPath, depth + 1]);
    }
  }
  return undefined;
}
