import { DomainException } from '../common/domain.exception';
import { defaultKindParams } from '../commands/kind-params';
import type { KindName } from '../commands/kinds';
import { CampaignKind, commandKindOf } from './campaign.entity';

/**
 * The command a campaign (or a schedule) body asks for, its kind and params validated by the
 * DTO: `params`, or `scan` (the params of kind scan, as bodies gave them before params existed),
 * or the kind's defaults.
 */
export function campaignCommand(
  kind: CampaignKind,
  given: { params?: object; scan?: object },
): { commandKind: KindName; params: object } {
  const commandKind = commandKindOf(kind);
  if (given.params !== undefined && given.scan !== undefined)
    throw DomainException.invalid('give params or scan (the params of kind scan), not both');
  if (given.scan !== undefined && commandKind !== 'scan')
    throw DomainException.invalid(`scan options are for kind scan; kind ${kind} takes params`);
  return { commandKind, params: given.params ?? given.scan ?? defaultKindParams(commandKind) };
}
