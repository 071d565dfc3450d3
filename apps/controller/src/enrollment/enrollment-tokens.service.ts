import { Inject, Injectable } from '@nestjs/common';
import { CertificateFingerprint, certificateFingerprint } from '../common/certificate-fingerprint';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { HostsService } from '../hosts/hosts.service';
import { AuditService } from '../audit/audit.service';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import { toJson } from '../common/json-column';
import { hashMatches, newSecret, newShortId, sha256Hex } from '../common/secrets';
import { EnrollmentTokenEntity } from './enrollment-token.entity';
import { EnrollmentTokensRepository } from './enrollment-tokens.repository';
import { formatEnrollmentToken, parseEnrollmentToken } from './enrollment-token.format';
import {
  ControllerCertificateDto,
  CreateEnrollmentTokenDto,
  CreatedEnrollmentTokenDto,
  EnrollmentTokenDto,
} from './enrollment.dto';
import { toEnrollmentTokenDto } from './enrollment.mapper';

@Injectable()
export class EnrollmentTokensService {
  private fingerprint: CertificateFingerprint | undefined;

  constructor(
    private readonly tokens: EnrollmentTokensRepository,
    private readonly audit: AuditService,
    private readonly hosts: HostsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(dto: CreateEnrollmentTokenDto, actor: string): Promise<CreatedEnrollmentTokenDto> {
    const replaceHostId = dto.replaceHostId?.toLowerCase() ?? null;
    if (replaceHostId !== null) {
      await this.hosts.require(replaceHostId);
      if ((dto.maxUses ?? 1) !== 1)
        throw DomainException.invalid('a replacement token (replaceHostId) has maxUses 1');
    }
    const id = newShortId();
    const secret = newSecret();
    const now = new Date();
    const entity: EnrollmentTokenEntity = {
      id,
      name: dto.name,
      tokenHash: sha256Hex(secret),
      expiresAt: new Date(now.getTime() + (dto.expiresInHours ?? 24) * 3_600_000),
      maxUses: dto.maxUses ?? 1,
      uses: 0,
      tags: toJson([...new Set(dto.tags ?? [])]),
      revoked: false,
      replaceHostId,
      createdBy: actor,
      createdAt: now,
    };
    await this.tokens.insert(entity);
    await this.audit.record({
      actor,
      action: 'enrollment_token.created',
      hostId: replaceHostId ?? undefined,
      details: {
        tokenId: id,
        name: dto.name,
        maxUses: entity.maxUses,
        expiresAt: entity.expiresAt.toISOString(),
        ...(replaceHostId ? { replaceHostId } : {}),
      },
    });
    return {
      ...toEnrollmentTokenDto(entity),
      token: formatEnrollmentToken(id, secret),
      controllerFingerprint: this.controllerCertificate().sha256,
    };
  }

  /** The gRPC TLS certificate's fingerprint, for agents to check at enrollment (null without TLS). */
  controllerCertificate(): ControllerCertificateDto {
    const tls = this.config.grpc.tls;
    if (!tls) return { tls: false, sha256: null, openssl: null };
    this.fingerprint ??= certificateFingerprint(tls.certPath);
    return { tls: true, ...this.fingerprint };
  }

  async list(): Promise<EnrollmentTokenDto[]> {
    const rows = await this.tokens.newest();
    return rows.map(toEnrollmentTokenDto);
  }

  async get(id: string): Promise<EnrollmentTokenDto> {
    return toEnrollmentTokenDto(await this.require(id));
  }

  async revoke(id: string, actor: string): Promise<EnrollmentTokenDto> {
    const entity = await this.require(id);
    if (!entity.revoked) {
      entity.revoked = true;
      await this.tokens.markRevoked(id);
      await this.audit.record({
        actor,
        action: 'enrollment_token.revoked',
        details: { tokenId: id, name: entity.name },
      });
    }
    return toEnrollmentTokenDto(entity);
  }

  /**
   * Spends one use of a token; the conditional UPDATE makes the last use go to exactly one
   * enrollment even when hosts race. Failures say why, without telling a guesser which ids exist.
   */
  async consume(raw: string): Promise<EnrollmentTokenEntity> {
    const entity = await this.verify(raw);
    if (!(await this.tokens.spendUse(entity.id)))
      throw new DomainException(
        DomainErrorCode.PermissionDenied,
        `enrollment token ${entity.id} has no uses left (${entity.maxUses})`,
      );
    entity.uses += 1;
    return entity;
  }

  /** Whether a token may enroll a host now; throws the reason when not. Spends nothing. */
  async verify(raw: string): Promise<EnrollmentTokenEntity> {
    const parsed = parseEnrollmentToken(raw);
    if (!parsed)
      throw new DomainException(DomainErrorCode.Unauthenticated, 'malformed enrollment token');
    const entity = await this.tokens.findById(parsed.id);
    if (!entity || !hashMatches(parsed.secret, entity.tokenHash))
      throw new DomainException(DomainErrorCode.Unauthenticated, 'unknown enrollment token');
    if (entity.revoked)
      throw new DomainException(
        DomainErrorCode.PermissionDenied,
        `enrollment token ${entity.id} is revoked`,
      );
    if (entity.expiresAt <= new Date())
      throw new DomainException(
        DomainErrorCode.PermissionDenied,
        `enrollment token ${entity.id} expired at ${entity.expiresAt.toISOString()}`,
      );
    if (entity.uses >= entity.maxUses)
      throw new DomainException(
        DomainErrorCode.PermissionDenied,
        `enrollment token ${entity.id} has no uses left (${entity.maxUses})`,
      );
    return entity;
  }

  private async require(id: string): Promise<EnrollmentTokenEntity> {
    const entity = await this.tokens.findById(id);
    if (!entity) throw DomainException.notFound('enrollment token', id);
    return entity;
  }
}
