import { decodeLayers } from './layers';

describe('decodeLayers', () => {
  it.each([
    ['%24%7B', '${', ['url']],
    ['%2524%257B', '${', ['url']],
    ['%25252524', '$', ['url']],
    ['%C4%B1', '\u0131', ['url']],
    ['%u0024%u007B', '${', ['url']],
    ['\\u0024\\u007b', '${', ['unicode-escape']],
    ['\\uuu0024', '$', ['unicode-escape']],
    ['\\x24\\x7B', '${', ['hex-escape']],
    ['\\044\\173', '${', ['octal-escape']],
    ['\\44{', '${', ['octal-escape']],
    ['&#36;&#123;', '${', ['html-escape']],
    ['&#x24;&#X7b', '${', ['html-escape']],
    ['&#0000036;', '$', ['html-escape']],
    ['&dollar;&lcub;', '${', ['html-escape']],
    ['%5Cu0024', '$', ['url', 'unicode-escape']],
    ['&#37;24', '$', ['url', 'html-escape']],
  ])('%s -> %s', (input, text, families) => {
    const d = decodeLayers(input);
    expect(d.text).toBe(text);
    expect(new Set(d.families)).toEqual(new Set(families));
  });

  it('leaves text without escapes alone', () => {
    expect(decodeLayers('plain %zz \\q &amp text')).toEqual({
      text: 'plain %zz \\q &amp text',
      families: [],
    });
  });

  it('decodes a megabyte of nested percent layers in bounded rounds', () => {
    const hostile = '%25'.repeat(350_000);
    const d = decodeLayers(hostile);
    expect(d.text.length).toBeLessThanOrEqual(hostile.length);
    expect(d.families).toEqual(['url']);
  });
});
