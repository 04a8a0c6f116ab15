import type { Narrative } from '@medplum/fhirtypes';

/** The XHTML namespace FHIR requires on `text.div`. */
const XHTML = 'http://www.w3.org/1999/xhtml';

/** Markup built by `html`: passed on as is. Any other value that reaches the markup is text and is escaped. */
export class Markup {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

/** Text or markup: what a narrative is made of. Plain strings are always escaped. */
export type Content = string | Markup;

/** Text safe inside XHTML (and HTML and SVG): the five characters with a meaning there become character references. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Markup from a template whose every value is escaped unless it is Markup itself:
 * html`<b>${question}</b>` is safe whatever the question says.
 */
export function html(strings: TemplateStringsArray, ...values: (Content | number)[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += (value instanceof Markup ? value.html : escapeHtml(String(value))) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}

const markupOf = (content: Content): string => (content instanceof Markup ? content.html : escapeHtml(content));

/**
 * A generated narrative (`text` of a resource) of paragraphs and an optional list. Every resource
 * the service writes gets its `text` here, so none is built by hand and none forgets to escape.
 */
export function xhtmlNarrative(paragraphs: readonly Content[], listItems: readonly Content[] = []): Narrative {
  const list = listItems.length ? `<ul>${listItems.map((li) => `<li>${markupOf(li)}</li>`).join('')}</ul>` : '';
  return {
    status: 'generated',
    div: `<div xmlns="${XHTML}">${paragraphs.map((p) => `<p>${markupOf(p)}</p>`).join('')}${list}</div>`,
  };
}

/** The narrative with one paragraph added at its end (a narrative this helper did not make starts anew). */
export function withParagraph(div: string | undefined, paragraph: Content): Narrative {
  const base =
    div && div.startsWith('<div') && div.endsWith('</div>') ? div.slice(0, -'</div>'.length) : `<div xmlns="${XHTML}">`;
  return { status: 'generated', div: `${base}<p>${markupOf(paragraph)}</p></div>` };
}
