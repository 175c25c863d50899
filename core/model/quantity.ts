/**
 * Kubernetes resource quantities (`100m`, `0.5`, `1Gi`, `512Mi`, `1G`, `1e3`, `2k`), parsed exactly.
 *
 * Quantities are held as exact rationals while parsing and converted to integers in the unit the
 * rest of smartscale computes in (milli-CPU, bytes, counts), rounding up the way the API server does
 * for requests. Summing thousands of pods then never drifts, which floating point would.
 */

export class QuantityError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`invalid quantity ${JSON.stringify(input)}: ${reason}`);
    this.name = 'QuantityError';
  }
}

/** An exact, non-negative-or-negative rational value: numerator / denominator (denominator > 0). */
export interface ExactQuantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const BINARY_SUFFIXES: Record<string, bigint> = {
  Ki: 1024n,
  Mi: 1024n ** 2n,
  Gi: 1024n ** 3n,
  Ti: 1024n ** 4n,
  Pi: 1024n ** 5n,
  Ei: 1024n ** 6n,
};

/** Decimal SI suffixes as a power of ten. */
const DECIMAL_SUFFIXES: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

// sign, digits with optional fraction, then a suffix or an exponent; mirrors the API server's grammar.
const QUANTITY_PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

const MAX_INPUT_LENGTH = 64;
const MAX_EXPONENT = 30;

function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

export function parseExactQuantity(input: string): ExactQuantity {
  if (typeof input !== 'string') throw new QuantityError(String(input), 'not a string');
  const text = input.trim();
  if (text.length === 0) throw new QuantityError(input, 'empty');
  if (text.length > MAX_INPUT_LENGTH) throw new QuantityError(input.slice(0, MAX_INPUT_LENGTH) + '…', 'too long');
  const match = QUANTITY_PATTERN.exec(text);
  if (!match) {
    throw new QuantityError(input, 'expected a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, …) or exponent');
  }
  const [, sign, digits, exponentPart, suffix] = match;
  const [whole, fraction = ''] = digits.split('.');
  let numerator = BigInt((whole || '0') + fraction);
  let denominator = pow10(fraction.length);
  let exponent = 0;
  if (exponentPart) {
    exponent = Number(exponentPart.slice(1));
    if (!Number.isFinite(exponent) || Math.abs(exponent) > MAX_EXPONENT) {
      throw new QuantityError(input, `exponent out of range (|e| ≤ ${MAX_EXPONENT})`);
    }
  } else if (suffix !== undefined && suffix in BINARY_SUFFIXES) {
    numerator *= BINARY_SUFFIXES[suffix];
  } else {
    exponent = DECIMAL_SUFFIXES[suffix ?? ''];
  }
  if (exponent > 0) numerator *= pow10(exponent);
  if (exponent < 0) denominator *= pow10(-exponent);
  if (sign === '-') numerator = -numerator;
  return { numerator, denominator };
}

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  return numerator % denominator > 0n ? quotient + 1n : quotient;
}

function toSafeInteger(value: bigint, input: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new QuantityError(input, 'too large');
  }
  return Number(value);
}

/** Parses a quantity into integer milli-units (CPU: `100m` → 100, `2` → 2000), rounding up. */
export function parseMilli(input: string): number {
  const q = parseExactQuantity(input);
  return toSafeInteger(ceilDiv(q.numerator * 1000n, q.denominator), input);
}

/** Parses a quantity into an integer count of base units (memory bytes, pods, GPUs), rounding up. */
export function parseUnits(input: string): number {
  const q = parseExactQuantity(input);
  return toSafeInteger(ceilDiv(q.numerator, q.denominator), input);
}

/** Parses a non-negative quantity; negative values are an error for requests and capacities. */
export function parseNonNegativeMilli(input: string): number {
  const value = parseMilli(input);
  if (value < 0) throw new QuantityError(input, 'must not be negative');
  return value;
}

export function parseNonNegativeUnits(input: string): number {
  const value = parseUnits(input);
  if (value < 0) throw new QuantityError(input, 'must not be negative');
  return value;
}

/**
 * A non-negative quantity from an object someone else wrote (a pod's requests, a node's
 * allocatable) as whole units; undefined when absent or unreadable, for callers that skip such a
 * value rather than fail.
 */
export function readNonNegativeUnits(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  try {
    return parseNonNegativeUnits(String(raw));
  } catch {
    return undefined;
  }
}

/** Formats milli-units the way kubectl shows CPU: whole cores without a suffix, else `m`. */
export function formatMilli(milli: number): string {
  if (!Number.isInteger(milli)) throw new RangeError(`milli value must be an integer, got ${milli}`);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

const BINARY_FORMAT_ORDER: Array<[string, number]> = [
  ['Ei', 1024 ** 6],
  ['Pi', 1024 ** 5],
  ['Ti', 1024 ** 4],
  ['Gi', 1024 ** 3],
  ['Mi', 1024 ** 2],
  ['Ki', 1024],
];

/** Formats bytes with the largest binary suffix that represents them exactly (`1073741824` → `1Gi`). */
export function formatBytes(bytes: number): string {
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`byte count must be a safe integer, got ${bytes}`);
  if (bytes === 0) return '0';
  for (const [suffix, size] of BINARY_FORMAT_ORDER) {
    if (bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
