/**
 * Characters a terminal must not get from text someone else wrote (annotation values, condition
 * messages, names): C0 and C1 controls — ESC starts the sequences that retitle a window, clear the
 * screen or move the cursor, and U+009B is an 8-bit escape sequence introducer — and the invisible
 * and bidirectional formatting characters (U+200B-U+200F, U+2028-U+202E, U+2060-U+2069, U+FEFF)
 * that can make text read differently from what it is. The webhook's admission warnings and the
 * plugin's table and text output share this one definition.
 */
// eslint-disable-next-line no-control-regex
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** One field made safe for a terminal: every unprintable character becomes a space. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, ' ');
}

/** A block of lines made safe for a terminal: like `printable`, keeping the line feeds. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}
