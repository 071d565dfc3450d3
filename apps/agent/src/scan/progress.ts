import type { ScanProgress } from '@log4fleet/scanner';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function formatProgress(p: ScanProgress): string {
  return `scanning: ${p.files} files, ${p.archives} archives, ${formatBytes(p.bytes)}, ${p.findings} findings, ${p.errors} errors`;
}

export interface ProgressTerminal {
  write(text: string): unknown;
  columns?: number;
}

// 4 redraws a second: readable, and cheap on a terminal over a slow SSH link.
const MIN_REDRAW_MS = 250;

/** A single status line on a terminal, redrawn in place at most 4 times a second. */
export class ProgressLine {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly term: ProgressTerminal,
    private readonly now: () => number = Date.now,
  ) {}

  update(p: ScanProgress): void {
    const t = this.now();
    if (this.drawn && t - this.lastDraw < MIN_REDRAW_MS) return;
    this.lastDraw = t;
    this.drawn = true;
    let text = formatProgress(p);
    const width = this.term.columns ?? 0;
    if (width > 1 && text.length >= width) text = text.slice(0, width - 1);
    this.term.write(`\r\x1b[K${text}`);
  }

  /** Erases the line so that the report starts on a clean line. */
  clear(): void {
    if (this.drawn) this.term.write('\r\x1b[K');
    this.drawn = false;
  }
}
