// Firefox for the engine tests: puppeteer-core drives Debian's firefox-esr over WebDriver BiDi
// (no geckodriver needed), and this script lets pytest use it. One command a line on stdin,
// one answer a line on stdout: {"id", "op", ...} in, {"id", "value"} or {"id", "error"} out.
// Usage: node bridge.mjs /usr/bin/firefox-esr WIDTH HEIGHT

import readline from 'node:readline';

import puppeteer from 'puppeteer-core';

const [executablePath, width, height] = process.argv.slice(2);
const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath,
  headless: true,
  defaultViewport: { width: Number(width), height: Number(height) },
  // No update checks or other calls home: this network refuses them.
  extraPrefsFirefox: { 'app.update.auto': false, 'browser.shell.checkDefaultBrowser': false },
});
let context = null;
let page = null;

/** A fresh browser context (its own storage and service workers) with one page. */
async function fresh() {
  await context?.close();
  context = await browser.createBrowserContext();
  page = await context.newPage();
}

const ops = {
  fresh,
  goto: async ({ url }) => { await page.goto(url, { waitUntil: 'load' }); },
  reload: async () => { await page.reload({ waitUntil: 'load' }); },
  // The function's source comes from the test: it runs in the page, its promise awaited.
  evaluate: ({ script, args }) => page.evaluate(`(${script})(...${JSON.stringify(args)})`),
  click: async ({ selector }) => {
    // Some controls are built by script after the load event: wait for them, as a person does.
    const target = await page.waitForSelector(selector, { timeout: 20000 });
    // As in WebKit (driver.py): a person scrolls a target well into view before tapping it, clear
    // of a notice or the way-out bar at the screen's foot; puppeteer scrolls only to the edge.
    await target.evaluate((node) => node.scrollIntoView({ block: 'center', inline: 'nearest' }));
    await target.click();
  },
  type: async ({ selector, text }) => {
    const field = await page.waitForSelector(selector, { timeout: 5000 });
    await field.evaluate((node) => { node.value = ''; });
    await field.type(text);
  },
  screenshot: async ({ path }) => { await page.screenshot({ path, fullPage: true }); },
};

const answer = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

await fresh();
answer({ id: 0, value: await browser.version() });

// One command at a time, in order: the test waits for each answer before the next.
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  const { id, op, ...args } = JSON.parse(line);
  try {
    answer({ id, value: (await ops[op](args)) ?? null });
  } catch (error) {
    answer({ id, error: String(error?.message ?? error) });
  }
}
await browser.close();
