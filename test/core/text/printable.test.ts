import { describe, expect, it } from 'vitest';
import { printable, printableLines } from '../../../core/text/printable.js';
import { sanitizeWarnings } from '../../../webhook/admission/review.js';

describe('printable', () => {
  it.each([
    ['ESC ] title BEL', '\u001b]0;t\u0007x', ' ]0;t x'],
    ['8-bit CSI', '\u009b2J', ' 2J'],
    ['right-to-left override', 'a\u202eb', 'a b'],
    ['zero width and BOM', 'a\u200b\ufeffb', 'a  b'],
    ['isolates', '\u2066a\u2069', ' a '],
    ['DEL and tab', 'a\u007f\tb', 'a  b'],
    ['plain and non-Latin text', 'holt-winters 予測 é', 'holt-winters 予測 é'],
  ])('%s', (_, input, expected) => {
    expect(printable(input)).toBe(expected);
  });

  it('printableLines keeps line feeds only', () => {
    expect(printableLines('a\u001b[2J\nb\r\n')).toBe('a [2J\nb \n');
  });

  it('the webhook strips the same characters from admission warnings', () => {
    expect(sanitizeWarnings(['model \u001b]0;x\u0007\u202e'])).toEqual([printable('model \u001b]0;x\u0007\u202e')]);
  });
});
