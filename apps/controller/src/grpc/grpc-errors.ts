import { loggerFor } from '../common/logger';

import { Metadata, status, StatusObject } from '@grpc/grpc-js';
import { AGENT_REVOKED_TRAILER, ENROLL_REFUSED_TRAILER } from '@log4fleet/contracts';
import { AgentRevokedException } from '../agents/agent-revoked.exception';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { EnrollmentRefusedException } from '../enrollment/replacement-policy';

const GRPC_STATUS: Record<DomainErrorCode, status> = {
  [DomainErrorCode.NotFound]: status.NOT_FOUND,
  [DomainErrorCode.InvalidArgument]: status.INVALID_ARGUMENT,
  [DomainErrorCode.Conflict]: status.ALREADY_EXISTS,
  [DomainErrorCode.FailedPrecondition]: status.FAILED_PRECONDITION,
  [DomainErrorCode.Unauthenticated]: status.UNAUTHENTICATED,
  [DomainErrorCode.PermissionDenied]: status.PERMISSION_DENIED,
  [DomainErrorCode.ResourceExhausted]: status.RESOURCE_EXHAUSTED,
};

const logger = loggerFor('GrpcErrors');

/** The one gRPC filter: domain codes to statuses; anything else is logged and answered INTERNAL without details. */
export function toGrpcStatus(error: unknown, context: Record<string, unknown>): StatusObject {
  if (error instanceof DomainException) {
    const metadata = new Metadata();
    if (error instanceof AgentRevokedException) metadata.set(AGENT_REVOKED_TRAILER, error.reason);
    if (error instanceof EnrollmentRefusedException)
      metadata.set(ENROLL_REFUSED_TRAILER, error.reason);
    return { code: GRPC_STATUS[error.code], details: error.message, metadata };
  }
  logger.error(
    { ...context, err: error instanceof Error ? (error.stack ?? error.message) : String(error) },
    'unhandled error in a gRPC call',
  );
  return { code: status.INTERNAL, details: 'internal error', metadata: new Metadata() };
}

export function grpcStatus(code: status, details: string): StatusObject {
  return { code, details, metadata: new Metadata() };
}
