// The start page of a static export: go to the language chosen before, else the browser's.

const choices = [...document.querySelectorAll('main a[hreflang]')];
const byLocale = new Map(choices.map((link) => [link.hreflang, link.href]));
const remembered = localStorage.getItem('houvast.locale');
const preferred = [remembered, ...navigator.languages.map((tag) => tag.toLowerCase().split('-')[0])];
const target = preferred.find((locale) => byLocale.has(locale)) ?? choices[0]?.hreflang;
if (target) location.replace(byLocale.get(target));
