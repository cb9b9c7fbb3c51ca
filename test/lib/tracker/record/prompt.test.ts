import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storedPromptText, truncateText, truncationMarker } from '../../../../src/lib/tracker/index.ts';

describe('prompt truncation', () => {
  it('leaves text within the limit untouched', () => {
    expect(truncateText('short', 50)).toBe('short');
  });

  it('keeps head and tail around a marker that counts the cut characters', () => {
    const text = `${'a'.repeat(600)}${'b'.repeat(600)}`;
    const result = truncateText(text, 1000);
    expect(Array.from(result)).toHaveLength(1000);
    const removed = 1200 - (1000 - truncationMarker(1200 - 1000).length);
    expect(result).toContain(truncationMarker(removed));
    expect(result.startsWith('a'.repeat(400))).toBe(true);
    expect(result.endsWith('b'.repeat(400))).toBe(true);
  });

  it('never exceeds the limit, never splits a code point, and says how much it cut', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 3000 }), fc.integer({ min: 50, max: 2000 }), (text, max) => {
        const result = truncateText(text, max);
        const points = Array.from(result);
        expect(points.length).toBeLessThanOrEqual(max);
        expect(result.isWellFormed()).toBe(true);
        if (Array.from(text).length > max) {
          const removed = Number(/…\[truncated (\d+) chars\]…/.exec(result)?.[1]);
          expect(points.length - truncationMarker(removed).length + removed).toBe(Array.from(text).length);
        } else {
          expect(result).toBe(text);
        }
      }),
    );
  });

  it('applies the prompt mode', () => {
    const config = { max_prompt_length: 50, prompt_mode: 'truncate' as const };
    expect(storedPromptText('x'.repeat(80), config)).toHaveLength(50);
    expect(storedPromptText('secret plan', { ...config, prompt_mode: 'none' })).toBe('');
    expect(storedPromptText('secret plan', { ...config, prompt_mode: 'hash' })).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(storedPromptText('x'.repeat(80), { ...config, prompt_mode: 'full' })).toHaveLength(80);
  });
});
