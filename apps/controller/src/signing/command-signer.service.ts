import type { KeyObject } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  generateSigningKey,
  signCommand,
  signRotation,
  type CommandSigningKeys,
  type ControllerMessage,
  type SigningKeyPair,
} from '@log4fleet/contracts';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { loggerFor } from '../common/logger';
import { DomainErrorCode, DomainException } from '../common/domain.exception';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AgentRegistry } from '../connections/agent-registry.service';
import { isUniqueViolation } from '../database/transaction.service';
import { CommandSigningKeyEntity } from './command-signing-key.entity';
import { openPrivateKey, sealPrivateKey } from './key-at-rest';
import type { CommandSigningKeyDto } from './signing.dto';

/** How often a process looks for a rotation made by another process of the fleet. */
export const KEY_REFRESH_MS = 5_000;
const FROM_FILE = 'file';

interface CurrentKey {
  generation: number;
  publicKey: Buffer;
  privateKey: KeyObject;
}

/**
 * The fleet's command-signing key (README.md, "Command signing"). Every controller process
 * reads the chain from the shared database (Redis is not durable), creating its first key on
 * the fleet's first start; it signs each command as it is written to an agent's stream, with
 * the key it last presented to that stream, and presents the chain first on every stream and
 * again to every connected agent when the key changes.
 */
