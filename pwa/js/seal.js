// Sealing what a person keeps on this device so that only their PIN opens it (WebCrypto, no
// DOM: tested under Node too). A lock holds a key pair: anything is sealed with its public half,
// so practising keeps saving runs and notes without the PIN; the private half is kept encrypted
// with a key derived from the PIN (PBKDF2), so opening them takes the PIN. Forgetting the PIN
// loses the key: nothing here can get it back, by design.

const ITERATIONS = 600_000; // PBKDF2-HMAC-SHA256, as OWASP advises (2023)
const ECDH = { name: 'ECDH', namedCurve: 'P-256' };
const subtle = () => globalThis.crypto.subtle;
const random = (length) => globalThis.crypto.getRandomValues(new Uint8Array(length));
const text = new TextEncoder();

const base64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)));
const bytes = (string) => Uint8Array.from(atob(string), (char) => char.charCodeAt(0));

async function pinKey(pin, salt, iterations) {
  const material = await subtle().importKey('raw', text.encode(pin.normalize('NFC')), 'PBKDF2',
    false, ['deriveKey']);
  return subtle().deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material,
    { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/**
 * A new lock for `pin`. Returns {lock, key}: the lock is kept on the device as it is (JSON),
 * and nothing in it opens without the PIN; the key opens what is sealed for the lock.
 */
export async function createLock(pin, iterations = ITERATIONS) {
  const pair = await subtle().generateKey(ECDH, true, ['deriveBits']);
  const salt = random(16);
  const iv = random(12);
  const secret = await subtle().encrypt({ name: 'AES-GCM', iv }, await pinKey(pin, salt, iterations),
    await subtle().exportKey('pkcs8', pair.privateKey));
  const lock = {
    v: 1, iterations, salt: base64(salt), iv: base64(iv), secret: base64(secret),
    public: base64(await subtle().exportKey('raw', pair.publicKey)),
  };
  return { lock, key: await openLock(lock, pin) };
}

/** The key that `pin` opens, or null when it is not this lock's PIN. */
export async function openLock(lock, pin) {
  try {
    const key = await pinKey(pin, bytes(lock.salt), lock.iterations);
    const pkcs8 = await subtle().decrypt({ name: 'AES-GCM', iv: bytes(lock.iv) }, key, bytes(lock.secret));
    return await subtle().importKey('pkcs8', pkcs8, ECDH, false, ['deriveBits']);
  } catch {
    return null; // AES-GCM refuses a wrong key: a wrong PIN, nothing else
  }
}

/** The AES key one sealed value uses: ECDH of a one-time key pair with the lock's, hashed. */
async function sharedKey(privateKey, publicKey, oneTime) {
  const shared = await subtle().deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256);
  const digest = await subtle().digest('SHA-256', new Uint8Array([...new Uint8Array(shared), ...oneTime]));
  return subtle().importKey('raw', digest, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** `value` (anything JSON holds) sealed for `lock`: no PIN needed, only the lock's key opens it.
 * The result holds bytes, which IndexedDB keeps as they are. */
export async function seal(lock, value) {
  const publicKey = await subtle().importKey('raw', bytes(lock.public), ECDH, false, []);
  const pair = await subtle().generateKey(ECDH, true, ['deriveBits']);
  const oneTime = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  const iv = random(12);
  const key = await sharedKey(pair.privateKey, publicKey, oneTime);
  const data = await subtle().encrypt({ name: 'AES-GCM', iv }, key, text.encode(JSON.stringify(value)));
  return { v: 1, k: oneTime, iv, data: new Uint8Array(data) };
}

/** The value `sealed` holds, opened with the lock's key (a damaged one throws). */
export async function unseal(key, sealed) {
  const publicKey = await subtle().importKey('raw', sealed.k, ECDH, false, []);
  const shared = await sharedKey(key, publicKey, sealed.k);
  const plain = await subtle().decrypt({ name: 'AES-GCM', iv: sealed.iv }, shared, sealed.data);
  return JSON.parse(new TextDecoder().decode(plain));
}
