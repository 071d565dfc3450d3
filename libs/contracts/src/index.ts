// Generated from proto/ by `nx run contracts:generate` (buf + ts-proto); never edited by hand.
export * from './generated';
// Written by hand: what both ends share beyond the messages.
export * from './agent-revocation';
export * from './command-states';
export * from './limits';
export * from './refusals';
export * from './command-signature';
