// Generated from proto/ by `nx run contracts:generate` (buf + ts-proto); never edited by hand.
export * from './generated';
