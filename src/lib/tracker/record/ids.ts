/**
 * Identifiers for newly recorded rows: a UUIDv7 (RFC 9562) transaction id,
 * time-ordered so ids sort with the ledger, and an execution id.
 *
 * These are names, not secrets, so the random bits come from Math.random,
 * which V8 seeds from the operating system in every process. node:crypto
 * would cost the hook path ~3 ms of OpenSSL start-up on every call, an
 * eighth of a bare Node start.
 */

function randomHex(digits: number): string {
  let text = '';
  while (text.length < digits) text += Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return text.slice(0, digits);
}

/** A UUIDv7: 48 bits of Unix milliseconds, the version, 74 random bits and the variant. */
export function newTransactionId(now: Date): string {
  const millis = now.getTime().toString(16).padStart(12, '0').slice(-12);
  const random = randomHex(19);
  const variant = ((Number.parseInt(random[3] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${millis.slice(0, 8)}-${millis.slice(8)}-7${random.slice(0, 3)}-${variant}${random.slice(4, 7)}-${random.slice(7, 19)}`;
}

/** An agent execution id for a record whose caller named none. */
export function newExecutionId(): string {
  return `exec-${randomHex(16)}`;
}
