import { DomainException } from '../common/domain.exception';

/** NotFound for a report or an upload naming a command its agent does not have. */
export function unknownCommand(commandId: string, agentId: string): DomainException {
  return DomainException.notFound('command', `${commandId} of agent ${agentId}`);
}
