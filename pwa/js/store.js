// What a person keeps on this device, in IndexedDB: the log of runs and the words they keep
// (about their protector, their safe place), and their plan for hard moments. Nothing here
// leaves the device.
//
// With a PIN (seal.js), every record is kept sealed: {<its key>, sealed}, except a record the
// person marked to show without the PIN (`open: true`: parts of the plan, which a forgotten PIN
// must not keep from them in a crisis). Sealing needs no PIN,
// so practising saves as ever; reading takes the PIN once per page (unlock). Other stores use
// the same: sealRecord before a put, openRecord after a get (sets.js, for a therapist's sets).

import { createLock, openLock, seal, unseal } from './seal.js';

const DB_NAME = 'houvast';
// 2 added the kept sets (sets.js), 3 the plan (plan-store.js); an upgrade only ever adds
// stores.
const DB_VERSION = 3;

let opening = null;
let connection = null;
let upgrade = null;

export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function openStore() {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      upgrade = req.transaction;
      const db = req.result;
      // Version 1. Later versions add stores here and never drop a person's data.
      if (!db.objectStoreNames.contains('runs')) {
        db.createObjectStore('runs', { keyPath: 'id' }).createIndex('startedAt', 'startedAt');
      }
      if (!db.objectStoreNames.contains('notes')) db.createObjectStore('notes', { keyPath: 'key' });
      // Version 2: a therapist's sets the person keeps, by set id.
      if (!db.objectStoreNames.contains('sets')) db.createObjectStore('sets', { keyPath: 'id' });
      // Version 3: the plan for hard moments, one record per part.
      if (!db.objectStoreNames.contains('plan')) db.createObjectStore('plan', { keyPath: 'key' });
    };
    // Another tab holds an older version open; it closes when it hears of this one (below).
    req.onblocked = () => console.warn('Houvast: waiting for another tab to close its store');
    req.onsuccess = () => {
      const db = req.result;
      upgrade = null;
      connection = db;
      // A newer version of the app, in another tab, wants to upgrade: make way for it, and
      // open again (at the new version) when next needed.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      resolve(db);
    };
    req.onerror = () => {
      upgrade = null;
      opening = null;
      reject(req.error);
    };
  });
  return opening;
}

// WebKit keeps a page that is left in its back-forward cache, and what its store was doing
// never ends there: another page's store then waits on it for ever. Let go of it.
addEventListener('pagehide', () => {
  try {
    upgrade?.abort();
  } catch {
    // It ended already.
  }
  connection?.close();
  connection = upgrade = opening = null;
});

/** Whether this device has a store yet: a page that only reads need not make one (the first
 * visit's home; a person may leave it at once, see pagehide above). */
export async function storeExists() {
  const found = await indexedDB.databases?.();
  return !found || found.some((db) => db.name === DB_NAME);
}

export async function transaction(storeName, mode, work) {
  const db = await openStore();
  const tx = db.transaction(storeName, mode);
  const result = work(tx.objectStore(storeName));
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  return result instanceof IDBRequest ? result.result : result;
}

// The lock: in localStorage, as it opens nothing without the PIN. The key it opens lives in
// this page only, so every page that shows what is sealed asks for the PIN again.
const LOCK = 'houvast.lock';
let key = null;

function currentLock() {
  try {
    return JSON.parse(localStorage.getItem(LOCK) || 'null');
  } catch {
    return null;
  }
}

export function isLocked() {
  return currentLock() !== null;
}

/** Whether this page may read what is kept: there is no PIN, or it was given. */
export function isOpen() {
  return key !== null || !isLocked();
}

/** Give the PIN for this page; false when it is not the PIN. */
export async function unlock(pin) {
  const lock = currentLock();
  key = lock ? await openLock(lock, pin) : null;
  return key !== null;
}

/** A record as it is stored: sealed under the lock, if there is one and the record is not
 * marked open, keeping only `keyPath` (a random id or a note's name) readable, for the store to
 * find it by. */
export async function sealRecord(record, keyPath) {
  const lock = currentLock();
  return lock && !record.open ? { [keyPath]: record[keyPath], sealed: await seal(lock, record) } : record;
}

