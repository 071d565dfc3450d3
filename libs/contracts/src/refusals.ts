import { status } from '@grpc/grpc-js';

/**
 * How the controller says no, and what the agent does about it: the parts of an answer both
 * ends read besides the gRPC status (AGENT_REVOKED_TRAILER is in agent-revocation.ts).
 */

/**
 * Trailer of a refused Enroll: why, so the agent can say what to do. "active-agent": the machine
 * is enrolled as a host whose agent is active and the enrollment proved no right to replace it;
 * "token-for-other-host": a replacement token used on a machine other than its host's.
 */
export const ENROLL_REFUSED_TRAILER = 'log4fleet-enroll-refused';
export type EnrollRefusal = 'active-agent' | 'token-for-other-host';

/**
 * In the details of a RESOURCE_EXHAUSTED answer: how long the agent waits before it sends that
 * kind of report again (an inventory report over INVENTORY_REPORTS_PER_HOUR).
 */
export function retryAfterText(seconds: number): string {
  return `retry after ${seconds} s`;
}

/** The seconds a retryAfterText() in `details` asks for, if it holds one. */
export function retryAfterSecondsOf(details: string): number | undefined {
  const seconds = /retry after (\d+) s/.exec(details)?.[1];
  return seconds === undefined ? undefined : Number(seconds);
}

/**
 * gRPC status codes of an UploadResults answer after which sending the same chunk again cannot
 * succeed (the agent sets it aside): INVALID_ARGUMENT (over a limit or malformed), NOT_FOUND (no
 * such command of this agent), FAILED_PRECONDITION (the command was cancelled or expired before it
 * started, or its results were refused), OUT_OF_RANGE. Any other is retried later.
 */
export const UPLOAD_REFUSED_FOR_GOOD: ReadonlySet<status> = new Set([
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.FAILED_PRECONDITION,
  status.OUT_OF_RANGE,
]);
