export enum DomainErrorCode {
  NotFound = 'NOT_FOUND',
  InvalidArgument = 'INVALID_ARGUMENT',
  Conflict = 'CONFLICT',
  FailedPrecondition = 'FAILED_PRECONDITION',
  Unauthenticated = 'UNAUTHENTICATED',
  PermissionDenied = 'PERMISSION_DENIED',
  ResourceExhausted = 'RESOURCE_EXHAUSTED',
}

/** An expected failure of a use case; the HTTP and gRPC filters map its code to a status. */
export class DomainException extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainException';
  }

  static notFound(what: string, id: string): DomainException {
    return new DomainException(DomainErrorCode.NotFound, `${what} ${id} not found`);
  }

  static invalid(message: string): DomainException {
    return new DomainException(DomainErrorCode.InvalidArgument, message);
  }
}