@Injectable()
export class CommandSigner implements OnModuleInit, OnModuleDestroy {
  private readonly logger = loggerFor(CommandSigner.name);
  private current: CurrentKey | undefined;
  private chainMessage: CommandSigningKeys = { firstKey: Buffer.alloc(0), rotations: [] };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectRepository(CommandSigningKeyEntity)
    private readonly keys: Repository<CommandSigningKeyEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: AgentRegistry,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.ensureKey();
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.logger.warn({ err: String(err) }, 'cannot look for a command-signing key rotation'),
      );
    }, KEY_REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The key agents pin at enrollment (raw 32 bytes). */
  get publicKey(): Buffer {
    return this.key().publicKey;
  }

  /** The chain presented first on every Connect stream. */
  keysMessage(): ControllerMessage {
    return { kind: { $case: 'signingKeys', value: this.chainMessage } };
  }

  /** `message` as written to `agentId`'s stream: a command is addressed to it and signed. */
  sign(message: ControllerMessage, agentId: string): ControllerMessage {
    if (message.kind?.$case !== 'command') return message;
    const signed = signCommand(message.kind.value, agentId, this.key().privateKey);
    return { kind: { $case: 'command', value: signed } };
  }

  async list(): Promise<CommandSigningKeyDto[]> {
    const rows = await this.keys.find({ order: { generation: 'ASC' } });
    return rows.map((r) => toDto(r, this.current?.generation));
  }

  /** A new key, signed by the current one; agents follow it on their streams (audited). */
  async rotate(actor: string): Promise<CommandSigningKeyDto> {
    if (this.config.commandSigning.keyFile)
      throw new DomainException(
        DomainErrorCode.FailedPrecondition,
        'the command-signing key is given by COMMAND_SIGNING_KEY_FILE: rotate by starting the ' +
          'controllers with the new key in COMMAND_SIGNING_KEY_FILE and the current one in ' +
          'COMMAND_SIGNING_PREVIOUS_KEY_FILE',
      );
    await this.refresh();
    const head = this.key();
    const next = generateSigningKey();
    let row: CommandSigningKeyEntity;
    try {
      row = await this.insertRotation(
        head,
        next,
        sealPrivateKey(next.privateKey, next.publicKey, this.config.commandSigning.secret),
        actor,
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new DomainException(
        DomainErrorCode.Conflict,
        `another rotation of the command-signing key (generation ${head.generation + 1}) came first`,
      );
    }
    await this.audit.record({
      actor,
      action: 'command-signing-key.rotated',
      details: { generation: row.generation, publicKey: row.publicKey },
    });
    await this.refresh();
    return toDto(row, this.current?.generation);
  }

  /** Reloads the chain; when its head changed, presents it to every agent connected here. */
  async refresh(): Promise<void> {
    const rows = await this.keys.find({ order: { generation: 'ASC' } });
    const head = rows.at(-1);
    if (!head) throw new Error('no command-signing key in the database');
    if (this.current?.generation === head.generation) return;
    const publicKey = Buffer.from(head.publicKey, 'base64');
    const privateKey = this.privateKeyOf(head, publicKey);
    const previous = this.current;
    this.current = { generation: head.generation, publicKey, privateKey };
    this.chainMessage = {
      firstKey: Buffer.from(rows[0].publicKey, 'base64'),
      rotations: rows.slice(1).map((r) => ({
        publicKey: Buffer.from(r.publicKey, 'base64'),
        notBeforeMs: r.notBeforeMs,
        signature: Buffer.from(r.rotationSignature, 'base64'),
      })),
    };
    if (!previous) {
      this.logger.info(
        { generation: head.generation, publicKey: head.publicKey },
        'command-signing key loaded',
      );
      return;
    }
    const agents = this.registry.broadcast(this.keysMessage());
    this.logger.warn(
      { generation: head.generation, publicKey: head.publicKey, agents },
      'command-signing key rotated: chain presented to the agents connected here',
    );
  }

  private key(): CurrentKey {
    if (!this.current) throw new Error('command-signing key not loaded yet');
    return this.current;
  }

  private privateKeyOf(row: CommandSigningKeyEntity, publicKey: Buffer): KeyObject {
    const file = this.config.commandSigning.keyFile;
    if (row.privateKey !== FROM_FILE)
      return openPrivateKey(row.privateKey, publicKey, this.config.commandSigning.secret);
    if (!file || !file.key.publicKey.equals(publicKey))
      throw new Error(
        `the fleet's command-signing key (generation ${row.generation}) is given as a file: set ` +
          'COMMAND_SIGNING_KEY_FILE to it on every controller process',
      );
    return file.key.privateKey;
  }

  /** The fleet's first key on its first start; a new key file recorded as a rotation. */
  private async ensureKey(): Promise<void> {
    const { keyFile, previousKeyFile, secret } = this.config.commandSigning;
    const head = (await this.keys.find({ order: { generation: 'DESC' }, take: 1 }))[0];
    if (!head) {
      const key: SigningKeyPair = keyFile?.key ?? generateSigningKey();
      const stored = keyFile ? FROM_FILE : sealPrivateKey(key.privateKey, key.publicKey, secret);
      if (!keyFile && !secret)
        this.logger.warn(
          'COMMAND_SIGNING_KEY_SECRET is not set: the generated command-signing key is stored ' +
            'unencrypted in the database (anyone who reads the database can sign commands)',
        );
      await this.keys
        .insert(row(1, key.publicKey, stored, Date.now(), '', 'controller'))
        .catch((error: unknown) => {
          // Another process of the fleet created it first: that one is the fleet's key.
          if (!isUniqueViolation(error)) throw error;
        });
      return;
    }
    if (!keyFile || keyFile.key.publicKey.toString('base64') === head.publicKey) return;
    if (previousKeyFile?.key.publicKey.toString('base64') !== head.publicKey)
      throw new Error(
        `COMMAND_SIGNING_KEY_FILE (${keyFile.path}) is not the fleet's current command-signing ` +
          `key (generation ${head.generation}, ${head.publicKey}): to rotate to it, set ` +
          'COMMAND_SIGNING_PREVIOUS_KEY_FILE to the current key',
      );
    const current = {
      generation: head.generation,
      publicKey: previousKeyFile.key.publicKey,
      privateKey: previousKeyFile.key.privateKey,
    };
    await this.insertRotation(current, keyFile.key, FROM_FILE, 'controller').catch(
      (error: unknown) => {
        if (!isUniqueViolation(error)) throw error;
      },
    );
    this.logger.warn(
      { generation: head.generation + 1 },
      'command-signing key rotated to COMMAND_SIGNING_KEY_FILE',
    );
  }

  private async insertRotation(
    head: CurrentKey,
    next: SigningKeyPair,
    stored: string,
    actor: string,
  ): Promise<CommandSigningKeyEntity> {
    const notBeforeMs = Date.now();
    const statement = signRotation(next.publicKey, notBeforeMs, head.privateKey);
    const entity = row(
      head.generation + 1,
      next.publicKey,
      stored,
      notBeforeMs,
      statement.signature.toString('base64'),
      actor,
    );
    await this.keys.insert(entity);
    return entity;
  }
}

function row(
  generation: number,
  publicKey: Buffer,
  privateKey: string,
  notBeforeMs: number,
  rotationSignature: string,
  createdBy: string,
): CommandSigningKeyEntity {
  return Object.assign(new CommandSigningKeyEntity(), {
    generation,
    publicKey: publicKey.toString('base64'),
    privateKey,
    notBeforeMs,
    rotationSignature,
    createdBy: createdBy.slice(0, 128),
    createdAt: new Date(),
  });
}

function toDto(row: CommandSigningKeyEntity, current: number | undefined): CommandSigningKeyDto {
  return {
    generation: row.generation,
    publicKey: row.publicKey,
    notBefore: new Date(row.notBeforeMs).toISOString(),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    current: row.generation === current,
    storage:
      row.privateKey === FROM_FILE
        ? 'file'
        : row.privateKey.startsWith('plain:')
          ? 'database'
          : 'database-encrypted',
  };
}
