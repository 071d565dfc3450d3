import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dateColumn, ID_COLUMN } from '../database/column-types';

/** One probe command's results (issue 18), filled as its chunks arrive; complete when completedAt is set. */
@Entity('probe_runs')
export class ProbeRunEntity {
  @PrimaryColumn({ name: 'command_id', ...ID_COLUMN }) commandId!: string;
  @Column({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  @Column({ name: 'agent_id', ...ID_COLUMN }) agentId!: string;
  /** The agent's run times (RFC 3339 as it reported them; '' until the first part arrived). */
  @Column({ name: 'started_at', type: 'varchar', length: 40 }) startedAt!: string;
  @Column({ name: 'finished_at', type: 'varchar', length: 40 }) finishedAt!: string;
  /** exploitable | no-callback | inconclusive; '' until complete (probe-rules.ts probeVerdict). */
  @Column({ type: 'varchar', length: 16 }) verdict!: string;
  /** JSON array of the targets' results (ProbeTargetResult as toJSON gives it). */
  @Column({ type: 'text' }) targets!: string;
  /** JSON arrays: what left the probe incomplete; callbacks of no token of this probe. */
  @Column({ type: 'text' }) errors!: string;
  @Column({ type: 'text' }) unmatched!: string;
  @Column({ name: 'findings_count', type: 'integer' }) findingsCount!: number;
  @Column({ type: 'integer' }) requests!: number;
  @Column({ name: 'ldap_port', type: 'integer' }) ldapPort!: number;
  @Column({ name: 'dns_port', type: 'integer' }) dnsPort!: number;
  /** The command's creation (orders probes of a host: the newest decides). */
  @Column(dateColumn('command_created_at', false)) commandCreatedAt!: Date;
  @Column(dateColumn('completed_at')) completedAt!: Date | null;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
}

/** A callback matched to the marked string that caused it: evidence that a service looks up user input. */
@Entity('probe_findings')
export class ProbeFindingEntity {
  @PrimaryColumn(ID_COLUMN) id!: string;
  @Column({ name: 'command_id', ...ID_COLUMN }) commandId!: string;
  @Column({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  @Column({ type: 'varchar', length: 64 }) address!: string;
  @Column({ type: 'integer' }) port!: number;
  /** header | query | form | json */
  @Column({ type: 'varchar', length: 16 }) location!: string;
  @Column({ type: 'varchar', length: 255 }) field!: string;
  /** plain | lower | default-value | env-default | dns */
  @Column({ type: 'varchar', length: 32 }) form!: string;
  /** ldap | dns */
  @Column({ type: 'varchar', length: 8 }) protocol!: string;
  @Column({ type: 'varchar', length: 255 }) token!: string;
  @Column({ name: 'callback_at', type: 'varchar', length: 40 }) callbackAt!: string;
  /** The process the callback came from, when the agent matched its socket. */
  @Column({ type: 'integer', nullable: true }) pid!: number | null;
  @Column({ type: 'varchar', length: 255 }) comm!: string;
  @Column({ type: 'text' }) message!: string;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
}

/**
 * The host-level record of the probes (the host's status follows it through the host state
 * rule's probe events, hosts/host-state.ts): whether a running service was shown to perform JNDI lookups of user
 * input, with the evidence, and the newest conclusive probe that decided it.
 */
@Entity('host_probe_states')
export class HostProbeStateEntity {
  @PrimaryColumn({ name: 'host_id', ...ID_COLUMN }) hostId!: string;
  @Column({ type: 'boolean' }) exploitable!: boolean;
  /** The newest completed probe's verdict (also when inconclusive). */
  @Column({ name: 'last_verdict', type: 'varchar', length: 16 }) lastVerdict!: string;
  @Column({ name: 'last_command_id', ...ID_COLUMN }) lastCommandId!: string;
  @Column(dateColumn('last_command_created_at', false)) lastCommandCreatedAt!: Date;
  /** The probe that made the host exploitable; null when it is not. */
  @Column({ name: 'exploitable_command_id', type: 'varchar', length: 36, nullable: true })
  exploitableCommandId!: string | null;
  @Column(dateColumn('exploitable_since')) exploitableSince!: Date | null;
  /** JSON array of {address, port, location, field, form, protocol, pid, comm}: one per service field and form. */
  @Column({ type: 'text' }) evidence!: string;
  /** The newest probe that gave no callback on every port of the evidence: the second method's confirmation. */
  @Column({ name: 'confirmed_clean_command_id', type: 'varchar', length: 36, nullable: true })
  confirmedCleanCommandId!: string | null;
  @Column(dateColumn('confirmed_clean_at')) confirmedCleanAt!: Date | null;
  @Column(dateColumn('updated_at', false)) updatedAt!: Date;
}
