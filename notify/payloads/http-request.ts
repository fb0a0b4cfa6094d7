// What a payload builder hands the sender: one HTTP POST, body already serialised (the
// signatures cover the exact bytes sent).
/** An HTTP POST ready to send. */
export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A JSON POST of `value`. */
export const jsonPost = (url: string, value: unknown, headers: Record<string, string> = {}): HttpRequest => ({
  url,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
});
