// The small HTML page the acknowledge link answers with: a phone's browser shows it, so it is
// readable without the console, and every text in it is escaped (titles and names are user text).
const escape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** A complete HTML document with a heading and one paragraph. */
export function ackPage(title: string, text: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>citysense · ${escape(title)}</title></head>
<body style="font-family: system-ui, sans-serif; margin: 2rem; max-width: 40rem">
<h1>${escape(title)}</h1>
<p>${escape(text)}</p>
</body></html>
`;
}
