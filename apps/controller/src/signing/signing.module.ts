import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ConnectionsModule } from '../connections/connections.module';
import { CommandSigner } from './command-signer.service';
import { SigningController } from './signing.controller';

@Module({
  imports: [AuditModule, ConnectionsModule],
  controllers: [SigningController],
  providers: [CommandSigner],
  exports: [CommandSigner],
})
export class SigningModule {}
