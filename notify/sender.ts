// The only I/O of notify/: one HTTP POST (fetch) or one mail (nodemailer), bounded by a timeout.
// Chat robots answer HTTP 200 with an error code in the body, so that is read too.
import nodemailer, { type Transporter } from 'nodemailer';
import type { Receiver } from './config.js';
import type { Outgoing } from './payloads/index.js';

/** The outcome of one attempt. */
export type SendResult = { ok: true; status?: number } | { ok: false; error: string; status?: number };

/** A robot's in-body error: WeCom and DingTalk `errcode`, Feishu `code` (or `StatusCode`); 0 is success. */
export function robotError(type: Receiver['type'], text: string): string | undefined {
  if (type !== 'wecom' && type !== 'dingtalk' && type !== 'feishu') return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const code = body.errcode ?? body.code ?? body.StatusCode;
  if (code === undefined || code === 0) return undefined;
  return `${type} error ${String(code)}: ${String(body.errmsg ?? body.msg ?? body.StatusMessage ?? '')}`;
}

/** Sends outgoing messages; keeps one SMTP transport per e-mail receiver. */
export function createSender(opts: { timeoutMs: number }) {
  const transports = new Map<string, Transporter>();
  // A stop cuts off the sends under way instead of waiting out their timeout; they go again at the next start.
  const stopping = new AbortController();
  const transportOf = (r: Extract<Receiver, { type: 'email' }>) => {
    let t = transports.get(r.name);
    if (!t) {
      t = nodemailer.createTransport({
        host: r.smtp.host,
        port: r.smtp.port,
        secure: r.smtp.secure,
        auth: r.smtp.user ? { user: r.smtp.user, pass: r.smtp.password } : undefined,
        connectionTimeout: opts.timeoutMs,
        greetingTimeout: opts.timeoutMs,
        socketTimeout: opts.timeoutMs,
      });
      transports.set(r.name, t);
    }
    return t;
  };

  return {
    /** One attempt at delivering `out` through `receiver`. */
    async send(out: Outgoing, receiver: Receiver): Promise<SendResult> {
      try {
        if (out.kind === 'mail') {
          if (receiver.type !== 'email') return { ok: false, error: 'a mail for a receiver that is not email' };
          await transportOf(receiver).sendMail(out.mail);
          return { ok: true };
        }
        const res = await fetch(out.request.url, {
          method: 'POST',
          headers: out.request.headers,
          body: out.request.body,
          signal: AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), stopping.signal]),
          redirect: 'manual',
        });
        const text = await res.text();
        if (res.status < 200 || res.status > 299)
          return { ok: false, status: res.status, error: `HTTP ${res.status} ${text.slice(0, 200)}` };
        const robot = robotError(receiver.type, text);
        return robot ? { ok: false, status: res.status, error: robot } : { ok: true, status: res.status };
      } catch (err) {
        const e = err as Error;
        return { ok: false, error: e.name === 'TimeoutError' ? `timeout after ${opts.timeoutMs} ms` : e.message };
      }
    },
    /** Abort every HTTP send under way. */
    abort: () => stopping.abort(),
    close() {
      for (const t of transports.values()) t.close();
      transports.clear();
    },
  };
}

/** The sender of createSender. */
export type Sender = ReturnType<typeof createSender>;
