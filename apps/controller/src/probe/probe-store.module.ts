import { Module } from '@nestjs/common';
import { ProbeQueries } from './probe-queries.service';
import { ProbeRepository } from './probe.repository';

/**
 * The probe kind's storage: results ingestion writes through ProbeRepository, the host's page and
 * the probe API read through ProbeQueries. Apart from ProbeModule so that results/ and hosts/
 * can import it without the REST side (and its imports).
 */
@Module({ providers: [ProbeRepository, ProbeQueries], exports: [ProbeRepository, ProbeQueries] })
export class ProbeStoreModule {}
