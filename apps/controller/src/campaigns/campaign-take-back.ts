import { CommandDelivery } from '../cluster/command-delivery.service';
import { CommandsService } from '../commands/commands.service';
import { CampaignCommandRow, CampaignsRepository } from './campaigns.repository';

/** What taking a paused campaign's commands back needs (both campaign services hold these). */
export interface TakeBackDeps {
  repo: CampaignsRepository;
  commands: CommandsService;
  delivery: CommandDelivery;
}

/**
 * A paused campaign sends nothing more: its commands not started yet (queued for an offline
 * agent, or delivered and not begun) are cancelled, agents holding one are told to drop it,
 * and their hosts wait again as if never dispatched; a resume sends them new commands.
 * Returns how many hosts wait again (a command that started meanwhile runs on).
 */
export async function takeBack(
  { repo, commands, delivery }: TakeBackDeps,
  campaignId: string,
  rows: CampaignCommandRow[],
): Promise<number> {
  const open = rows.filter((r) => r.state === 'queued' || r.state === 'delivered');
  if (open.length === 0) return 0;
  await commands.cancelMany(
    open.map((r) => r.commandId),
    'system',
    { campaignId, reason: 'campaign paused' },
  );
  const released = await repo.releaseCancelledTargets(
    campaignId,
    open.map((r) => r.commandId),
  );
  await Promise.allSettled(
    open
      .filter((r) => r.state === 'delivered')
      .map((r) =>
        delivery.deliver(r.agentId, {
          kind: { $case: 'cancel', value: { commandId: r.commandId } },
        }),
      ),
  );
  return released;
}
