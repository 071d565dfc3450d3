import type { ProbeCommand } from '@log4fleet/contracts';
import { type ProbeOptions, type ProbeReport, runProbe } from '@log4fleet/probe';
import type { KindHandler, KindRun } from '../daemon/kinds/kind-handler';
import { putKindResults } from '../daemon/kinds/kind-results';
import type { Outbox } from '../daemon/outbox';
import { checkProbeCommand, toProbeOptions, toProbeResultParts } from './probe-mapping';

export type ProbeFn = (options: ProbeOptions) => Promise<ProbeReport>;

export interface ProbeHandlerDeps {
  outbox: Outbox;
  /** The canary probe; default: @log4fleet/probe's runProbe over this host's JVM listeners. */
  probe?: ProbeFn;
}

/**
 * The probe kind on the agent: the canary probe of this host's JVM HTTP listeners (own
 * addresses only, callbacks on loopback), its report put in the outbox as ProbeResults parts.
 */
export class ProbeHandler implements KindHandler<'probe'> {
  constructor(private readonly deps: ProbeHandlerDeps) {}

  async run(command: ProbeCommand, run: KindRun): Promise<number> {
    checkProbeCommand(command);
    const options = toProbeOptions(command, run.signal);
    run.started();
    run.log.info(
      {
        targets: options.targets?.length ? options.targets : 'every JVM listener',
        ratePerSecond: options.ratePerSecond,
        maxRequests: options.maxRequests,
      },
      'probe started',
    );
    const report = await (this.deps.probe ?? runProbe)(options);
    if (run.signal.aborted) throw run.signal.reason;
    run.log.info(
      {
        targets: report.targets.map((t) => `${t.target.port}:${t.outcome}`),
        findings: report.findings.length,
        unmatched: report.unmatched.length,
        errors: report.errors,
      },
      report.findings.length > 0 ? 'probe got callbacks: exploitable' : 'probe done: no callback',
    );
    run.writing();
    return putKindResults(this.deps.outbox, run.commandId, toProbeResultParts(report));
  }
}
