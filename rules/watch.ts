// Watch a rule file for changes (debounced). The directory is watched, not the file: most
// editors save by writing a new file and renaming it over the old one.
import { watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/** Call `onChange` once things settle after the file changed; returns a stop function. */
export function watchRuleFile(
  path: string,
  onChange: () => void,
  opts: { debounceMs?: number; onError?: (err: Error) => void } = {},
): () => void {
  const file = resolve(path);
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
    if (changed !== null && changed.toString() !== name) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, opts.debounceMs ?? 200);
  });
  watcher.on('error', (err) => opts.onError?.(err));
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
