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
