/**
 * PromQL query templates with `{namespace}`, `{deployment}` and `{window}` placeholders.
 *
 * `{namespace}` and `{deployment}` may appear only inside a quoted label value, where they are
 * escaped for that string (and, after `=~`/`!~`, for the regular expression too), so a name can
 * never change the shape of the query. `{window}` (the rate window, e.g. `2m`) is ours, not the
 * user's, and goes where a range duration goes: `rate(x[{window}])`. Pure.
 */
import { Annotations } from '../model/annotations.js';

export interface TemplateValues {
  namespace: string;
  deployment?: string;
  /** A Prometheus duration such as `2m`. */
  window: string;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const NAMED = ['namespace', 'deployment'] as const;
const WINDOW = /^(\d+(ms|s|m|h|d|w|y))+$/;

/** RE2 metacharacters, escaped so a name matches itself literally. */
function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** Escapes for a PromQL string literal delimited by `quote`. Raw (backtick) strings cannot escape. */
function escapeString(value: string, quote: string): string {
  if (quote === '`') {
    if (value.includes('`')) throw new TemplateError('a value containing a backtick cannot go inside a `raw` string');
    return value;
  }
  return value
    .replace(/\\/g, '\\\\')
    .replace(quote === '"' ? /"/g : /'/g, `\\${quote}`)
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

/** True when the text before a string literal ends with a regex matcher (`=~`, `!~`). */
function precededByRegexMatcher(text: string, quoteIndex: number): boolean {
  const before = text.slice(0, quoteIndex).trimEnd();
  return before.endsWith('=~') || before.endsWith('!~');
}

/** Renders a template; throws TemplateError with a clear message when it is unusable. */
export function renderTemplate(template: string, values: TemplateValues): string {
  if (typeof template !== 'string' || template.trim().length === 0) throw new TemplateError('the query is empty');
  if (!WINDOW.test(values.window)) throw new TemplateError(`rate window ${JSON.stringify(values.window)} is not a duration`);
  let out = '';
  let quote: string | undefined;
  let regex = false;
  for (let i = 0; i < template.length; ) {
    const ch = template[i];
    if (quote !== undefined) {
      if (ch === '\\' && quote !== '`') {
        out += template.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (ch === quote) {
        quote = undefined;
        out += ch;
        i++;
        continue;
      }
      const name = NAMED.find((n) => template.startsWith(`{${n}}`, i));
      if (name) {
        const value = values[name];
        if (value === undefined) throw new TemplateError(`placeholder {${name}} has no value in this query`);
        out += escapeString(regex ? escapeRegex(value) : value, quote);
        i += name.length + 2;
        continue;
      }
      out += ch;
      i++;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      quote = ch;
      regex = precededByRegexMatcher(template, i);
      out += ch;
      i++;
      continue;
    }
    if (template.startsWith('{window}', i)) {
      out += values.window;
      i += '{window}'.length;
      continue;
    }
    const misplaced = NAMED.find((n) => template.startsWith(`{${n}}`, i));
    if (misplaced) throw new TemplateError(`placeholder {${misplaced}} must be inside a quoted label value, e.g. ${misplaced === 'namespace' ? 'namespace' : 'service'}="{${misplaced}}"`);
    out += ch;
    i++;
  }
  if (quote !== undefined) throw new TemplateError(`unterminated string literal (missing closing ${quote})`);
  return out;
}

/** Checks a user-written template (e.g. the `smartscale.io/rps-query` annotation) without a workload. */
export function validateTemplate(template: string): string | undefined {
  try {
    renderTemplate(template, { namespace: 'ns', deployment: 'deploy', window: '1m' });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * What is wrong with a `smartscale.io/rps-query` that cannot be rendered (a placeholder outside
 * quotes, an unterminated string), in the words the webhook answers with and the forecaster's
 * Event uses; undefined for a usable one. The forecaster reads no demand with such a query — it
 * does not fall back to the preset, whose series the user said is not this Deployment's demand.
 */
export function rpsQueryProblem(query: string): string | undefined {
  const why = validateTemplate(query);
  return why === undefined ? undefined : `${Annotations.rpsQuery} is unusable (${why}): no forecast is made until it is fixed`;
}
