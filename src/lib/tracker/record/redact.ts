/**
 * Secret redaction for prompt and error text, applied before anything is
 * written (ledger, spool, backups). A match is replaced by a marker naming
 * the kind of secret, so a reader knows something was removed and why.
 */
import { TrackerError } from '../errors.ts';

export interface RedactionSettings {
  enabled: boolean;
  /** Extra regular expressions (as text) whose matches are redacted too. */
  extra_patterns: readonly string[];
}

interface SecretPattern {
  kind: string;
  pattern: RegExp;
  /**
   * Every match contains one of these: text without any of them is left
   * alone without running the pattern, which V8 would first have to compile
   * (ten patterns: most of the regular-expression work of a `record` call).
   */
  clues: readonly string[];
  /** Keeps a prefix of the match (like `Bearer ` or `https://user:`) so the text still reads. */
  keep?: (match: string, ...groups: string[]) => string;
}

// Order matters: the more specific key formats run before the generic ones.
export const _SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    kind: 'private-key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    clues: ['-----BEGIN '],
  },
  { kind: 'anthropic-key', pattern: /\bsk-ant-[A-Za-z0-9_-]{8,}/g, clues: ['sk-ant-'] },
  { kind: 'openai-key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, clues: ['sk-'] },
  { kind: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{30,}/g, clues: ['AIza'] },
  { kind: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})/g, clues: ['gh', 'github_pat_'] },
  { kind: 'aws-access-key', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, clues: ['AKIA', 'ASIA'] },
  { kind: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, clues: ['xox'] },
  {
    kind: 'authorization-header',
    pattern: /\b(Authorization:\s*(?:Basic|Bearer|Token)\s+)[^\s"']+/gi,
    // Case-insensitive: letters may match other cases (even ı or K), but a colon is a colon.
    clues: [':'],
    keep: (_match, prefix) => prefix,
  },
  {
    kind: 'bearer-token',
    pattern: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/g,
    clues: ['Bearer'],
    keep: (_match, prefix) => prefix,
  },
  {
    kind: 'url-password',
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi,
    clues: ['://'],
    keep: (_match, prefix) => prefix,
  },
];

function marker(kind: string): string {
  return `[REDACTED:${kind}]`;
}

/** Compiles the user's extra patterns once; a bad one is a config error naming it. */
export function compileExtraPatterns(patterns: readonly string[]): RegExp[] {
  return patterns.map((source, index) => {
    try {
      return new RegExp(source, 'g');
    } catch (error) {
      throw new TrackerError('INVALID_CONFIG', `redaction.extra_patterns[${index}]: ${JSON.stringify(source)} is not a valid regular expression`, {
        hint: 'Use JavaScript regular expression syntax, with backslashes doubled inside JSON.',
        cause: error,
      });
    }
  });
}

/** The text with every known secret (and every extra-pattern match) replaced by a marker. */
export function redactSecrets(text: string, settings: RedactionSettings): string {
  if (!settings.enabled || text === '') return text;
  let redacted = text;
  for (const { kind, pattern, clues, keep } of _SECRET_PATTERNS) {
    if (!clues.some((clue) => redacted.includes(clue))) continue;
    redacted = redacted.replace(pattern, (match: string, ...groups: string[]) => `${keep ? keep(match, ...groups) : ''}${marker(kind)}`);
  }
  for (const pattern of compileExtraPatterns(settings.extra_patterns)) {
    redacted = redacted.replace(pattern, (match) => (match === '' ? match : marker('custom')));
  }
  return redacted;
}
