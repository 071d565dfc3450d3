import { isUUID } from 'class-validator';
import { deterministicUuid } from './deterministic-id';

describe('deterministicUuid', () => {
  it('gives one valid UUID per list of parts', () => {
    const id = deterministicUuid('campaign', 'c1', 'host', 'h1');
    expect(isUUID(id, 5)).toBe(true);
    expect(deterministicUuid('campaign', 'c1', 'host', 'h1')).toBe(id);
    expect(deterministicUuid('campaign', 'c1', 'host', 'h2')).not.toBe(id);
    // Parts are separated: ("ab", "c") and ("a", "bc") differ.
    expect(deterministicUuid('ab', 'c')).not.toBe(deterministicUuid('a', 'bc'));
  });
});
