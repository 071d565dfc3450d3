import type { ServiceError } from '@grpc/grpc-js';
import { ENROLL_REFUSED_TRAILER, type EnrollRefusal } from '@log4fleet/contracts';

/** Why the controller refused the enrollment, when it said (its trailer). */
export function enrollRefusalOf(err: ServiceError): EnrollRefusal | undefined {
  const value = err.metadata?.get(ENROLL_REFUSED_TRAILER)[0];
  return value === 'active-agent' || value === 'token-for-other-host' ? value : undefined;
}

/**
 * What the user reads when the machine already has an active agent: nothing was taken over, and
 * the two ways on: replace that agent (README "Replacing an agent"), or run one more beside it.
 */
export function activeAgentAdvice(details: string): string {
  const hostId = /\bhost ([0-9a-f-]{36})\b/.exec(details)?.[1] ?? '<host id>';
  return [
    `this machine already has an active agent; it keeps running, untouched: ${details}`,
    'What to do:',
    '  - to replace that agent: run "log4fleet-agent enroll --force" from its state directory',
    '    (its credential is the proof), or, if that directory is lost, have an admin create a',
    `    replacement token: POST /api/v1/enrollment-tokens {"name": "...", "replaceHostId": "${hostId}"}`,
    '    and enroll with it; the old agent is revoked and stops (README: "Replacing an agent");',
    '  - to run a second agent beside it, as a host of its own: enroll with',
    '    "--instance <name> --state-dir <a directory of its own>", then run it with the same',
    '    --state-dir.',
  ].join('\n');
}

export function otherHostAdvice(details: string): string {
  return (
    `${details}. A replacement token enrolls the machine of the host it names only: use it on ` +
    'that machine, or enroll this one with an ordinary token'
  );
}
