'use strict';
// HS256 tokens for Switchboard and the plain ws peer, minted here so the generator needs no JWT library.
const crypto = require('crypto');

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function mint(secret, claims) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = crypto.createHmac('sha256', secret).update(header + '.' + body).digest('base64url');
  return header + '.' + body + '.' + sig;
}

/** Returns the claims of a valid HS256 token, or null; the signature is compared in constant time. */
function verify(secret, token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const expected = crypto.createHmac('sha256', secret).update(parts[0] + '.' + parts[1]).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    return claims.exp * 1000 > Date.now() ? claims : null;
  } catch (e) {
    return null;
  }
}

module.exports = { mint, verify };
