// URLs come from the server's route table (server/urls.py), never written here: templates in
// app.json for pages, and in a page's own data for the API it uses.

import { appData, pageData } from './i18n.js';

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(values[name]));
}

/** A page of the app in this language ("home", "history", "exercise" with {id}, ...). */
export function url(name, values = {}) {
  return fill(appData.urls[name], values);
}

/** An API endpoint ("devices", "device" with {id}, ...), on pages that use the API. */
export function apiUrl(name, values = {}) {
  return fill(pageData.api[name], values);
}

/** An exercise that starts at once on opening (player.js reads #start), as grounding does from
 * the way out; the plan's exercises start so. */
export function startedExercise(id) {
  return `${url('exercise', { id })}#start`;
}
