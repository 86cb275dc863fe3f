// Sealing what a person keeps with their PIN (pwa/js/seal.js), with Node's WebCrypto.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createLock, openLock, seal, unseal } from '../../pwa/js/seal.js';

// A real iteration count is slow on purpose; a small one keeps these tests quick.
const FAST = 1_000;
const RUN = { id: 'r1', exercise: 'protector', notes: { protector: 'a big calm bear' }, before: 7 };

function contains(bytes, text) {
  return Buffer.from(bytes).includes(Buffer.from(text));
}

test('the right PIN opens what was sealed without it; a wrong one opens nothing', async () => {
  const { lock, key } = await createLock('2468', FAST);
  const sealed = await seal(lock, RUN); // no PIN needed to seal
  assert.deepEqual(await unseal(key, sealed), RUN);
  assert.equal(await openLock(lock, '2469'), null);
  assert.equal(await openLock(lock, ''), null);
  const again = await openLock(lock, '2468');
  assert.deepEqual(await unseal(again, sealed), RUN);
});

test('nothing readable is kept: not in the lock, not in what is sealed', async () => {
  const { lock } = await createLock('2468', FAST);
  const kept = JSON.stringify(lock);
  assert.ok(!kept.includes('2468'));
  assert.equal(lock.iterations, FAST);
  const sealed = await seal(lock, RUN);
  for (const part of [sealed.k, sealed.iv, sealed.data]) {
    for (const text of ['protector', 'calm bear', '"before"']) assert.ok(!contains(part, text));
  }
  // Each value gets its own one-time key: the same run sealed twice looks different.
  const twice = await seal(lock, RUN);
  assert.notDeepEqual(Buffer.from(twice.data), Buffer.from(sealed.data));
});

test("another lock's key opens nothing, and damage is noticed", async () => {
  const mine = await createLock('2468', FAST);
  const other = await createLock('2468', FAST);
  const sealed = await seal(mine.lock, RUN);
  await assert.rejects(unseal(other.key, sealed));
  const damaged = { ...sealed, data: Uint8Array.from(sealed.data, (b, i) => (i === 3 ? b ^ 1 : b)) };
  await assert.rejects(unseal(mine.key, damaged));
});

test('a new lock derives its key with a real iteration count by default', async () => {
  const started = Date.now();
  const { lock } = await createLock('2468');
  assert.ok(lock.iterations >= 600_000);
  assert.ok(Date.now() - started >= 20, 'deriving the key is deliberately slow');
});
