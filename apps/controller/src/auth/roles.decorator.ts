import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from './api-token.entity';

export const ROLE_KEY = 'log4fleet:role';
export const PUBLIC_KEY = 'log4fleet:public';

/** The least role a route needs (viewer < operator < admin). */
export const Roles = (role: Role) => SetMetadata(ROLE_KEY, role);
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export interface ApiPrincipal {
  tokenId: string;
  name: string;
  role: Role;
}

/** The part of an HTTP request the guard reads and writes. */
export interface AuthenticatedRequest {
  headers: { authorization?: string };
  principal?: ApiPrincipal;
}

/** The audit actor of the request: the API token's name. */
export const Actor = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('Actor used on a route without an authenticated principal');
  return principal.name;
});
