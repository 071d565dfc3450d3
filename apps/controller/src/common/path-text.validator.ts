import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { PathTextError, pathTextToBytes } from './path-text';

/** Why a list of paths in text form is refused (the first bad element), or null. */
function pathListProblem(value: unknown, property: string, maxBytes: number): string | null {
  if (!Array.isArray(value)) return null; // @IsArray says so
  for (const [i, item] of value.entries()) {
    if (typeof item !== 'string') continue; // @IsString says so
    let bytes: number;
    try {
      bytes = pathTextToBytes(item).length;
    } catch (error) {
      if (!(error instanceof PathTextError)) throw error;
      return `${property}[${i}]: ${error.message}`;
    }
    if (bytes > maxBytes) return `${property}[${i}] is ${bytes} bytes long; at most ${maxBytes}`;
  }
  return null;
}

/**
 * Each element is a path in the text form findings show (common/path-text.ts), at most `maxBytes`
 * bytes once decoded: a path copied from a finding can be pasted into a scan request.
 */
export function IsPathTextList(maxBytes: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isPathTextList',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          pathListProblem(value, args.property, maxBytes) === null,
        defaultMessage: (args: ValidationArguments) =>
          pathListProblem(args.value, args.property, maxBytes) ?? `${args.property} is invalid`,
      },
    });
}
