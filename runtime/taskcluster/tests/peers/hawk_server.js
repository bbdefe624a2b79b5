'use strict';
// A stand-in for Taskcluster's auth service `testAuthenticate` / `testAuthenticateGet`, for
// tc-runtime's tests. Hawk itself is validated by npm's `hawk` (the Hawk author's
// implementation): `server.authenticate` for headers, `uri.authenticate` for bewits. The
// credentials function applies Taskcluster's `ext` rules: certificate checks and signature,
// temporary key derivation, issuer rules for named temporary credentials, and the
// authorizedScopes subset check.
//
// Stricter than Taskcluster in one way: a request with a body must carry a Hawk payload hash,
// and the hash must match (so the tests prove the client hashes payloads correctly).
//
// Listens on 127.0.0.1 on a free port, prints `PORT <n>`, and exits when stdin closes.

const http = require('http');
const crypto = require('crypto');
const hawk = require('hawk');

const TESTER = { clientId: 'tester', accessToken: 'no-secret' };
const GET_CLIENT_SCOPES = ['test:*', 'auth:create-client:test:*'];
const GET_REQUIRED_SCOPES = ['test:authenticate-get'];
const SKEW_MS = 5 * 60 * 1000;
const MAX_VALIDITY_MS = 31 * 24 * 60 * 60 * 1000;

const validScope = (s) => typeof s === 'string' && /^[\x20-\x7e]*$/.test(s);

// Whether `have` (a scope set) satisfies `scope`: equal, or a `prefix*` pattern covering it.
const satisfies = (have, scope) =>
  have.some((p) => p === scope || (p.endsWith('*') && scope.startsWith(p.slice(0, -1))));
const satisfiesAll = (have, scopes) => scopes.every((s) => satisfies(have, s));

const parseExt = (ext) => {
  try {
    return JSON.parse(Buffer.from(ext, 'base64').toString('utf-8'));
  } catch (err) {
    throw new Error('Failed to parse ext');
  }
};

const hmacB64 = (key, text) => crypto.createHmac('sha256', key).update(text).digest('base64');

// Applies a parsed `ext` to the issuing client's {accessToken, scopes}.
const limitWithExt = (credentialName, issuerId, accessToken, scopes, ext) => {
  const res = { accessToken, scopes };
  if (ext.certificate) {
    const cert = ext.certificate;
    if (!(cert instanceof Object) || Array.isArray(cert)) {
      throw new Error('ext.certificate must be a JSON object');
    }
    if (cert.version !== 1) throw new Error('ext.certificate.version must be 1');
    if (typeof cert.seed !== 'string') throw new Error('ext.certificate.seed must be a string');
    if (cert.seed.length !== 44) throw new Error('ext.certificate.seed must be 44 characters');
    if (typeof cert.start !== 'number') throw new Error('ext.certificate.start must be a number');
    if (typeof cert.expiry !== 'number') throw new Error('ext.certificate.expiry must be a number');
    if (!Array.isArray(cert.scopes) || !cert.scopes.every(validScope)) {
      throw new Error('ext.certificate.scopes must be an array of valid scopes');
    }
    const now = Date.now();
    if (cert.start > now + SKEW_MS) throw new Error('ext.certificate.start > now');
    if (cert.expiry < now - SKEW_MS) throw new Error('ext.certificate.expiry < now');
    if (cert.expiry - cert.start > MAX_VALIDITY_MS) {
      throw new Error('ext.certificate cannot last longer than 31 days!');
    }
    if (issuerId !== credentialName) {
      const createScope = 'auth:create-client:' + credentialName;
      if (!satisfies(scopes, createScope)) {
        throw new Error(`ext.certificate issuer \`${issuerId}\` doesn't have \`${createScope}\``);
      }
    } else if ('clientId' in cert) {
      throw new Error('ext.certificate.clientId must only be used with ext.certificate.issuer');
    }
    if (!satisfiesAll(scopes, cert.scopes)) {
      throw new Error('ext.certificate issuer does not satisfy all certificate scopes');
    }
    const lines = ['version:1'];
    if (cert.issuer) {
      lines.push('clientId:' + credentialName, 'issuer:' + cert.issuer);
    }
    lines.push('seed:' + cert.seed, 'start:' + cert.start, 'expiry:' + cert.expiry, 'scopes:');
    const expected = hmacB64(accessToken, lines.concat(cert.scopes).join('\n'));
    if (typeof cert.signature !== 'string' ||
        cert.signature.length !== expected.length ||
        !crypto.timingSafeEqual(Buffer.from(cert.signature), Buffer.from(expected))) {
      throw new Error('ext.certificate.signature is not valid');
    }
    res.accessToken = hmacB64(accessToken, cert.seed)
      .replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '');
    res.scopes = cert.scopes;
  }
  if (ext.authorizedScopes) {
    if (!Array.isArray(ext.authorizedScopes) || !ext.authorizedScopes.every(validScope)) {
      throw new Error('ext.authorizedScopes must be an array of valid scopes');
    }
    const have = res.scopes.concat(['assume:anonymous']);
    if (!satisfiesAll(have, ext.authorizedScopes)) {
      throw new Error('Supplied credentials do not satisfy authorizedScopes; credentials have scopes: ' +
        have.join(', ') + '; authorizedScopes are: ' + ext.authorizedScopes.join(', '));
    }
    res.scopes = ext.authorizedScopes;
  }
  return res;
};

