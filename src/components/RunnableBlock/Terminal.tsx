import { useEffect, useRef, type ReactNode } from 'react';
import BrowserOnly from '@docusaurus/BrowserOnly';
import { useColorMode } from '@docusaurus/theme-common';
import type { ITheme, Terminal as XTerm } from '@xterm/xterm';
import type { Transcript } from './transcript';
import styles from './styles.module.css';

interface Props {
  readonly transcript: Transcript;
}

const THEMES: Record<'light' | 'dark', ITheme> = {
  light: {
    background: '#f6f8fa',
    foreground: '#1f2328',
    cursor: '#f6f8fa',
    selectionBackground: '#b6d7f0',
    black: '#1f2328',
    red: '#b3261e',
    green: '#1a7f37',
    yellow: '#8a5a00',
    blue: '#0b5cad',
    magenta: '#8250df',
    cyan: '#116f7a',
    white: '#6e7781',
    brightBlack: '#57606a',
  },
  dark: {
    background: '#0f1419',
    foreground: '#dce3ea',
    cursor: '#0f1419',
    selectionBackground: '#2d4f6c',
    black: '#0f1419',
    red: '#ff7b72',
    green: '#56d364',
    yellow: '#e3b341',
    blue: '#79c0ff',
    magenta: '#d2a8ff',
    cyan: '#76e3ea',
    white: '#c9d1d9',
    brightBlack: '#8b949e',
  },
};

const MIN_ROWS = 4;
const MAX_ROWS = 18;
/** Approximate cell height for fontSize 12 × lineHeight 1.2, rounded up so the fit keeps every row. */
const ROW_PX = 16;

function TerminalView({ transcript }: Props): ReactNode {
  const hostRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<XTerm | null>(null);
  const { colorMode } = useColorMode();
  const modeRef = useRef(colorMode);
  modeRef.current = colorMode;

  useEffect(() => {
    let disposed = false;
    const cleanups: (() => void)[] = [];
    // xterm touches `window` at import time: load it only here, in the browser, on first use.
    void Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit'), import('@xterm/xterm/css/xterm.css')]).then(
      ([{ Terminal }, { FitAddon }]) => {
        const host = hostRef.current;
        if (disposed || !host) return;
        const term = new Terminal({
          convertEol: false, // the transcript already writes CRLF
          disableStdin: true,
          cursorBlink: false,
          cursorInactiveStyle: 'none',
          scrollback: 50_000,
          fontSize: 12,
          lineHeight: 1.2,
          fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
          theme: THEMES[modeRef.current],
        });
        const fit = new FitAddon();
        term.loadAddon(fit);
        term.open(host);
        termRef.current = term;
        const refit = (): void => {
          try {
            fit.fit();
          } catch {
            /* host hidden (zero size): fit again on the next resize */
          }
        };
        refit();
        const observer = new ResizeObserver(refit);
        observer.observe(host);
        // Grow with the transcript up to MAX_ROWS (a SQL run logs three lines, an Airflow run hundreds),
        // counting wrapped lines; set on the element directly so a 10 MB log never re-renders React.
        let shownRows = 0;
        const grow = (): void => {
          const used = term.buffer.active.baseY + term.buffer.active.cursorY + 1;
          const rows = Math.min(Math.max(used, MIN_ROWS), MAX_ROWS);
          if (rows === shownRows) return;
          shownRows = rows;
          host.style.height = `${rows * ROW_PX}px`;
        };
        const subscription = transcript.subscribe((chunk) => term.write(chunk, grow));
        cleanups.push(
          () => subscription.dispose(),
          () => observer.disconnect(),
          () => term.dispose(),
        );
      },
      () => undefined, // the chunk failed to load (offline build): the block still works without a log
    );
    return () => {
      disposed = true;
      termRef.current = null;
      for (const cleanup of cleanups) cleanup();
    };
  }, [transcript]);

  useEffect(() => {
    if (termRef.current) termRef.current.options.theme = THEMES[colorMode];
  }, [colorMode]);

  return <div ref={hostRef} className={styles.terminal} role="log" aria-label="Run log" />;
}

/** The run transcript in xterm.js, browser only (nothing here runs during SSR). */
export default function Terminal({ transcript }: Props): ReactNode {
  return (
    <BrowserOnly fallback={<div className={styles.terminal} aria-hidden="true" />}>
      {() => <TerminalView transcript={transcript} />}
    </BrowserOnly>
  );
}
