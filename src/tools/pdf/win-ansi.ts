/** The characters outside Latin-1 that the standard PDF fonts' WinAnsi encoding has. */
const winAnsiExtras = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/**
 * Text as the built-in PDF fonts can draw it: characters they lack (CJK, emoji, most scripts other than Latin)
 * become `?`, instead of the wrong glyphs pdfkit would draw for them.
 */
export function winAnsiText(text: string): string {
  let result = '';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    const drawable = code === 10 || (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || winAnsiExtras.has(character);
    result += drawable ? character : code === 9 ? '    ' : '?';
  }
  return result;
}
