// The resident's page behind a 回访 link: static HTML (zh-CN with English), no script, a plain
// form that posts back to the same address, so it works on any phone browser.
import { createHash } from 'node:crypto';

const STYLE = `body{font:16px/1.5 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;padding:1.25rem;max-width:32rem;margin-inline:auto;color:#1b1f24}
h1{font-size:1.3rem;margin:0 0 .5rem}.en{color:#57606a;font-size:.9em}.case{background:#f3f5f7;border-radius:.5rem;padding:.75rem;margin:1rem 0}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}input,textarea{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:1px solid #8c959f;border-radius:.375rem}
textarea{min-height:6rem}button{margin-top:1rem;width:100%;padding:.75rem;font:inherit;font-weight:600;color:#fff;background:#0969da;border:0;border-radius:.375rem}
.error{color:#cf222e}`;

/** The CSP of these pages: nothing loads, the one inline style is allowed by its hash, the form posts only here. */
export const FOLLOW_UP_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(titleZh: string, titleEn: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(titleZh)} · ${esc(titleEn)}</title><style>${STYLE}</style></head>
<body><h1>${esc(titleZh)} <span class="en">${esc(titleEn)}</span></h1>${body}</body></html>`;
}

/** What the case is, so the resident knows what is being scored. */
export interface PageCase {
  title: string;
  category: string;
  closedAt?: number;
}

const caseBlock = (c: PageCase) =>
  `<div class="case"><div>${esc(c.title)}</div><div class="en">${esc(c.category)}${c.closedAt ? ` · 办结 closed ${new Date(c.closedAt).toISOString().slice(0, 10)}` : ''}</div></div>`;

/** The form: a 0–100 score and a comment; `error` (from a refused post) is shown above it, `score` kept. */
export function renderFollowUpForm(c: PageCase, opts: { error?: string; score?: string; comment?: string } = {}): string {
  return page(
    '服务回访',
    'How did we do?',
    `<p>您反映的问题已办结，请为处置结果打分。<br><span class="en">The case you reported is closed. Please score how it was handled.</span></p>${caseBlock(c)}
${opts.error ? `<p class="error" role="alert">${esc(opts.error)}</p>` : ''}
<form method="post"><label for="score">满意度 0–100 <span class="en">Satisfaction, 0 (not at all) to 100 (fully)</span></label>
<input id="score" name="score" type="number" inputmode="numeric" min="0" max="100" step="1" required value="${esc(opts.score ?? '')}">
<label for="comment">意见建议（可选） <span class="en">Comment (optional)</span></label>
<textarea id="comment" name="comment" maxlength="1000">${esc(opts.comment ?? '')}</textarea>
<button type="submit">提交 Submit</button></form>
<p class="en">此链接仅可提交一次。 This link can be used once.</p>`,
  );
}

/** The page after a recorded answer. */
export const renderFollowUpThanks = (score: number): string =>
  page(
    '感谢您的评价',
    'Thank you',
    `<p>已收到您的评分：${score}。<br><span class="en">Your score of ${score} has been recorded.</span></p>`,
  );

const GONE: Record<'unknown' | 'answered' | 'expired' | 'superseded', [string, string]> = {
  unknown: ['链接无效：请核对短信中的地址。', 'This link is not valid: check the address in the message.'],
  answered: ['此链接已提交过评价，感谢您的反馈。', 'This link has already been answered. Thank you.'],
  expired: ['此链接已过期。如需反映问题，请拨打 12345。', 'This link has expired. To report a problem, call 12345.'],
  superseded: ['该事项已重新处置，请使用最新收到的链接。', 'The case was handled again: please use the newest link you received.'],
};

/** The page for a link that cannot be answered, and why. */
export const renderFollowUpGone = (why: keyof typeof GONE): string =>
  page('服务回访', 'Follow-up', `<p>${GONE[why][0]}<br><span class="en">${GONE[why][1]}</span></p>`);
