// 企业微信 group robot: POST {"msgtype":"markdown","markdown":{"content":…}} to its webhook URL
// (the key is in the URL). Content is capped at 4096 bytes by WeCom.
import type { Batch } from '../notice.js';
import { type HttpRequest, jsonPost } from './http-request.js';
import { markdownOf } from './text.js';

const MAX_BYTES = 4096;

/** Cut `s` to at most `max` UTF-8 bytes without splitting a character. */
export function cutBytes(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > max - 3) break;
    out += ch;
  }
  return `${out}…`;
}

/** The WeCom robot body. */
export function wecomBody(b: Batch): { msgtype: 'markdown'; markdown: { content: string } } {
  return { msgtype: 'markdown', markdown: { content: cutBytes(markdownOf(b), MAX_BYTES) } };
}

/** The POST to a WeCom robot. */
export const wecomRequest = (b: Batch, r: { url: string }): HttpRequest => jsonPost(r.url, wecomBody(b));
