import type { ControllerProcess } from './controller-process';
import { eventually } from './ports';

const FINAL = ['succeeded', 'failed', 'expired', 'cancelled', 'verified'];

/**
 * A fix's or restore's success queues a verification campaign that scans the whole host: a
 * test about the fix waits for that campaign (the proof it was queued), then cancels it and
 * its scans, so that the agent (one command at a time) is free for the next command.
 */
export async function cancelVerification(
  controller: ControllerProcess,
  hostId: string,
): Promise<void> {
  const campaign = await eventually('the verification campaign', async () => {
    const page = await controller.api<{ items: Array<{ id: string; kind: string }> }>(
      'GET',
      '/campaigns?kind=verify&status=running',
    );
    return page.items[0];
  });
  await controller.api('POST', `/campaigns/${campaign.id}/cancel`);
  const commands = await controller.api<Array<{ id: string; kind: string; state: string }>>(
    'GET',
    `/hosts/${hostId}/commands`,
  );
  for (const c of commands.filter((x) => x.kind === 'scan' && !FINAL.includes(x.state))) {
    await controller.api('POST', `/commands/${c.id}/cancel`).catch(() => undefined);
  }
}
