import type { Command } from 'commander';
import { registerEnrollCommand } from './enroll.command';
import { registerRunCommand } from './run.command';

/** `enroll` and `run`: the agent as a member of a fleet. */
export function registerDaemonCommands(program: Command): void {
  registerEnrollCommand(program);
  registerRunCommand(program);
}
