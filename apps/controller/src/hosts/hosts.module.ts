import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { HostsService } from './hosts.service';

/** The host aggregate; its REST routes live in HostsApiModule, which also reads findings. */
@Module({ imports: [AuditModule], providers: [HostsService], exports: [HostsService] })
export class HostsModule {}
