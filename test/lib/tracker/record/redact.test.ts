import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactSecrets, TrackerError } from '../../../../src/lib/tracker/index.ts';
import { _SECRET_PATTERNS } from '../../../../src/lib/tracker/record/redact.ts';

const on = { enabled: true, extra_patterns: [] };

describe('redactSecrets', () => {
  const secrets: [string, string][] = [
    ['anthropic-key', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdef'],
    ['openai-key', 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'],
    ['openai-key', 'sk-AbCdEfGhIjKlMnOpQrStUvWxYz012345'],
    ['google-api-key', 'AIzaSyA1234567890abcdefghijklmnopqrstuv'],
    ['github-token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['github-token', 'gho_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['github-token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH'],
    ['aws-access-key', 'AKIAIOSFODNN7EXAMPLE'],
    ['slack-token', 'xoxb-123456789012-123456789012-AbCdEfGhIjKl'],
  ];
  it.each(secrets)('removes a %s', (kind, secret) => {
    const text = `use ${secret} please`;
    const redacted = redactSecrets(text, on);
    expect(redacted).not.toContain(secret);
    expect(redacted).toBe(`use [REDACTED:${kind}] please`);
  });

  it('removes private key blocks, bearer tokens, authorization headers and URL passwords', () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----';
    expect(redactSecrets(`key:\n${key}\nend`, on)).toBe('key:\n[REDACTED:private-key]\nend');
    expect(redactSecrets('curl -H "Authorization: Bearer abc.def-ghi_jkl"', on)).toBe('curl -H "Authorization: Bearer [REDACTED:authorization-header]"');
    expect(redactSecrets('Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc', on)).toBe('Bearer [REDACTED:bearer-token]');
    expect(redactSecrets('postgres://admin:hunter2@db.local:5432/x', on)).toBe('postgres://admin:[REDACTED:url-password]@db.local:5432/x');
  });

  it('leaves ordinary text alone, including words near the patterns', () => {
    const text = 'Ask about sk- prefixes, Bearer authentication, AKIA docs and https://example.com/a:b@c';
    expect(redactSecrets(text, on)).toBe(text);
  });

  it('applies extra patterns and can be turned off', () => {
    expect(redactSecrets('ticket ACME-1234 done', { enabled: true, extra_patterns: ['ACME-\\d+'] })).toBe('ticket [REDACTED:custom] done');
    expect(redactSecrets('AKIAIOSFODNN7EXAMPLE', { enabled: false, extra_patterns: [] })).toBe('AKIAIOSFODNN7EXAMPLE');
  });

  it('names a bad extra pattern', () => {
    expect(() => redactSecrets('x', { enabled: true, extra_patterns: ['('] })).toThrow(TrackerError);
    expect(() => redactSecrets('x', { enabled: true, extra_patterns: ['('] })).toThrow(/extra_patterns\[0\]/);
  });

  it('skips a pattern only where it cannot match: every match holds one of its clues', () => {
    // Fragments of every secret format, in other cases too (and letters that case-fold into ASCII), glued at random.
    const fragment = fc.oneof(
      fc.constantFrom('sk-', 'ant-', 'proj-', 'AIza', 'gh', 'p_', 'o_', 'github_pat_', 'AKIA', 'ASIA', 'xox', 'b-', 'Bearer', 'BEARER', 'bearer'),
      fc.constantFrom('Authorization', 'AUTHORIZATION', 'authorızation', ':', ' ', '\n', '://', 'https', 'user', '@', '/', '-----BEGIN ', 'RSA ', 'PRIVATE KEY-----', 'K'),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,45}$/),
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join('')), (text) => {
        for (const { kind, pattern, clues } of _SECRET_PATTERNS) {
          const matches = [...text.matchAll(pattern)].map((match) => match[0]);
          for (const match of matches) expect(clues.some((clue) => match.includes(clue)), `${kind}: ${JSON.stringify(match)}`).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
