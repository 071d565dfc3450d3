import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber, dateColumn } from '../database/column-types';

/**
 * One key of the fleet's command-signing chain. Generation 1 is the first key; each later one
 * carries its rotation statement, signed by the key of the generation before it. The newest
 * generation signs commands.
 */
@Entity('command_signing_keys')
export class CommandSigningKeyEntity {
  @PrimaryColumn({ type: 'integer' }) generation!: number;
  /** Raw Ed25519 public key, base64. */
  @Column({ name: 'public_key', type: 'varchar', length: 64 }) publicKey!: string;
  /**
   * The private key (PKCS#8 DER) as stored: "aes-256-gcm:<iv>:<tag>:<ciphertext>" (base64 parts)
   * when COMMAND_SIGNING_KEY_SECRET is set, "plain:<base64>" when not, "file" when the key is
   * given by COMMAND_SIGNING_KEY_FILE and never stored here.
   */
  @Column({ name: 'private_key', type: 'text' }) privateKey!: string;
  @Column({ name: 'not_before_ms', type: 'bigint', transformer: bigintNumber })
  notBeforeMs!: number;
  /** The rotation statement's signature by the previous generation's key, base64 ('' for 1). */
  @Column({ name: 'rotation_signature', type: 'varchar', length: 128 }) rotationSignature!: string;
  @Column({ name: 'created_by', type: 'varchar', length: 128 }) createdBy!: string;
  @Column(dateColumn('created_at', false)) createdAt!: Date;
}
