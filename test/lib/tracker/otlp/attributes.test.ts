/** A ledger row in GenAI semantic-convention terms. */
import { describe, expect, it } from 'vitest';
import { OTHER_PROVIDER, logAttributes, providerOfModel, tokenUsagePoints } from '../../../../src/lib/tracker/otlp/attributes.ts';
import { validRecord } from '../../../helpers/records.ts';

describe('providerOfModel', () => {
  it('names the provider of the model families the importers and hooks see', () => {
    expect(providerOfModel('claude-sonnet-4-5-20250929')).toBe('anthropic');
    expect(providerOfModel('us.anthropic.claude-3-7-sonnet-20250219-v1:0')).toBe('anthropic');
    expect(providerOfModel('gpt-5-codex')).toBe('openai');
    expect(providerOfModel('o3-mini')).toBe('openai');
    expect(providerOfModel('gemini-2.5-pro')).toBe('gcp.gemini');
    expect(providerOfModel('devstral-medium')).toBe('mistral_ai');
    expect(providerOfModel('')).toBe(OTHER_PROVIDER);
    expect(providerOfModel('local-llama')).toBe(OTHER_PROVIDER);
  });
});

describe('tokenUsagePoints', () => {
  it('gives an input and an output point when the split is known, none when it is not', () => {
    const points = tokenUsagePoints(validRecord());
    expect(points.map((point) => [point.attributes['gen_ai.token.type'], point.value])).toEqual([
      ['input', 1000],
      ['output', 250],
    ]);
    expect(tokenUsagePoints(validRecord({ input_tokens: null, output_tokens: null, cache_creation_tokens: null, cache_read_tokens: null }))).toEqual([]);
  });

  it('leaves the model out when the row has none', () => {
    expect(tokenUsagePoints(validRecord({ model: '' }))[0]?.attributes).not.toHaveProperty('gen_ai.request.model');
  });
});

describe('the user column', () => {
  it('puts the user on log records and metric points, and leaves an empty one out', () => {
    const record = validRecord({ user: 'alice' });
    expect(logAttributes(record)['token_ledger.user']).toBe('alice');
    expect(tokenUsagePoints(record).map((point) => point.attributes['token_ledger.user'])).toEqual(['alice', 'alice']);
    expect(logAttributes(validRecord({ user: '' }))).not.toHaveProperty('token_ledger.user');
  });
});
