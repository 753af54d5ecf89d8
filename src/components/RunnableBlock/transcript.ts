/**
 * The run transcript fed to the terminal. Text is kept as chunks outside React state (Airflow logs can
 * be megabytes), so a terminal that mounts late (it loads lazily) replays everything it missed.
 */
import type { Disposable } from '@site/src/lib/runClient';

export const ansi = {
  dim: (s: string) => `\x1b[2m${s}\x1b[22m`,
  bold: (s: string) => `\x1b[1m${s}\x1b[22m`,
  red: (s: string) => `\x1b[31m${s}\x1b[39m`,
  green: (s: string) => `\x1b[32m${s}\x1b[39m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[39m`,
  cyan: (s: string) => `\x1b[36m${s}\x1b[39m`,
};

export class Transcript {
  private chunks: string[] = [];
  private readonly listeners = new Set<(chunk: string) => void>();

  /** Append text; newlines become CRLF for the terminal. */
  write(text: string): void {
    const chunk = text.replace(/\r?\n/g, '\r\n');
    this.chunks.push(chunk);
    for (const listener of this.listeners) listener(chunk);
  }

  line(text: string): void {
    this.write(`${text}\n`);
  }

  get isEmpty(): boolean {
    return this.chunks.length === 0;
  }

  /** Receive everything written so far, then every new chunk. */
  subscribe(listener: (chunk: string) => void): Disposable {
    for (const chunk of this.chunks) listener(chunk);
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }
}
