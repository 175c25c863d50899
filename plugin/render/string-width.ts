/**
 * Terminal column width of a string: what yargs' help layout (cliui, wrap-ansi) measures every word
 * with. The bundle (plugin/install/bundle.mjs) puts this module in place of the `string-width`
 * package those three import, same call signature.
 *
 * Why: `string-width` creates an `Intl.Segmenter` when it is imported, and the first Segmenter
 * loads ICU's break-iterator data — 25-60 ms of every plugin start on the project machine, `--help`
 * and `status` alike, although help text is plain ASCII. Here plain ASCII (after removing ANSI
 * escapes) is its length, and only other text creates the Segmenter, on first use.
 */
import { eastAsianWidth } from 'get-east-asian-width';

export interface StringWidthOptions {
  /** Count East Asian "ambiguous" characters as one column (default) or two. */
  ambiguousIsNarrow?: boolean;
  /** Count ANSI escape sequences as visible text instead of removing them first. */
  countAnsiEscapeCodes?: boolean;
}

/** CSI sequences (colours, cursor) and OSC sequences (hyperlinks), with 7-bit or 8-bit introducers. */
const ANSI_ESCAPE = /(?:\u001B\[|\u009B)[0-?]*[ -/]*[@-~]|(?:\u001B\]|\u009D)[^\u0007\u001B\u009C]*(?:\u0007|\u001B\\|\u009C)/g;
const PRINTABLE_ASCII = /^[\u0020-\u007E]*$/;
/** A cluster drawn as a two-column emoji picture (a `v`-flag property; tsc targets ES2022 here). */
const EMOJI_CLUSTER = new RegExp('^\\p{RGI_Emoji}$', 'v');
/** Code points that take no column of their own: controls, format characters, combining marks. */
const ZERO_WIDTH = /[\p{Control}\p{Format}\p{Default_Ignorable_Code_Point}\p{Mark}\p{Surrogate}]/u;

let segmenter: Intl.Segmenter | undefined;

function clusterWidth(cluster: string, ambiguousAsWide: boolean): number {
  if (EMOJI_CLUSTER.test(cluster)) return 2;
  // The first code point that takes a column decides; marks and joiners after it add nothing.
  for (const char of cluster) {
    if (ZERO_WIDTH.test(char)) continue;
    return eastAsianWidth(char.codePointAt(0)!, { ambiguousAsWide });
  }
  return 0;
}

export default function stringWidth(input: unknown, options: StringWidthOptions = {}): number {
  if (typeof input !== 'string' || input.length === 0) return 0;
  const text = options.countAnsiEscapeCodes ? input : input.replace(ANSI_ESCAPE, '');
  if (PRINTABLE_ASCII.test(text)) return text.length;
  segmenter ??= new Intl.Segmenter();
  const ambiguousAsWide = options.ambiguousIsNarrow === false;
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += clusterWidth(segment, ambiguousAsWide);
  return width;
}
