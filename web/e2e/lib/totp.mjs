// RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s steps) in plain Node, for the
// two-factor flows: the enrolment screen shows the base32 secret, the tests
// compute the code an authenticator app would show.
import { createHmac } from "node:crypto";

/** base32Decode decodes RFC 4648 base32 (case-insensitive, padding and spaces ignored). */
export function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const clean = text.toUpperCase().replace(/[\s=-]/g, "");
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`base32: invalid character ${JSON.stringify(ch)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** hotp is RFC 4226 for one counter value. */
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(bin % 10 ** digits).padStart(digits, "0");
}

/** totp is the code for a base32 secret at a time (ms since the epoch; default now). */
export function totp(secret, at = Date.now(), step = 30) {
  return hotp(base32Decode(secret), Math.floor(at / 1000 / step));
}

/**
 * Authenticator remembers which 30 s steps were already used for a secret:
 * the server accepts the current step and one either side but never the same
 * step twice, so the next code comes from a step not used yet — no waiting.
 */
export class Authenticator {
  /** now is the server's time in ms (stack.now once its clock was moved; default this machine's). */
  constructor(secret, now = Date.now) {
    this.secret = secret.replace(/\s+/g, "");
    this.used = new Set();
    this.now = now;
  }

  /** code returns a 6-digit code from an unused step within ±1 of now. */
  code() {
    const now = Math.floor(this.now() / 1000 / 30);
    for (const s of [now, now + 1, now - 1]) {
      if (!this.used.has(s)) {
        this.used.add(s);
        return hotp(base32Decode(this.secret), s);
      }
    }
    throw new Error("totp: every step within ±1 of now is used; wait for the next step");
  }

  /** wrongCode returns six digits that are no valid code within ±2 steps of now. */
  wrongCode() {
    const now = Math.floor(this.now() / 1000 / 30);
    const key = base32Decode(this.secret);
    const valid = new Set([-2, -1, 0, 1, 2].map((d) => hotp(key, now + d)));
    for (const c of ["000000", "123456", "999999", "424242"]) if (!valid.has(c)) return c;
    throw new Error("unreachable");
  }
}
