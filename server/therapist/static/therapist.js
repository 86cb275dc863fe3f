// The therapist's pages work as plain forms; this adds what only a script can do.

// The operator's link carries its token in the fragment, which no server ever sees: put it
// in the form, and take it out of the address bar and the history.
const token = document.getElementById('password-token');
if (token) {
  document.getElementById('password-needs-script')?.setAttribute('hidden', '');
  const fragment = window.location.hash.slice(1);
  if (fragment) {
    token.value = fragment;
    history.replaceState(null, '', window.location.pathname);
  }
}

// A form that was refused says so first: move the focus to its summary.
document.getElementById('error-summary')?.focus();

for (const button of document.querySelectorAll('[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}

for (const button of document.querySelectorAll('[data-copy]')) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  if (!field || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(field.value || field.textContent.trim());
      if (status) status.textContent = button.dataset.done;
    } catch {
      field.select?.();
    }
  });
}

// Building a set: adding, moving and removing exercises and times happens in place. Each such
// button still sends the form, and the server applies the change and shows the form again (so
// it works the same without a script); here that happens in the background, and only the form
// is replaced: the page keeps its place and the focus goes where the server puts it (the new
// exercise's note, the button just moved). Save is a plain submit. When the answer is not the
// form (signed out meanwhile, say), the form is sent again the plain way, so nothing is lost.
// The form stays open while the answer is on its way: what is typed meanwhile is carried over
// into the new form.
const setForm = document.getElementById('set-form');
let plain = false;

const checkable = (field) => field.type === 'checkbox' || field.type === 'radio';

function snapshot() {
  const values = new Map();
  for (const field of setForm.elements) {
    if (field.id) values.set(field, checkable(field) ? field.checked : field.value);
  }
  return values;
}

// The id a field of this form has in ``fresh``, the form the server sent back: an exercise or
// a time may have moved (the server marks each with the prefix of its fields in the form sent,
// data-was, and now, data-now), or gone (null).
function renaming(fresh) {
  const moved = new Map();
  for (const group of fresh.querySelectorAll('[data-was]')) {
    moved.set(group.dataset.was, group.dataset.now);
  }
  return (field) => {
    const prefix = field.id.match(/^(items|reminders)-\d+-/)?.[0];
    if (!prefix) return field.id;
    return moved.has(prefix) ? moved.get(prefix) + field.id.slice(prefix.length) : null;
  };
}

async function inPlace(button) {
  const sent = snapshot();
  const fields = new FormData(setForm);
  fields.append(button.name, button.value);
  // getAttribute: the form's buttons are named "action", which hides the form's own property.
  const response = await fetch(setForm.getAttribute('action'), {
    method: 'POST',
    body: new URLSearchParams(fields),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (!response.ok || response.redirected) return false;
  const page = new DOMParser().parseFromString(await response.text(), 'text/html');
  const fresh = page.getElementById('set-form');
  if (!fresh) return false;
  // What was typed while the answer was on its way, and where the focus went meanwhile.
  const idIn = renaming(fresh);
  const changed = [];
  for (const [field, value] of sent) {
    const now = checkable(field) ? field.checked : field.value;
    const id = idIn(field);
    if (id && now !== value) changed.push([id, now]);
  }
  const active = document.activeElement;
  const typing = active.tagName !== 'BUTTON' && sent.has(active) ? idIn(active) : null;
  setForm.replaceChildren(...fresh.childNodes);
  const found = (id) => (id ? setForm.querySelector(`#${CSS.escape(id)}`) : null);
  for (const [id, now] of changed) {
    const field = found(id);
    if (field && checkable(field)) field.checked = now;
    else if (field) field.value = now;
  }
  // Someone who went on typing goes on where they were; else the focus goes where the server
  // put it.
  const focus =
    setForm.querySelector('#error-summary') ??
    found(typing) ??
    setForm.querySelector('[autofocus]');
  focus?.focus();
  return true;
}

setForm?.addEventListener('click', async (event) => {
  const button = event.target.closest('button[name="action"]');
  if (plain || !button || button.value === 'save') return;
  event.preventDefault();
  if (setForm.dataset.busy) return;
  setForm.dataset.busy = 'true';
  setForm.setAttribute('aria-busy', 'true');
  let done = false;
  try {
    done = await inPlace(button);
  } catch (error) {
    console.warn('Houvast: sent the plain way', error);
  } finally {
    delete setForm.dataset.busy;
    setForm.removeAttribute('aria-busy');
  }
  if (!done) {
    plain = true;
    setForm.requestSubmit(button);
  }
});