/** A stored record, opened (this page must be open: isOpen). */
export async function openRecord(stored) {
  if (!stored?.sealed) return stored;
  if (!key) throw new Error('the store is locked: ask for the PIN first');
  return unseal(key, stored.sealed);
}

async function putAll(storeName, records) {
  const db = await openStore();
  const tx = db.transaction(storeName, 'readwrite');
  for (const record of records) tx.objectStore(storeName).put(record);
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
}

/** Everything kept, as [store, records, keyPath], opened. */
async function everything() {
  const db = await openStore();
  const found = [];
  for (const [name, keyPath] of [['runs', 'id'], ['notes', 'key'], ['sets', 'id'], ['plan', 'key']]) {
    const rows = await request(db.transaction(name).objectStore(name).getAll());
    found.push([name, await Promise.all(rows.map(openRecord)), keyPath]);
  }
  return found;
}

/** Lock everything kept with `pin` (this page must be open). */
export async function setPin(pin) {
  const kept = await everything();
  const created = await createLock(pin);
  localStorage.setItem(LOCK, JSON.stringify(created.lock));
  key = created.key;
  for (const [name, records, keyPath] of kept) {
    await putAll(name, await Promise.all(records.map((record) => sealRecord(record, keyPath))));
  }
}

/** Take the lock away and keep everything readable again; false when it is not the PIN. */
export async function removePin(pin) {
  if (!(await unlock(pin))) return false;
  const kept = await everything();
  localStorage.removeItem(LOCK);
  key = null;
  for (const [name, records] of kept) await putAll(name, records);
  return true;
}

/** The PIN is forgotten: delete everything kept, and the lock with it. */
export async function startFresh() {
  await clearRuns();
  await transaction('sets', 'readwrite', (store) => store.clear());
  // What shows without the PIN (parts of the plan, and the words they hold) can still be read,
  // so it stays: in a crisis it is what the person needs.
  for (const name of ['notes', 'plan']) {
    await transaction(name, 'readwrite', (store) => {
      store.openCursor().onsuccess = (event) => {
        const cursor = event.target.result;
        if (!cursor) return;
        if (cursor.value.sealed) cursor.delete();
        cursor.continue();
      };
    });
  }
  // What those sets shared can still be withdrawn: their secrets are kept in the clear as well
  // (sets.js), and now wait to be withdrawn the next time a page is online.
  const list = (name) => {
    try {
      return [JSON.parse(localStorage.getItem(name) || '[]')].flat();
    } catch {
      return [];
    }
  };
  const secrets = [...new Set([...list('houvast.withdrawals'), ...list('houvast.shared-secrets')])];
  localStorage.setItem('houvast.withdrawals', JSON.stringify(secrets));
  localStorage.removeItem('houvast.shared-secrets');
  localStorage.removeItem(LOCK);
  key = null;
}

/** Save one finished or stopped run. */
export async function addRun(run) {
  const record = await sealRecord(run, 'id');
  return transaction('runs', 'readwrite', (store) => store.put(record));
}

const UNSAVED = 'houvast.unsaved-runs';

function unsaved() {
  try {
    const runs = JSON.parse(sessionStorage.getItem(UNSAVED) || '[]');
    return Array.isArray(runs) ? runs : [];
  } catch {
    return [];
  }
}

function setUnsaved(runs) {
  if (runs.length) sessionStorage.setItem(UNSAVED, JSON.stringify(runs));
  else sessionStorage.removeItem(UNSAVED);
}

/**
 * Save a run without making anyone wait for it: it is kept in this tab's session storage at
 * once and written to the database in the background. When the page goes (the way out) before
 * the database answers, the next page writes it (saveUnsavedRuns).
 */
export function saveRun(run) {
  setUnsaved([...unsaved().filter((kept) => kept.id !== run.id), run]);
  return addRun(run).then(
    () => setUnsaved(unsaved().filter((kept) => kept.id !== run.id)),
    (error) => console.error('Houvast: a run could not be saved yet', error),
  );
}

/** Write the runs an earlier page could not (every page calls this). */
export function saveUnsavedRuns() {
  for (const run of unsaved()) saveRun(run);
}

