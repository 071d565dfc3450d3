import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Role } from '../auth/api-token.entity';

/**
 * An operation's summary and the refusals every authenticated route shares: 401 without a valid
 * API token, 403 when the token's role is below `role` (viewer routes answer no 403), and the
 * 400 / 404 it declares.
 */
export function ApiOperationDoc(
  summary: string,
  options: { role?: Role; badRequest?: string; notFound?: string } = {},
): MethodDecorator {
  const role = options.role ?? 'viewer';
  return applyDecorators(
    ApiOperation({ summary }),
    ApiUnauthorizedResponse({ description: 'No API token, or one that is unknown or revoked' }),
    ...(role === 'viewer'
      ? []
      : [ApiForbiddenResponse({ description: `The API token's role is below ${role}` })]),
    ...(options.badRequest ? [ApiBadRequestResponse({ description: options.badRequest })] : []),
    ...(options.notFound ? [ApiNotFoundResponse({ description: options.notFound })] : []),
  );
}
