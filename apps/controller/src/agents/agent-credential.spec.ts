import { parseAgentAuthorization } from './agent-credential';

describe('parseAgentAuthorization', () => {
  const id = '0b7c6d1e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';
  const secret = 'a'.repeat(64);

  it('reads the agent id and secret of a bearer credential', () => {
    expect(parseAgentAuthorization(`Bearer ${id}.${secret}`)).toEqual({ agentId: id, secret });
  });

  it('normalises an upper-case agent id and secret to lower case, as REST does UUIDs', () => {
    expect(parseAgentAuthorization(`Bearer ${id.toUpperCase()}.${secret.toUpperCase()}`)).toEqual({
      agentId: id,
      secret,
    });
  });

  it.each([
    undefined,
    '',
    `Basic ${id}.${secret}`,
    `Bearer ${id}`,
    `Bearer not-a-uuid.${secret}`,
    `Bearer ${id}.${'a'.repeat(63)}`,
  ])('rejects %p', (header) => {
    expect(parseAgentAuthorization(header)).toBeNull();
  });
});
