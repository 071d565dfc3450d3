import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { TransactionService } from '../database/transaction.service';
import { EnrollmentTokenEntity } from './enrollment-token.entity';

/**
 * The enrollment_tokens table: the statements of EnrollmentTokensService. Runs in the caller's
 * unit of work (the ambient transaction of TransactionService), or on its own outside one.
 */
@Injectable()
export class EnrollmentTokensRepository {
  constructor(private readonly tx: TransactionService) {}

  private get repo(): Repository<EnrollmentTokenEntity> {
    return this.tx.manager.getRepository(EnrollmentTokenEntity);
  }

  findById(id: string): Promise<EnrollmentTokenEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** The newest tokens first, 1000 at most. */
  newest(): Promise<EnrollmentTokenEntity[]> {
    return this.repo.find({ order: { createdAt: 'DESC' }, take: 1000 });
  }

  async insert(token: EnrollmentTokenEntity): Promise<void> {
    await this.repo.insert(token);
  }

  async markRevoked(id: string): Promise<void> {
    await this.repo.update({ id }, { revoked: true });
  }

  /**
   * Spends one use of the token if it has one left and is not revoked: the conditional UPDATE
   * gives the last use to exactly one enrollment even when hosts race. False when none was left.
   */
  async spendUse(id: string): Promise<boolean> {
    const result = await this.repo
      .createQueryBuilder()
      .update(EnrollmentTokenEntity)
      .set({ uses: () => 'uses + 1' })
      .where('id = :id AND uses < max_uses AND revoked = :revoked', { id, revoked: false })
      .execute();
    return Boolean(result.affected);
  }
}
