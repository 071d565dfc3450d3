import { randomBytes } from 'node:crypto';
import {
  chainToPathText,
  pathBytesToText,
  PathTextError,
  pathTextToBytes,
  storableText,
} from './path-text';

describe('path text form', () => {
  it.each<[string, number[] | string, string]>([
    ['keeps plain ASCII', '/opt/app/log4j-core-2.14.1.jar', '/opt/app/log4j-core-2.14.1.jar'],
    ['keeps valid UTF-8 readable', '/srv/données/日本/😀.jar', '/srv/données/日本/😀.jar'],
    ['escapes a NUL', [0x61, 0x00, 0x62], 'a\\x00b'],
    ['escapes a byte that is not UTF-8', [0x2f, 0xff, 0x2e], '/\\xff.'],
    ['escapes C0 controls and DEL', [0x0a, 0x09, 0x1b, 0x7f], '\\x0a\\x09\\x1b\\x7f'],
    ['escapes the backslash', 'C:\\lib\\x41.jar', 'C:\\\\lib\\\\x41.jar'],
    ['escapes a truncated sequence', [0x61, 0xc3], 'a\\xc3'],
    ['escapes an overlong form', [0xc0, 0xaf], '\\xc0\\xaf'],
    ['escapes an encoded surrogate', [0xed, 0xa0, 0x80], '\\xed\\xa0\\x80'],
    ['escapes a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], '\\xf4\\x90\\x80\\x80'],
  ])('%s', (_, input, text) => {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
    expect(pathBytesToText(bytes)).toBe(text);
    expect(pathTextToBytes(text)).toEqual(bytes);
  });

  it('gives back every byte string it was given (random bytes)', () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(i % 40);
      expect(pathTextToBytes(pathBytesToText(bytes))).toEqual(bytes);
    }
    const all = Buffer.from(Array.from({ length: 256 }, (_, b) => b));
    expect(pathTextToBytes(pathBytesToText(all))).toEqual(all);
  });

  it('joins a chain like a jar URL', () => {
    expect(chainToPathText([Buffer.from('/a.war'), Buffer.from([0x78, 0x00])])).toBe(
      '/a.war!/x\\x00',
    );
  });

  it('reads \\xNN in either case and refuses any other escape when strict', () => {
    expect(pathTextToBytes('\\xFF\\xff')).toEqual(Buffer.from([0xff, 0xff]));
    for (const bad of ['a\\b', '\\x4', '\\xzz', 'end\\'])
      expect(() => pathTextToBytes(bad)).toThrow(PathTextError);
    expect(pathTextToBytes('a\\b\\\\', false)).toEqual(Buffer.from('a\\b\\'));
  });

  it('replaces a NUL in free text, keeping its length', () => {
    expect(storableText('2.14\u00001')).toBe('2.14\uFFFD1');
    expect(storableText('plain')).toBe('plain');
  });
});
