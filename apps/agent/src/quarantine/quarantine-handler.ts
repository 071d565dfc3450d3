import {
  QUARANTINE_LIMITS,
  type QuarantineCommand,
  type QuarantineResults,
  type ReleaseCommand,
} from '@log4fleet/contracts';
import type {
  ControllerCheck,
  Quarantine,
  QuarantineEvidence,
  QuarantineSpec,
} from '@log4fleet/quarantine';
import type { ControllerAddress } from '../daemon/controller-url';
import type { KindHandler, KindRun } from '../daemon/kinds/kind-handler';
import { putKindResults } from '../daemon/kinds/kind-results';
import type { Outbox } from '../daemon/outbox';

export interface ContainmentHandlerDeps {
  quarantine: Quarantine;
  /** The controller this agent talks to: the one the quarantine must keep reachable. */
  controller: Pick<ControllerAddress, 'host' | 'port'>;
  /** A round trip with the controller over the control stream (AgentDaemon.roundTrip). */
  roundTrip: ControllerCheck;
  outbox: Outbox;
}

/** The command's parameters as the library's spec (the library checks every field). */
export function specOf(
  command: QuarantineCommand,
  controller: ContainmentHandlerDeps['controller'],
): QuarantineSpec {
  const mode = command.mode;
  if (mode !== 'isolate' && mode !== 'egress-block')
    throw new Error(
      `quarantine mode ${JSON.stringify(mode.slice(0, 32))} is not isolate or egress-block`,
    );
  if (command.controllerAddresses.length > QUARANTINE_LIMITS.controllerAddresses)
    throw new Error(
      `quarantine controller_addresses: at most ${QUARANTINE_LIMITS.controllerAddresses}`,
    );
  return {
    mode,
    controller: {
      host: controller.host,
      port: controller.port,
      addresses: command.controllerAddresses,
    },
    allowlist: command.allowlist.map((a) => ({
      cidr: a.cidr,
      protocol: a.protocol as 'tcp' | 'udp',
      ...(a.port === 0 ? {} : { port: a.port }),
    })),
    resolvers: command.resolvers,
    ...(command.probe
      ? {
          probe: {
            address: command.probe.address,
            port: command.probe.port,
            protocol: command.probe.protocol as 'tcp' | 'udp',
          },
        }
      : {}),
  };
}

/** The evidence as the results carry it, within QUARANTINE_LIMITS.evidenceBytes. */
export function evidenceJson(evidence: QuarantineEvidence): string {
  const full = JSON.stringify(evidence);
  if (Buffer.byteLength(full) <= QUARANTINE_LIMITS.evidenceBytes) return full;
  return JSON.stringify({ ...evidence, ruleset: '(left out: over the evidence limit)' });
}

/**
 * The quarantine kind: applies, proves and persists the containment (libs/quarantine). Only a
 * proven quarantine succeeds, with its evidence as results; any failure fails the command with
 * the library's code and reason, after the library rolled the host back by itself.
 */
export class QuarantineHandler implements KindHandler<'quarantine'> {
  constructor(private readonly deps: ContainmentHandlerDeps) {}

  async run(command: QuarantineCommand, run: KindRun): Promise<number> {
    const spec = specOf(command, this.deps.controller);
    if (command.deadlineS > QUARANTINE_LIMITS.maxDeadlineS)
      throw new Error(
        `quarantine deadline_s ${command.deadlineS} is over ${QUARANTINE_LIMITS.maxDeadlineS}`,
      );
    run.started();
    const deadlineMs = (command.deadlineS || QUARANTINE_LIMITS.defaultDeadlineS) * 1000;
    const result = await this.deps.quarantine.apply(spec, {
      checkController: this.deps.roundTrip,
      deadlineMs,
    });
    if (result.state === 'failed') {
      run.log.error(
        { code: result.code, checks: result.checks, rolledBack: result.rolledBack },
        'quarantine failed',
      );
      const after = result.rolledBack
        ? 'rolled back: the host is as before'
        : 'ROLLBACK FAILED: check the host';
      throw new Error(`${result.code}: ${result.reason} (${after})`);
    }
    run.log.info(
      { timings: result.evidence.timings, hash: result.evidence.rulesetHash },
      'quarantine verified',
    );
    run.writing();
    const value: QuarantineResults = {
      state: 'verified',
      code: '',
      reason: '',
      rolledBack: false,
      evidenceJson: evidenceJson(result.evidence),
    };
    return putKindResults(this.deps.outbox, run.commandId, [
      { kind: { $case: 'quarantine', value } },
    ]);
  }
}

/** The release kind: removes exactly the agent's table; a failure fails the command. */
export class ReleaseHandler implements KindHandler<'release'> {
  constructor(private readonly deps: Pick<ContainmentHandlerDeps, 'quarantine' | 'outbox'>) {}

  async run(_command: ReleaseCommand, run: KindRun): Promise<number> {
    run.started();
    const result = await this.deps.quarantine.release();
    if (result.state === 'failed') throw new Error(`${result.code}: ${result.reason}`);
    run.writing();
    return putKindResults(this.deps.outbox, run.commandId, [
      {
        kind: {
          $case: 'release',
          value: {
            state: 'released',
            code: '',
            reason: '',
            tableWasPresent: result.tableWasPresent,
          },
        },
      },
    ]);
  }
}
