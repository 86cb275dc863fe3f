// "Summary for your session": a view of the history page (#summary) with the last weeks'
// figures, to show on the phone or print on one A4 page (app.css, @media print). Made from the
// runs history.js has already read (and opened, with a PIN); nothing leaves the device.

import { sessionSummary } from './history-data.js';
import { appData, formatDate, formatNumber, t } from './i18n.js';
import { $, element } from './dom.js';
import { CARE } from './plan-data.js';
import { loadPlan } from './plan-store.js';

const titles = Object.fromEntries(appData.exercises.map((exercise) => [exercise.id, exercise.title]));
const one = (value) => (value === null ? '–' : formatNumber(value, { maximumFractionDigits: 1 }));

function table(caption, headings, rows) {
  const found = element('table', { class: 'summary-table' });
  found.append(element('caption', {}, caption));
  const head = element('tr');
  for (const heading of headings) head.append(element('th', { scope: 'col' }, heading));
  found.append(element('thead'), element('tbody'));
  found.tHead.append(head);
  for (const [label, ...cells] of rows) {
    const row = element('tr');
    row.append(element('th', { scope: 'row' }, label), ...cells.map((cell) => element('td', {}, cell)));
    found.tBodies[0].append(row);
  }
  // Wider than a small screen with large text, it scrolls sideways in a box of its own, which
  // the keyboard can reach and scroll too.
  const box = element('div', { class: 'summary-scroll', tabindex: '0', role: 'group', 'aria-label': caption });
  box.append(found);
  return box;
}

function draw(runs) {
  const weeks = Number($('summary-weeks').value);
  const now = new Date();
  const summary = sessionSummary(runs, now, weeks);
  $('summary-period').textContent = t('sum_period', {
    from: formatDate(summary.from), to: formatDate(now), year: formatNumber(now.getFullYear(), { useGrouping: false }),
  });
  const figures = $('summary-figures');
  if (!summary.count) {
    figures.replaceChildren(element('p', {}, t('sum_none')));
    return;
  }
  const totals = [t('sum_total', {
    count: formatNumber(summary.count), completed: formatNumber(summary.completed),
    stopped: formatNumber(summary.stopped), days: formatNumber(summary.days),
  })];
  if (summary.rated) {
    totals.push(t('sum_rated', {
      count: formatNumber(summary.rated), before: one(summary.before), after: one(summary.after),
    }));
  }
  const times = (row) => (row.stopped
    ? t('sum_times_stopped', { count: formatNumber(row.count), stopped: formatNumber(row.stopped) })
    : formatNumber(row.count));
  figures.replaceChildren(
    ...totals.map((line) => element('p', { class: 'summary-total' }, line)),
    table(t('sum_exercises'), [t('sum_exercise'), t('sum_times'), t('sum_before'), t('sum_after')],
      summary.exercises.map((row) => [
        titles[row.id] ?? t('unknown_exercise'), times(row), one(row.before), one(row.after),
      ])),
    table(t('sum_weeks'), [t('chart_week'), t('sum_times'), t('sum_change')],
      summary.weeks.map((week) => [
        formatDate(week.start), formatNumber(week.count),
        week.change === null ? '–'
          : formatNumber(week.change, { maximumFractionDigits: 1, signDisplay: 'exceptZero' }),
      ])),
  );
}

/** The plan for hard moments, when the person chose to add it: as a list to read and print. */
async function drawPlan() {
  const parts = $('summary-plan-parts');
  if (!$('summary-plan').checked) {
    parts.replaceChildren();
    return;
  }
  const { plan } = await loadPlan();
  if (!$('summary-plan').checked) return; // unticked meanwhile
  const list = element('dl', { class: 'summary-plan' });
  const add = (label, text) => {
    if (text) list.append(element('dt', {}, label), element('dd', { class: 'plan-words' }, text));
  };
  add(t('plan_too_much'), plan.signs.tooMuch);
  add(t('plan_too_little'), plan.signs.tooLittle);
  add(t('plan_helps'), [plan.exercises.map((id) => titles[id]).filter(Boolean).join(', '), plan.helps]
    .filter(Boolean).join('\n'));
  add(t('plan_people'), plan.people.map((person) => `${person.name}: ${person.number}`).join('\n'));
  add(t('plan_care'), CARE.filter((name) => plan.care[name].number)
    .map((name) => `${t(`plan_care_${name}`)}: ${[plan.care[name].name, plan.care[name].number].filter(Boolean).join(', ')}`)
    .join('\n'));
  parts.replaceChildren(element('h3', {}, t('sum_plan')), list);
}

/** Show the summary while the address ends in #summary, the history otherwise. */
export function setUpSummary(getRuns) {
  const section = $('summary');
  const show = () => {
    const on = location.hash === '#summary';
    document.documentElement.classList.toggle('showing-summary', on);
    section.hidden = !on;
    if (on) {
      draw(getRuns());
      drawPlan().catch((error) => console.error('Houvast: the plan could not be read', error));
      $('summary-heading').focus();
    }
  };
  // Another period is read out.
  const period = $('summary-period');
  period.setAttribute('aria-live', 'polite');
  period.setAttribute('aria-atomic', 'true');
  $('summary-weeks').addEventListener('change', () => draw(getRuns()));
  $('summary-plan').addEventListener('change', () => {
    drawPlan().catch((error) => console.error('Houvast: the plan could not be read', error));
  });
  $('summary-print').addEventListener('click', () => window.print());
  window.addEventListener('hashchange', show);
  show();
}