/** Every run, oldest first (this page must be open: isOpen). */
export async function allRuns() {
  const db = await openStore();
  const rows = await request(db.transaction('runs').objectStore('runs').getAll());
  const runs = await Promise.all(rows.map(openRecord));
  return runs.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
}

/** Add the runs whose id is not here yet; return how many were added. */
export async function mergeRuns(runs) {
  const records = await Promise.all(runs.map((run) => sealRecord(run, 'id')));
  const db = await openStore();
  const tx = db.transaction('runs', 'readwrite');
  const store = tx.objectStore('runs');
  const present = new Set(await request(store.getAllKeys()));
  let added = 0;
  for (const record of records) {
    if (present.has(record.id)) continue;
    present.add(record.id);
    store.add(record);
    added += 1;
  }
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  return added;
}

export function clearRuns() {
  return transaction('runs', 'readwrite', (store) => store.clear());
}

// A note's words live under its name. Words written while its record is sealed and this page
// has not been given the PIN cannot be put with them (reading them takes the PIN), and must
// not replace them: they are kept beside it as an addition, "<name>+<id>", and shown with it,
// oldest first, wherever the note is read.
const baseOf = (key) => key.split('+')[0];

/** The notes as far as this page can read them: {name: {text, open, locked}}, `locked` when
 * some of its words are sealed and the PIN has not been given here. Only those in `names`,
 * when given: nothing else is opened. */
export async function readNotes(names = null) {
  const db = await openStore();
  const rows = await request(db.transaction('notes').objectStore('notes').getAll());
  const found = {};
  const parts = [];
  for (const row of rows) {
    if (names && !names.includes(baseOf(row.key))) continue;
    const note = found[baseOf(row.key)] ??= { text: '', open: true, locked: false };
    if (row.sealed && !isOpen()) {
      note.locked = true;
      note.open = false;
      continue;
    }
    const record = await openRecord(row);
    note.open &&= Boolean(record.open);
    parts.push(record);
  }
  parts.sort((a, b) => (a.key.includes('+') - b.key.includes('+')) || (a.savedAt ?? '').localeCompare(b.savedAt ?? ''));
  for (const part of parts) {
    const note = found[baseOf(part.key)];
    note.text = [note.text, part.text].filter(Boolean).join('\n');
  }
  return found;
}

/** The words kept under each note key, as {key: text}; only what this page can read (the
 * player shows last time's words only when it needs no PIN for them). */
export async function getNotes() {
  const notes = await readNotes();
  return Object.fromEntries(Object.entries(notes).filter(([, note]) => note.text)
    .map(([name, note]) => [name, note.text]));
}

/** The record that keeps `text` under the note `name` (sealed unless `open`), or null for none. */
export async function noteRecord(name, text, open) {
  if (!text) return null;
  const record = { key: name, text, savedAt: new Date().toISOString() };
  if (open) record.open = true;
  return sealRecord(record, 'key');
}

/** In an open notes store of a read-write transaction: put `record` as the note `name`, or
 * delete it when null, with every addition (this page has shown them with it). */
export function replaceNote(notes, name, record) {
  notes.getAllKeys().onsuccess = (event) => {
    for (const key of event.target.result) if (baseOf(key) === name) notes.delete(key);
    if (record) notes.put(record);
  };
}

/** Keep `text` under the note `name`, in place of what this page showed of it. `open` says
 * whether it shows without the PIN; left out, the note keeps what it was. */
export async function saveNote(name, text, open = undefined) {
  const kept = (await readNotes([name]))[name];
  if (kept?.locked) {
    // Sealed words this page cannot see: add to them, never over them.
    const record = await noteRecord(`${name}+${crypto.randomUUID()}`, text, open ?? false);
    if (record) await transaction('notes', 'readwrite', (store) => store.put(record));
    return;
  }
  const record = await noteRecord(name, text, open ?? kept?.open ?? false);
  await transaction('notes', 'readwrite', (store) => replaceNote(store, name, record));
}

/** Delete the notes, except those named in `keep` (the plan's words, from the history page). */
export function clearNotes(keep = []) {
  return transaction('notes', 'readwrite', (store) => {
    store.getAllKeys().onsuccess = (event) => {
      for (const key of event.target.result) if (!keep.includes(baseOf(key))) store.delete(key);
    };
  });
}
