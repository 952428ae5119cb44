/**
 * A deliberately tiny XML reader for manifests we generate ourselves: elements, attributes in
 * double quotes, text inside elements (`<Label>`, `<BaseURL>`), one XML declaration. Anything
 * else (comments, text outside the root, unbalanced or mis-nested tags, duplicate attributes, a
 * stray `<` or `&`) throws, which is what a well-formedness check of an MPD needs. No dependency added for it.
 */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Text content, entities left as written. */
  text: string;
}

const TAG = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"<]*")*)\s*(\/?)>/y;
const ATTR = /([A-Za-z_][\w:.-]*)="([^"<]*)"/g;
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

export function parseXml(text: string): XmlElement {
  let pos = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>/.exec(text);
  if (decl !== null) pos = decl[0].length;
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  while (pos < text.length) {
    const ws = /\s*/y;
    ws.lastIndex = pos;
    pos += ws.exec(text)![0].length;
    if (pos >= text.length) break;
    if (text[pos] !== '<' && stack.length > 1) {
      const end = text.indexOf('<', pos);
      const content = text.slice(pos, end < 0 ? text.length : end);
      if (ENTITY.test(content)) throw new Error(`unescaped & in the text of <${stack.at(-1)!.name}>`);
      if (content.includes('>')) throw new Error(`stray > in the text of <${stack.at(-1)!.name}>`);
      stack.at(-1)!.text += content.trimEnd();
      pos += content.length;
      continue;
    }
    TAG.lastIndex = pos;
    const m = TAG.exec(text);
    if (m === null) throw new Error(`not well-formed at offset ${pos}: ${JSON.stringify(text.slice(pos, pos + 40))}`);
    pos = TAG.lastIndex;
    const [, closing, name, rawAttrs, selfClosing] = m;
    const top = stack.at(-1)!;
    if (closing === '/') {
      if (rawAttrs !== '' || selfClosing === '/') throw new Error(`malformed end tag </${name}>`);
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const [, key, value] of rawAttrs!.matchAll(ATTR)) {
      if (key! in attrs) throw new Error(`duplicate attribute ${key} on <${name}>`);
      if (ENTITY.test(value!)) throw new Error(`unescaped & in ${key} on <${name}>`);
      attrs[key!] = value!;
    }
    const el: XmlElement = { name: name!, attrs, children: [], text: '' };
    top.children.push(el);
    if (selfClosing !== '/') stack.push(el);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  if (root.children.length !== 1) throw new Error(`expected one root element, got ${root.children.length}`);
  return root.children[0]!;
}

/** Every descendant element with this name, depth first. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...findAll(c, name)]);
}
