// The history page: the runs kept on this device, a chart per week, export, import and delete.
// The rules (weeks, file formats, import checks) live in history-data.js; this module only reads
// the store and draws. Without script the page says why it is empty (history.html).

import './app.js';
import {
  CHART_WEEKS,
  changeScale,
  exportDocument,
  exportFileName,
  newestFirst,
  parseImport,
  toCsv,
  weeklySummary,
} from './history-data.js';
import {
  appData, formatDate, formatDateTime, formatNumber, formatSeconds, locale, t,
} from './i18n.js';
import { download, element } from './dom.js';
import { askForPin } from './pin.js';
import { setUpSummary } from './session-summary.js';
import { NOTES } from './plan-data.js';
import { allRuns, clearNotes, clearRuns, mergeRuns } from './store.js';

const SVG = 'http://www.w3.org/2000/svg';
const titles = Object.fromEntries(appData.exercises.map((exercise) => [exercise.id, exercise.title]));
const byId = (id) => document.getElementById(id);

const elements = {
  root: byId('history'),
  more: byId('history-more'),
  moreWrap: byId('history-more-wrap'),
  weeks: byId('history-weeks'),
  chart: byId('history-chart'),
  empty: byId('history-empty'),
  runs: byId('history-runs'),
  status: byId('history-status'),
  exportJson: byId('export-json'),
  exportCsv: byId('export-csv'),
  importFile: byId('import-file'),
  deleteAll: byId('delete-all'),
  confirm: byId('delete-confirm'),
  deleteYes: byId('delete-yes'),
  deleteCancel: byId('delete-cancel'),
};

