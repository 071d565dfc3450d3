import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsUUID, ValidateBy, ValidationOptions } from 'class-validator';

/**
 * An integer from min to max (both safe integers), with one message naming the field and the
 * range: "maxNestedBytes must be an integer from 0 to 536870912". Number.isInteger(1e300) holds,
 * so IsInt alone lets through numbers no wire type carries.
 */
export function IsIntInRange(min: number, max: number, options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isIntInRange',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) =>
          typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an integer from ${min} to ${max}`,
      },
    },
    options,
  );
}

const lowerCase = (value: unknown): unknown =>
  typeof value === 'string' ? value.toLowerCase() : value;

/**
 * A UUID in any case, kept lower case: ids are stored lower case, so an id given in upper case
 * finds its row instead of a 404 (path ids: RequestInputPipe).
 */
export function IsUuid(options?: ValidationOptions) {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      Array.isArray(value) ? value.map(lowerCase) : lowerCase(value),
    ),
    IsUUID(undefined, options),
  );
}
