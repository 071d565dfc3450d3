import { loggerFor } from './logger';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { DomainErrorCode, DomainException } from './domain.exception';
import { clientErrorOf } from './http-body';

interface JsonResponse {
  status(code: number): { json(body: unknown): unknown };
}

const HTTP_STATUS: Record<DomainErrorCode, number> = {
  [DomainErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [DomainErrorCode.InvalidArgument]: HttpStatus.BAD_REQUEST,
  [DomainErrorCode.Conflict]: HttpStatus.CONFLICT,
  [DomainErrorCode.FailedPrecondition]: HttpStatus.CONFLICT,
  [DomainErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [DomainErrorCode.PermissionDenied]: HttpStatus.FORBIDDEN,
  [DomainErrorCode.ResourceExhausted]: HttpStatus.TOO_MANY_REQUESTS,
};

/**
 * The one HTTP filter: domain codes to statuses, Nest's HttpExceptions as they are, the body
 * parser's client errors with their 4xx, the rest a logged 500.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = loggerFor(HttpExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<JsonResponse>();
    if (exception instanceof DomainException) {
      const status = HTTP_STATUS[exception.code];
      response
        .status(status)
        .json({ statusCode: status, code: exception.code, message: exception.message });
      return;
    }
    if (exception instanceof HttpException) {
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    // The request's own fault, found before a route ran (body-parser: too large, bad encoding).
    const clientError = clientErrorOf(exception);
    if (clientError) {
      response
        .status(clientError.status)
        .json({ statusCode: clientError.status, message: clientError.message });
      return;
    }
    this.logger.error({ err: describe(exception) }, 'unhandled error in HTTP request');
    response
      .status(HttpStatus.INTERNAL_SERVER_ERROR)
      .json({ statusCode: 500, message: 'Internal server error' });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
