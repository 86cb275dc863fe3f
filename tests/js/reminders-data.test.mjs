import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readNeutral, scheduleForServer } from '../../pwa/js/online/reminders-data.js';

const reminder = (id, time) => ({ id, days: [3, 1], time, target: { type: 'exercise', id: 'grounding' } });

test('the schedule sent to the server carries the discreet-texts choice and no device ids', () => {
  const sent = scheduleForServer([reminder('b', '20:00'), reminder('a', '08:30')], 'Europe/Amsterdam', 'nl', true);
  assert.deepEqual(sent, {
    timezone: 'Europe/Amsterdam',
    locale: 'nl',
    neutral: true,
    reminders: [
      { days: [3, 1], time: '08:30', target: { type: 'exercise', id: 'grounding' } },
      { days: [3, 1], time: '20:00', target: { type: 'exercise', id: 'grounding' } },
    ],
  });
  assert.equal(scheduleForServer([], 'UTC', 'en', 'yes').neutral, false, 'only true is true');
});

test('the discreet-texts choice is off unless it was turned on', () => {
  assert.equal(readNeutral('1'), true);
  for (const stored of [null, '', '0', 'true']) assert.equal(readNeutral(stored), false);
});
