import { afterEach, describe, expect, it, vi } from 'vitest';
// The package the bundle replaces (yargs' own copy); the reference for every case below.
import referenceWidth from 'string-width';

async function freshModule(): Promise<typeof import('../../../plugin/render/string-width.js')> {
  vi.resetModules();
  return import('../../../plugin/render/string-width.js');
}

/** Counts `new Intl.Segmenter()` calls while a test runs. */
function countSegmenters(): { created: number } {
  const counter = { created: 0 };
  const Real = Intl.Segmenter;
  vi.spyOn(Intl, 'Segmenter').mockImplementation(function (this: unknown, ...args: ConstructorParameters<typeof Intl.Segmenter>) {
    counter.created++;
    return new Real(...args);
  } as unknown as typeof Intl.Segmenter);
  return counter;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('stringWidth (the bundle\'s string-width)', () => {
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['plain ASCII', 'Show help'],
    ['ASCII with brackets and tabs removed', '[boolean] --kubeconfig'],
    ['colour escapes', '\u001B[31mred\u001B[39m text'],
    ['bold and underline, 8-bit CSI', '\u009B1mbold\u009B22m'],
    ['hyperlink (OSC 8)', '\u001B]8;;https://example.com\u0007link\u001B]8;;\u0007'],
    ['em dash and arrow', 'before → after — done'],
    ['accents, precomposed', 'héllo wörld'],
    ['accents, combining marks', 'he\u0301llo'],
    ['CJK', '日本語のテキスト'],
    ['fullwidth Latin', 'ＡＢＣ'],
    ['Hangul syllables', '한국어'],
    ['emoji', 'ok 👍 done'],
    ['emoji ZWJ family', '👨‍👩‍👧'],
    ['flag', '🇩🇪'],
    ['zero-width joiner and space alone', 'a\u200Bb\u200Dc'],
    ['ambiguous (Greek)', 'αβγ'],
    ['control characters', 'a\u0007b'],
  ];

  it.each(cases)('%s: same width as string-width', async (_, text) => {
    const { default: stringWidth } = await freshModule();
    expect(stringWidth(text)).toBe(referenceWidth(text));
  });

  it('honours ambiguousIsNarrow and countAnsiEscapeCodes like string-width', async () => {
    const { default: stringWidth } = await freshModule();
    for (const options of [{ ambiguousIsNarrow: false }, { countAnsiEscapeCodes: true }]) {
      for (const text of ['αβγ', '\u001B[31mred\u001B[39m', 'plain']) expect(stringWidth(text, options)).toBe(referenceWidth(text, options));
    }
  });

  it('is 0 for what is not a string', async () => {
    const { default: stringWidth } = await freshModule();
    expect(stringWidth(undefined)).toBe(0);
    expect(stringWidth(42)).toBe(0);
  });

  it('creates no Intl.Segmenter for ASCII text (that is its reason to exist), one on the first other text', async () => {
    const counter = countSegmenters();
    const { default: stringWidth } = await freshModule();
    for (const text of ['Commands:', '  -h, --help  Show help  [boolean]', '\u001B[1mbold\u001B[22m']) stringWidth(text);
    expect(counter.created).toBe(0);
    expect(stringWidth('naïve')).toBe(5);
    expect(stringWidth('日本')).toBe(4);
    expect(counter.created).toBe(1);
  });
});
