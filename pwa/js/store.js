// What a person keeps on this device, in IndexedDB: the log of runs and the words they keep
// (about their protector, their safe place). Nothing here leaves the device.

const DB_NAME = 'houvast';
const DB_VERSION = 1;

let opening = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function openStore() {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      // Version 1. Later versions add stores here and never drop a person's data.
      if (!db.objectStoreNames.contains('runs')) {
        db.createObjectStore('runs', { keyPath: 'id' }).createIndex('startedAt', 'startedAt');
      }
      if (!db.objectStoreNames.contains('notes')) db.createObjectStore('notes', { keyPath: 'key' });
    };
    // Another tab holds an older version open; it closes when it hears of this one (below).
    req.onblocked = () => console.warn('Houvast: waiting for another tab to close its store');
    req.onsuccess = () => {
      const db = req.result;
      // A newer version of the app, in another tab, wants to upgrade: make way for it, and
      // open again (at the new version) when next needed.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      resolve(db);
    };
    req.onerror = () => {
      opening = null;
      reject(req.error);
    };
  });
  return opening;
}

async function transaction(storeName, mode, work) {
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

/** Save one finished or stopped run. */
export function addRun(run) {
  return transaction('runs', 'readwrite', (store) => store.put(run));
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

/** Every run, oldest first. */
export async function allRuns() {
  const db = await openStore();
  const store = db.transaction('runs').objectStore('runs');
  return request(store.index('startedAt').getAll());
}

/** Add the runs whose id is not here yet; return how many were added. */
export async function mergeRuns(runs) {
  const db = await openStore();
  const tx = db.transaction('runs', 'readwrite');
  const store = tx.objectStore('runs');
  const present = new Set(await request(store.getAllKeys()));
  let added = 0;
  for (const run of runs) {
    if (present.has(run.id)) continue;
    present.add(run.id);
    store.add(run);
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

/** The words kept under each note key, as {key: text}. */
export async function getNotes() {
  const db = await openStore();
  const rows = await request(db.transaction('notes').objectStore('notes').getAll());
  return Object.fromEntries(rows.map((row) => [row.key, row.text]));
}

export function saveNote(key, text) {
  return transaction('notes', 'readwrite', (store) => store.put({ key, text, savedAt: new Date().toISOString() }));
}

export function clearNotes() {
  return transaction('notes', 'readwrite', (store) => store.clear());
}
