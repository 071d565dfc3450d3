import { applyDecorators } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsObject,
  IsOptional,
  ValidateBy,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { DomainException } from '../common/domain.exception';
import { kindRefusal, type KindUse } from './command-kind';
import { COMMAND_KINDS, kindDefinition } from './kinds';

/**
 * `kind` of a campaign or schedule body: a registered kind whose flag allows `use`, or one of
 * `extra`; a 400 names any other.
 */
export function IsCommandKindFor(use: KindUse, extra: readonly string[] = []): PropertyDecorator {
  return ValidateBy({
    name: 'isCommandKindFor',
    validator: {
      validate: (value: unknown) => kindRefusal(COMMAND_KINDS, value, use, extra) === null,
      defaultMessage: (args) => kindRefusal(COMMAND_KINDS, args?.value, use, extra) ?? '',
    },
  });
}

/**
 * `params` of a body whose kind `kindOf(body)` names: an object validated by that kind's
 * paramsDto (nested errors name `params.<field>`). A kind not known leaves it unvalidated; the
 * kind's own error says why.
 */
export function KindParams(kindOf: (body: Record<string, unknown>) => unknown): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    IsObject(),
    ValidateNested(),
    Transform(({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
      const value = obj[key];
      const kind = kindOf(obj);
      const definition = typeof kind === 'string' ? kindDefinition(kind) : undefined;
      if (!definition || value === null || typeof value !== 'object' || Array.isArray(value))
        return value;
      return plainToInstance(definition.paramsDto, value);
    }),
  );
}

/**
 * The parameters of a kind when a body gave none: an empty object, as long as the kind's DTO
 * accepts it (a kind with required parameters is a 400 naming them).
 */
export function defaultKindParams(kind: string): Record<string, unknown> {
  const definition = kindDefinition(kind);
  if (!definition) throw DomainException.invalid(`kind ${kind} is not a command kind`);
  const errors = validateSync(plainToInstance(definition.paramsDto, {}));
  if (errors.length > 0)
    throw DomainException.invalid(`kind ${kind} needs params: ${messages(errors).join('; ')}`);
  return {};
}

function messages(errors: ValidationError[], prefix = 'params.'): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map((m) => `${prefix}${m}`),
    ...messages(e.children ?? [], `${prefix}${e.property}.`),
  ]);
}
