import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from './api-token.entity';
import { ApiTokensService, roleAllows } from './api-tokens.service';
import { AuthenticatedRequest, PUBLIC_KEY, ROLE_KEY } from './roles.decorator';

/** Global guard: every route needs a valid API token unless marked @Public(); @Roles raises the bar. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.tokens.authenticate(request.headers.authorization);
    if (!principal)
      throw new UnauthorizedException(
        'a valid API token is required: Authorization: Bearer l4f_<id>_<secret>',
      );
    const needed =
      this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, targets) ?? 'viewer';
    if (!roleAllows(principal.role, needed)) {
      throw new ForbiddenException(
        `this action needs the ${needed} role; token "${principal.name}" has ${principal.role}`,
      );
    }
    request.principal = principal;
    return true;
  }
}
