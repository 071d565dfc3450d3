import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { DomainException } from '../common/domain.exception';
import { hashMatches, newSecret, newShortId, sha256Hex } from '../common/secrets';
import { ApiTokenEntity, Role } from './api-token.entity';
import { ApiTokenDto, CreateApiTokenDto, CreatedApiTokenDto } from './api-tokens.dto';
import { bearerOf, formatApiToken, parseApiToken } from './api-token.format';
import { ApiPrincipal } from './roles.decorator';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
// A token's last use is written at most once a minute: not one write per request.
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

export function roleAllows(held: Role, needed: Role): boolean {
  return RANK[held] >= RANK[needed];
}

@Injectable()
export class ApiTokensService {
  constructor(
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
    private readonly audit: AuditService,
  ) {}

  /** The principal of an Authorization header, or null when it is missing, malformed, unknown or revoked. */
  async authenticate(authorization: string | undefined): Promise<ApiPrincipal | null> {
    const parsed = parseApiToken(bearerOf(authorization) ?? '');
    if (!parsed) return null;
    const row = await this.tokens.findOneBy({ id: parsed.id });
    if (!row || row.revoked || !hashMatches(parsed.secret, row.tokenHash)) return null;
    await this.touch(row);
    return { tokenId: row.id, name: row.name, role: row.role };
  }

  async create(dto: CreateApiTokenDto, actor: string): Promise<CreatedApiTokenDto> {
    const id = newShortId();
    const secret = newSecret();
    const row = await this.insert(id, secret, dto.name, dto.role);
    await this.audit.record({
      actor,
      action: 'api_token.created',
      details: { tokenId: id, name: dto.name, role: dto.role },
    });
    return { ...toApiTokenDto(row), token: formatApiToken(id, secret) };
  }

  async list(): Promise<ApiTokenDto[]> {
    const rows = await this.tokens.find({ order: { createdAt: 'ASC' } });
    return rows.map(toApiTokenDto);
  }

  async revoke(id: string, actor: string): Promise<ApiTokenDto> {
    const row = await this.tokens.findOneBy({ id });
    if (!row) throw DomainException.notFound('api token', id);
    if (!row.revoked) {
      row.revoked = true;
      await this.tokens.update({ id }, { revoked: true });
      await this.audit.record({
        actor,
        action: 'api_token.revoked',
        details: { tokenId: id, name: row.name },
      });
    }
    return toApiTokenDto(row);
  }

  /** Makes sure an admin can log in: takes the configured token, or creates one and returns it. */
  async ensureAdmin(configured: string | undefined): Promise<string | null> {
    if (configured) {
      const parsed = parseApiToken(configured);
      if (!parsed) throw new Error('LOG4FLEET_ADMIN_TOKEN is not a valid l4f_<id>_<secret> token');
      const existing = await this.tokens.findOneBy({ id: parsed.id });
      if (existing) return null;
      await this.insert(parsed.id, parsed.secret, 'admin', 'admin');
      await this.audit.record({
        actor: 'system',
        action: 'api_token.created',
        details: {
          tokenId: parsed.id,
          name: 'admin',
          role: 'admin',
          source: 'LOG4FLEET_ADMIN_TOKEN',
        },
      });
      return null;
    }
    const admins = await this.tokens.countBy({ role: 'admin', revoked: false });
    if (admins > 0) return null;
    const created = await this.create({ name: 'admin', role: 'admin' }, 'system');
    return created.token;
  }

  private async insert(
    id: string,
    secret: string,
    name: string,
    role: Role,
  ): Promise<ApiTokenEntity> {
    const row: ApiTokenEntity = {
      id,
      name,
      role,
      tokenHash: sha256Hex(secret),
      prefix: `l4f_${id}`,
      revoked: false,
      lastUsedAt: null,
      createdAt: new Date(),
    };
    await this.tokens.insert(row);
    return row;
  }

  private async touch(row: ApiTokenEntity): Promise<void> {
    const now = new Date();
    if (row.lastUsedAt && now.getTime() - row.lastUsedAt.getTime() < LAST_USED_WRITE_INTERVAL_MS)
      return;
    await this.tokens.update({ id: row.id }, { lastUsedAt: now });
  }
}

function toApiTokenDto(row: ApiTokenEntity): ApiTokenDto {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    revoked: row.revoked,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
