import { escapeHtml, html, withParagraph, xhtmlNarrative } from './xhtml-narrative.js';

const DIV = '<div xmlns="http://www.w3.org/1999/xhtml">';

describe('xhtmlNarrative', () => {
  it.each([
    ['a paragraph of text, escaped', [['Jan & <Piet>']], `${DIV}<p>Jan &#38; &#60;Piet&#62;</p></div>`],
    [
      'markup from html``, its values escaped',
      [[html`<b>${'"x"'}</b> en ${3}`]],
      `${DIV}<p><b>&#34;x&#34;</b> en 3</p></div>`,
    ],
    [
      'a list after the paragraphs',
      [['a'], ["l'un", html`<i>${'<b>'}</i>`]],
      `${DIV}<p>a</p><ul><li>l&#39;un</li><li><i>&#60;b&#62;</i></li></ul></div>`,
    ],
    ['no list when there are no items', [['a', 'b'], []], `${DIV}<p>a</p><p>b</p></div>`],
  ] as const)('%s', (_name, args, div) => {
    const [paragraphs, items] = args as unknown as Parameters<typeof xhtmlNarrative>;
    expect(xhtmlNarrative(paragraphs, items)).toEqual({ status: 'generated', div });
  });

  it('nests markup without escaping it twice', () => {
    const inner = html`<b>${'a<b'}</b>`;
    expect(html`<p>${inner}</p>`.html).toBe('<p><b>a&#60;b</b></p>');
  });
});

describe('withParagraph', () => {
  it('adds a paragraph at the end of a narrative', () => {
    expect(withParagraph(`${DIV}<p>a</p></div>`, 'b & c').div).toBe(`${DIV}<p>a</p><p>b &#38; c</p></div>`);
  });
  it.each([undefined, '', 'not a div'])('starts anew from %p', (div) => {
    expect(withParagraph(div, 'b').div).toBe(`${DIV}<p>b</p></div>`);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters with a meaning in XHTML and nothing else', () => {
    expect(escapeHtml(`&<>"' ë/`)).toBe('&#38;&#60;&#62;&#34;&#39; ë/');
  });
});
