import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module';
import { ScanController } from './scan.controller';

/** The scan kind: its REST endpoint (its definition is registered in commands/kinds.ts). */
@Module({
  imports: [CommandsModule],
  controllers: [ScanController],
})
export class ScanModule {}
