/**
 * Watches directories for changes to files we serve from (rules, certificates). Watching the
 * directory, not the files, is what survives the way Kubernetes updates ConfigMap and Secret
 * volumes: it writes a new timestamped folder and swaps the `..data` symlink, so the old file
 * inodes never change. fs.watch can miss events on some volume types, so a slow poll backs it up;
 * callers compare contents and ignore no-op triggers.
 */
import { watch, type FSWatcher } from 'node:fs';

export interface WatchOptions {
  /** Quiet time after the last event before reacting, so a multi-file write is read once. */
  readonly debounceMs: number;
  /** Poll interval as a fallback for missed events. */
  readonly pollMs: number;
}

export interface Watch {
  close(): void;
}

export function watchDirectories(directories: readonly string[], onChange: () => void, options: WatchOptions): Watch {
  let timer: NodeJS.Timeout | undefined;
  const trigger = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, options.debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const directory of new Set(directories)) {
    try {
      const watcher = watch(directory, { persistent: false }, trigger);
      watcher.on('error', () => undefined); // a removed directory: the poll keeps trying
      watchers.push(watcher);
    } catch {
      // Not watchable (missing, or a platform without fs.watch): the poll still works.
    }
  }
  // The poll goes through the same quiet period: it must not catch a file between the truncate
  // and the write of an in-place edit (an empty rule file is valid, and would drop every rule).
  // A poll never pushes back a reaction already scheduled, or a poll faster than the quiet
  // period would postpone it for ever.
  const poll = setInterval(() => {
    if (timer === undefined) trigger();
  }, options.pollMs);
  poll.unref();
  return {
    close() {
      clearInterval(poll);
      if (timer !== undefined) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
