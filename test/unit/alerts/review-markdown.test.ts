// The Markdown review of a case whose people typed HTML (a hotline report's title, a note, the
// review itself), through the real incident service on SQLite: text stays text, and the
// document keeps its own headings, lists and tables.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReview, renderReviewMarkdown } from '../../../alerts/review.js';
import { type Harness, harness } from './management-helpers.js';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';

describe('review Markdown escapes what people typed', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });
  afterEach(() => h.close());

  const markdownOf = async () => {
    const inc = h.svc.report({
      category: 'gas',
      title: `smell ${SCRIPT}`,
      severity: 'blue',
      grid: 'G-3-4',
      source: 'hotline_12345',
      by: `clerk ${IMG}`,
    });
    h.svc.act(inc.id, { action: 'acknowledge', by: 'op-li', note: `on it ${IMG} | second column?\n## Injected heading` });
    h.svc.act(inc.id, { action: 'dispatch', by: 'op-li', department: 'gas-utility' });
    h.svc.act(inc.id, { action: 'feedback', by: 'crew-wang', note: SCRIPT });
    h.svc.act(inc.id, { action: 'close', by: 'inspector-zhao' });
    const review = {
      rootCause: `line one\n${SCRIPT}`,
      lessons: `<b>bold</b> & ${IMG}\n## Actions (优化)\nfake heading\n---`,
      actions: [{ action: `fix ${SCRIPT}`, owner: '<i>crew</i>', due: '2026-12-31' }],
    };
    expect(h.svc.act(inc.id, { action: 'review', by: 'op-li', review }).ok).toBe(true);
    const record = await buildReview(h.svc.get(inc.id)!, h.svc.timeline(inc.id), h.store.telemetry, h.clock.now);
    return { record, md: renderReviewMarkdown(record) };
  };

  it('renders <script> and <img onerror> in the title, notes, actor, root cause, lessons and actions as text', async () => {
    const { md } = await markdownOf();
    expect(md).not.toMatch(/<script|<img|<b>|<i>/i);
    expect(md).toContain('# 复盘 Review — smell &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(md).toContain('clerk &lt;img src=x onerror=alert(1)&gt;');
    expect(md).toContain('| crew-wang | &lt;script&gt;alert(1)&lt;/script&gt; |'); // the feedback note
    expect(md).toContain('line one\n&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(md).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img');
    expect(md).toContain('| fix &lt;script&gt;alert(1)&lt;/script&gt; | &lt;i&gt;crew&lt;/i&gt; | 2026-12-31 |');
  });

  it('keeps the document structure: its headings only, one table row per event with four cells', async () => {
    const { record, md } = await markdownOf();
    const lines = md.split('\n');
    expect(lines.filter((l) => l.startsWith('#'))).toEqual([
      lines[0],
      '## Timeline',
      '## Response',
      '## Telemetry',
      '## Evidence',
      '## Root cause',
      '## Lessons',
      '## Actions (优化)',
    ]);
    const start = lines.indexOf('|---|---|---|---|') + 1;
    const rows = lines.slice(start, start + record.timeline.length);
    expect(rows).toHaveLength(record.timeline.length);
    for (const row of rows) expect(row.split(/(?<!\\)\|/)).toHaveLength(6); // | a | b | c | d |
    expect(lines[start + record.timeline.length]).toBe('');
  });
});