function svg(name, attributes = {}, text = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

function say(message) {
  elements.status.textContent = message;
}

function formatChange(change) {
  return formatNumber(change, { maximumFractionDigits: 1, signDisplay: 'exceptZero' });
}

function formatRating(rating) {
  return Number.isInteger(rating) ? formatNumber(rating) : '–';
}

// The list -----------------------------------------------------------------------------------

function runItem(run) {
  const item = element('li', { class: `history-run history-run-${run.status}` });
  item.append(
    element('span', { class: 'history-run-title' }, titles[run.exercise] ?? t('unknown_exercise')),
    element('time', { class: 'history-run-time', datetime: run.startedAt },
      formatDateTime(new Date(run.startedAt))),
  );
  if (run.set) {
    const title = setTitles.get(run.set);
    item.append(element('span', { class: 'history-run-set' },
      title ? t('history_in_set', { title }) : t('history_from_set')));
  }
  const status = run.status === 'completed' ? t('completed') : t('stopped_short');
  item.append(element('span', { class: 'history-run-meta' }, `${formatSeconds(run.seconds)} · ${status}`));
  if (Number.isInteger(run.before) || Number.isInteger(run.after)) {
    item.append(element('span', { class: 'history-run-rating' },
      t('before_after', { before: formatRating(run.before), after: formatRating(run.after) })));
  }
  return item;
}

// The newest runs first, a page at a time: a long history stays quick to read, and what comes
// after the list stays in reach.
const PAGE = 10;
let shown = PAGE;

function renderList(runs) {
  const sorted = newestFirst(runs);
  elements.runs.replaceChildren(...sorted.slice(0, shown).map(runItem));
  elements.runs.hidden = runs.length === 0;
  elements.empty.hidden = runs.length > 0;
  elements.empty.textContent = runs.length ? '' : t('no_runs');
  const left = sorted.length - shown;
  elements.moreWrap.hidden = left <= 0;
  elements.more.textContent = t('show_more', { count: formatNumber(Math.min(PAGE, left)), left: formatNumber(left) });
}

function showMore() {
  const first = elements.runs.children.length;
  shown += PAGE;
  renderList(current);
  // Focus the first run that appeared, so a keyboard user carries on where the list grew.
  const next = elements.runs.children[first];
  if (next) {
    next.tabIndex = -1;
    next.focus();
  }
}

// The chart ----------------------------------------------------------------------------------

// One drawing in viewBox units; the SVG scales to the width of the page.
const WIDTH = 320;
const HEIGHT = 246;
const LEFT = 32;
const RIGHT = WIDTH - 4;
const COLUMN = (RIGHT - LEFT) / CHART_WEEKS;
const BARS = { top: 20, bottom: 112 };
const CHANGE = { zero: 174, reach: 38 };
const LABELS_Y = 230;
const monthFormat = new Intl.DateTimeFormat(locale, { month: 'short' });

function chartSvg(summary) {
  const total = summary.reduce((sum, week) => sum + week.count, 0);
  const drawing = svg('svg', {
    class: 'history-chart-svg',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-labelledby': 'chart-title chart-desc',
  });
  drawing.append(
    svg('title', { id: 'chart-title' }, t('chart_title', { weeks: CHART_WEEKS })),
    svg('desc', { id: 'chart-desc' }, t('chart_desc', { count: formatNumber(total) })),
  );

  const most = Math.max(1, ...summary.map((week) => week.count));
  const barWidth = Math.round(COLUMN * 0.55);
  const scale = changeScale(summary);
  const changeY = (change) => CHANGE.zero - (change / scale) * CHANGE.reach;

  drawing.append(
    svg('line', { class: 'history-chart-axis', x1: LEFT, x2: RIGHT, y1: BARS.bottom, y2: BARS.bottom }),
    svg('line', { class: 'history-chart-zero', x1: LEFT, x2: RIGHT, y1: CHANGE.zero, y2: CHANGE.zero }),
  );
  for (const [value, y] of [[scale, changeY(scale)], [0, CHANGE.zero], [-scale, changeY(-scale)]]) {
    drawing.append(svg('text', { class: 'history-chart-scale', x: LEFT - 6, y: y + 3.5 },
      formatChange(value)));
  }

  const points = [];
  summary.forEach((week, index) => {
    const middle = LEFT + COLUMN * index + COLUMN / 2;
    const height = (week.count / most) * (BARS.bottom - BARS.top);
    drawing.append(svg('rect', {
      class: 'history-chart-bar',
      x: middle - barWidth / 2,
      y: BARS.bottom - height,
      width: barWidth,
      height,
      rx: Math.min(3, height / 2),
      'data-week': week.key,
      'data-count': week.count,
    }));
    if (week.count > 0) {
      drawing.append(svg('text', { class: 'history-chart-value', x: middle, y: BARS.bottom - height - 5 },
        formatNumber(week.count)));
    }
    // Day of the Monday on one line, the month below it where the month changes: eight
    // labels then fit side by side even at 320 pixels.
    const current = index === summary.length - 1 ? ' current' : '';
    drawing.append(svg('text', { class: `history-chart-week${current}`, x: middle, y: LABELS_Y },
      formatNumber(week.start.getDate())));
    if (index === 0 || week.start.getMonth() !== summary[index - 1].start.getMonth()) {
      drawing.append(svg('text', { class: 'history-chart-month', x: middle, y: LABELS_Y + 12 },
        monthFormat.format(week.start)));
    }
    points.push(week.change === null ? null : [middle, changeY(week.change), week]);
  });

  // The line joins neighbouring weeks only; a week without ratings leaves a gap.
  for (let i = 1; i < points.length; i += 1) {
    if (points[i - 1] && points[i]) {
      const [[x1, y1], [x2, y2]] = [points[i - 1], points[i]];
      drawing.append(svg('line', { class: 'history-chart-line', x1, y1, x2, y2 }));
    }
  }
  for (const point of points.filter(Boolean)) {
    const [x, y, week] = point;
    drawing.append(
      svg('circle', {
        class: 'history-chart-dot', cx: x, cy: y, r: 4.5,
        'data-week': week.key, 'data-change': week.change,
      }),
      // Above a dot over the zero line, below one under it: a label never sits on the line.
      svg('text', { class: 'history-chart-value change', x, y: week.change < 0 ? y + 15 : y - 8 },
        formatChange(week.change)),
    );
  }
  return drawing;
}

function chartLegend() {
  const legend = element('figcaption', { class: 'history-legend' });
  const list = element('ul');
  for (const [kind, label] of [['bars', t('chart_runs')], ['change', t('chart_change')]]) {
    const item = element('li');
    item.append(element('span', { class: `history-swatch ${kind}`, 'aria-hidden': 'true' }), label);
    list.append(item);
  }
  legend.append(list);
  return legend;
}

function chartTable(summary) {
  const table = element('table', { id: 'history-chart-table' });
  table.append(element('caption', {}, t('chart_title', { weeks: CHART_WEEKS })));
  const head = element('tr');
  for (const label of [t('chart_week'), t('chart_runs'), t('chart_change')]) {
    head.append(element('th', { scope: 'col' }, label));
  }
  table.append(element('thead'));
  table.tHead.append(head);
  const body = element('tbody');
  for (const week of summary) {
    const row = element('tr', { 'data-week': week.key });
    row.append(
      element('th', { scope: 'row' }, t('week_of', { date: formatDate(week.start) })),
      element('td', {}, formatNumber(week.count)),
      element('td', {}, week.change === null ? t('chart_no_change') : formatChange(week.change)),
    );
    body.append(row);
  }
  table.append(body);
  // A table sizes itself to its content, so the visually hidden box is a wrapper around it.
  const wrapper = element('div', { class: 'history-sr-only' });
  wrapper.append(table);
  return wrapper;
}

function renderChart(runs) {
  elements.weeks.hidden = runs.length === 0;
  if (!runs.length) {
    elements.chart.replaceChildren();
    return;
  }
  const summary = weeklySummary(runs, new Date());
  elements.chart.replaceChildren(chartSvg(summary), chartLegend(), chartTable(summary));
}

// Reading and writing --------------------------------------------------------------------------

let current = [];
// Runs of a therapist's set say which set, by its title while it is kept (sets.js, loaded
// only for a history that has such runs).
let setTitles = new Map();

async function render() {
  current = await allRuns();
  if (current.some((run) => run.set)) {
    const { keptSets } = await import('./sets.js');
    setTitles = new Map((await keptSets()).map((record) => [record.id, record.set.title]));
  }
  renderList(current);
  renderChart(current);
  elements.exportJson.disabled = current.length === 0;
  elements.exportCsv.disabled = current.length === 0;
}

function exportAs(kind) {
  const now = new Date();
  const name = exportFileName(kind, now);
  if (kind === 'json') {
    download(name, new Blob([`${JSON.stringify(exportDocument(current, now), null, 2)}\n`], { type: 'application/json' }));
  } else {
    download(name, new Blob([toCsv(newestFirst(current))], { type: 'text/csv;charset=utf-8' }));
  }
  say(t('exported', { name }));
}

function importReason(result) {
  if (result.reason === 'not_json') return t('import_not_json');
  if (result.reason === 'bad_run') return t('import_bad_run', { n: formatNumber(result.n) });
  return t('import_wrong_shape');
}

async function importFile(file) {
  let text = '';
  try {
    text = await file.text();
  } catch {
    // An unreadable file is reported like any other file that is not an export.
  }
  const result = parseImport(text);
  if (!result.ok) {
    say(t('import_error', { reason: importReason(result) }));
    return;
  }
  try {
    const added = await mergeRuns(result.runs);
    say(t('imported', { count: formatNumber(added), skipped: formatNumber(result.runs.length - added) }));
  } catch (error) {
    console.error('Houvast: the import could not be stored', error);
    say(t('storage_error'));
  }
  await render();
}

function showConfirm(open) {
  elements.confirm.hidden = !open;
  elements.deleteAll.setAttribute('aria-expanded', String(open));
  if (open) {
    say('');
    elements.deleteCancel.focus();
  }
}

async function deleteEverything() {
  showConfirm(false);
  try {
    await clearRuns();
    // The plan for hard moments keeps its words (they are notes too): it has its own page.
    await clearNotes(Object.values(NOTES));
    say(t('deleted'));
  } catch (error) {
    console.error('Houvast: the history could not be deleted', error);
    say(t('storage_error'));
  }
  await render();
  elements.deleteAll.focus();
}

async function start() {
  await askForPin(elements.root); // with a PIN, the history shows once it is given
  try {
    await render();
  } catch (error) {
    // IndexedDB can be missing or refused (some private windows): say so, offer nothing to press.
    console.warn('Houvast: no history store here', error);
    elements.empty.hidden = false;
    elements.empty.textContent = t('storage_unavailable');
    for (const control of [elements.exportJson, elements.exportCsv, elements.importFile, elements.deleteAll]) {
      control.disabled = true;
    }
    return;
  } finally {
    elements.root.classList.add('ready');
  }
  elements.more.addEventListener('click', showMore);
  elements.exportJson.addEventListener('click', () => exportAs('json'));
  elements.exportCsv.addEventListener('click', () => exportAs('csv'));
  elements.importFile.addEventListener('change', async () => {
    const [file] = elements.importFile.files;
    if (file) await importFile(file);
    elements.importFile.value = ''; // so choosing the same file again imports again
  });
  elements.deleteAll.addEventListener('click', () => showConfirm(elements.confirm.hidden));
  elements.deleteCancel.addEventListener('click', () => {
    showConfirm(false);
    elements.deleteAll.focus();
  });
  elements.deleteYes.addEventListener('click', deleteEverything);
  setUpSummary(() => current);
}

start();
