// Small helpers for building the page, shared by every script.

export const $ = (id) => document.getElementById(id);

/** A new element with attributes (`true` sets an empty one) and, optionally, its text. */
export function element(tag, attributes = {}, text = '') {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, value === true ? '' : String(value));
  }
  if (text !== '' && text !== null) node.textContent = text;
  return node;
}

/** Save `blob` as a file called `name` (a download the browser shows). */
export function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const link = element('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // Give the browser time to start the download before the URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