// The Hawk credentials function for one request; `ext` is the raw ext string (or undefined).
const credentialsFor = (clientScopes, getExt) => async (clientId) => {
  const rawExt = getExt();
  const ext = rawExt ? parseExt(rawExt) : undefined;
  let issuerId = clientId;
  if (ext && ext.certificate && ext.certificate.issuer) {
    issuerId = ext.certificate.issuer;
    if (typeof issuerId !== 'string') throw new Error('ext.certificate.issuer must be a string');
    if (issuerId === clientId) {
      throw new Error('ext.certificate.issuer must differ from the supplied clientId');
    }
  }
  if (issuerId !== TESTER.clientId) {
    throw new Error(`Client with clientId '${issuerId}' not found`);
  }
  let { accessToken, scopes } = { accessToken: TESTER.accessToken, scopes: clientScopes };
  if (ext) {
    ({ accessToken, scopes } = limitWithExt(clientId, issuerId, accessToken, scopes, ext));
  }
  if (!scopes.includes('assume:anonymous')) scopes = scopes.concat(['assume:anonymous']);
  return { key: accessToken, algorithm: 'sha256', clientId, scopes };
};

const bewitExt = (url) => {
  const m = url.match(/^(\/.*)([?&])bewit=([^&$]*)(?:&(.+))?$/);
  if (!m || !/^[\w-]*$/.test(m[3])) return undefined;
  const parts = Buffer.from(m[3], 'base64').toString('binary').split('\\');
  return parts.length === 4 && parts[3] ? parts[3] : undefined;
};

const headerExt = (authorization) => {
  try {
    return hawk.utils.parseAuthorizationHeader(authorization).ext;
  } catch (err) {
    return undefined;
  }
};

const reply = (res, status, body) => {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-for-request-id': crypto.randomUUID(),
    'x-for-trace-id': 'trace-' + crypto.randomBytes(4).toString('hex'),
  });
  res.end(JSON.stringify(body));
};

const fail = (res, status, code, message, req) => reply(res, status, {
  code,
  message,
  requestInfo: { method: req.method, url: req.url.replace(/bewit=[^&]*/, 'bewit=…'), time: new Date().toISOString() },
});

// Authenticates `req`; resolves to {clientId, scopes} or throws.
const authenticate = async (req, body, clientScopes) => {
  if (req.headers.authorization) {
    const getExt = () => headerExt(req.headers.authorization);
    const { credentials, artifacts } = await hawk.server.authenticate(
      req, credentialsFor(clientScopes, getExt), { timestampSkewSec: 15 * 60 });
    if (body.length > 0) {
      if (!artifacts.hash) throw new Error('Missing payload hash');
      hawk.server.authenticatePayload(body.toString('utf-8'), credentials, artifacts,
        req.headers['content-type']);
    }
    return credentials;
  }
  if (/^\/.*[?&]bewit=/.test(req.url)) {
    if (req.method !== 'GET') throw new Error('bewits are for GET only');
    const { credentials } = await hawk.uri.authenticate(
      req, credentialsFor(clientScopes, () => bewitExt(req.url)), {});
    return credentials;
  }
  throw new Error('no authentication');
};

const handle = async (req, res, body) => {
  const path = req.url.split('?')[0];
  let clientScopes, requiredScopes;
  if (req.method === 'POST' && path === '/api/auth/v1/test-authenticate') {
    let input;
    try {
      input = JSON.parse(body.toString('utf-8'));
    } catch (err) {
      return fail(res, 400, 'MalformedPayload', 'invalid JSON', req);
    }
    clientScopes = input.clientScopes || [];
    requiredScopes = input.requiredScopes || [];
    if (!Array.isArray(clientScopes) || !clientScopes.every(validScope) ||
        !Array.isArray(requiredScopes) || !requiredScopes.every(validScope)) {
      return fail(res, 400, 'InputValidationError', 'clientScopes and requiredScopes must be scope arrays', req);
    }
  } else if (req.method === 'GET' && path === '/api/auth/v1/test-authenticate-get/') {
    clientScopes = GET_CLIENT_SCOPES;
    requiredScopes = GET_REQUIRED_SCOPES;
  } else {
    return fail(res, 404, 'ResourceNotFound', `no such endpoint: ${req.method} ${path}`, req);
  }
  let credentials;
  try {
    credentials = await authenticate(req, body, clientScopes);
  } catch (err) {
    // As Taskcluster does: client-side Boom errors by their payload, others by their message
    // (credentials-function errors are wrapped as server Booms that keep the message).
    const message = err.isBoom && !err.isServer
      ? [err.output.payload.error, err.output.payload.message].filter(Boolean).join(': ')
      : err.message;
    process.stderr.write(`hawk_server: 401 ${req.method} ${req.url.split('?')[0]}: ${message}\n`);
    return fail(res, 401, 'AuthenticationFailed', message, req);
  }
  if (!satisfiesAll(credentials.scopes, requiredScopes)) {
    return fail(res, 403, 'InsufficientScopes',
      `client ${credentials.clientId} lacks scopes: ${requiredScopes.join(', ')}`, req);
  }
  return reply(res, 200, { clientId: credentials.clientId, scopes: credentials.scopes });
};

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks)).catch((err) => {
      process.stderr.write(`hawk_server: 500: ${err.stack}\n`);
      fail(res, 500, 'InternalServerError', String(err), req);
    });
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
