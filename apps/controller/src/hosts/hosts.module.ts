import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { HostsRepository } from './hosts.repository';
import { HostsService } from './hosts.service';

/** The host aggregate; its REST routes live in HostsApiModule, which also reads findings. */
@Module({
  imports: [AuditModule],
  providers: [HostsService, HostsRepository],
  exports: [HostsService],
})
export class HostsModule {}
