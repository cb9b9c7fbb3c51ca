/**
 * What of a prompt reaches the ledger: all of it, a head-and-tail excerpt, a
 * hash, or nothing (`prompt_mode`). Lengths count Unicode code points, so an
 * emoji or a surrogate pair is never cut in half.
 */
import type { TrackerConfig } from '../config.ts';
import { sha256Hex } from '../sha256.ts';

export function truncationMarker(removed: number): string {
  return `…[truncated ${removed} chars]…`;
}

/** Keeps the head and the tail of a long text around a marker saying how much was cut. */
export function truncateText(text: string, maxLength: number): string {
  // A text of no more UTF-16 units than the limit has no more code points either.
  if (text.length <= maxLength) return text;
  const points = Array.from(text);
  if (points.length <= maxLength) return text;
  let removed = points.length - maxLength;
  // The marker's own length depends on the count it shows; two passes settle it.
  for (let pass = 0; pass < 2; pass += 1) {
    removed = points.length - (maxLength - Array.from(truncationMarker(removed)).length);
  }
  const kept = points.length - removed;
  const headLength = Math.ceil(kept / 2);
  const tail = points.slice(points.length - (kept - headLength)).join('');
  return `${points.slice(0, headLength).join('')}${truncationMarker(removed)}${tail}`;
}

export function hashPrompt(text: string): string {
  return `sha256:${sha256Hex(text)}`;
}

/** The prompt text as it will be stored, per the configured prompt mode. */
export function storedPromptText(text: string, config: Pick<TrackerConfig, 'prompt_mode' | 'max_prompt_length'>): string {
  switch (config.prompt_mode) {
    case 'none':
      return '';
    case 'hash':
      return text === '' ? '' : hashPrompt(text);
    case 'full':
      return text;
    case 'truncate':
      return truncateText(text, config.max_prompt_length);
  }
}
