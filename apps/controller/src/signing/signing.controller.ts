import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Actor, Roles } from '../auth/roles.decorator';
import { CommandSigner } from './command-signer.service';
import { CommandSigningKeyDto } from './signing.dto';

@ApiTags('command-signing')
@ApiBearerAuth()
@Controller('command-signing-keys')
export class SigningController {
  constructor(private readonly signer: CommandSigner) {}

  /** The fleet's key chain, oldest first (public keys only). */
  @Get()
  @ApiOkResponse({ type: [CommandSigningKeyDto] })
  @Roles('admin')
  list(): Promise<CommandSigningKeyDto[]> {
    return this.signer.list();
  }

  /** Replaces the key with a new one signed by it; connected agents follow at once (audited). */
  @Post('rotate')
  @ApiOkResponse({ type: CommandSigningKeyDto })
  @HttpCode(200)
  @Roles('admin')
  rotate(@Actor() actor: string): Promise<CommandSigningKeyDto> {
    return this.signer.rotate(actor);
  }
}
