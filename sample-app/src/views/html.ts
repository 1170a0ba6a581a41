/**
 * A tiny HTML template: `html` is a tagged template that escapes every interpolated value unless
 * it is already `SafeHtml` (the result of another `html` template, or of `trusted()` on a
 * constant). Escaping is therefore the default and cannot be forgotten: a User-Agent or a
 * username can never become markup. Attribute values must be written in double quotes.
 */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What a template accepts: text (escaped), numbers, safe HTML, nothing, or a list of these. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for use in element content and in double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char]!);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\``: builds HTML, escaping each value (`false`/`null`/`undefined` render nothing). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i += 1) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Marks a constant written in the source (the stylesheet, an icon) as HTML. Never pass data to it. */
export function trusted(constant: string): SafeHtml {
  return new SafeHtml(constant);
}
