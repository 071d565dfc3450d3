// Generated from proto/ by `nx run contracts:generate` (buf + ts-proto); never edited by hand.
export * from './generated/log4fleet/agent/v1/agent';
export * from './generated/log4fleet/agent/v1/commands';
export * from './generated/log4fleet/agent/v1/results';
