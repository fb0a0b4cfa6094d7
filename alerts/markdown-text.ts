// User text inside a generated Markdown document: text, never markup. Markdown passes raw HTML
// through, so `<script>` or `<img onerror=…>` in a title or note would be live HTML wherever
// the review is rendered; entities are read as text by every Markdown renderer (a backslash
// before `<` is not, in the original Markdown). The document's own structure stays ours.

const escapeHtml = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Text for one line (a heading, a list item): HTML escaped, line breaks folded into spaces. */
export function mdInline(v: unknown): string {
  return escapeHtml(String(v ?? '')).replace(/\s*[\r\n]+\s*/g, ' ');
}

/** Text for a table cell: as mdInline, and `|` escaped so it cannot open another column. */
export function mdCell(v: unknown): string {
  return mdInline(v).replaceAll('|', '\\|');
}

/**
 * A paragraph of free text (root cause, lessons): HTML escaped, its own line breaks and lists
 * kept, but no line of it can become a heading (`# …`, or a `===` / `---` underline) that would
 * pass for a section of the document.
 */
export function mdBlock(v: unknown): string {
  return escapeHtml(String(v ?? ''))
    .replace(/\r\n?/g, '\n')
    .replace(/^( {0,3})(#|=+\s*$|-+\s*$)/gm, '$1\\$2');
}

/** An id as inline code when it has no character that could end the code span, else as text. */
export function mdCode(v: unknown): string {
  const s = String(v ?? '');
  return /^[A-Za-z0-9_.:-]+$/.test(s) ? `\`${s}\`` : mdInline(s);
}
