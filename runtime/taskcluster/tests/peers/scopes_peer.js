// Applies npm's taskcluster-lib-scopes (11.0.0) to operations read as JSON lines on stdin and
// writes one JSON result per line (tests/scopes_peer.rs). Each result is {"ok": value} or
// {"error": message}; `undefined` is written as {"undefined": true}.
//
// `simplifyScopeExpression` is also run on a copy of the library with one line changed (see
// PATCH below), which tests/scopes_peer.rs compares against where 11.0.0 itself fails: with
// the line as published, an AnyOf holding an AnyOf that simplifies to something else (`{AnyOf:
// [{AnyOf: ['a']}]}`) makes it throw a TypeError or return undefined.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { createRequire } = require('module');

const scopes = require('taskcluster-lib-scopes');

const PATCH = {
  from: 'anyOfs = flatten(anyOfs.map(e => e.AnyOf));',
  to: 'anyOfs = flatten(anyOfs.map(e => (e.AnyOf ? e.AnyOf : [e])));',
};

function loadPatched() {
  const file = require.resolve('taskcluster-lib-scopes');
  const source = fs.readFileSync(file, 'utf8');
  if (source.split(PATCH.from).length !== 2) {
    throw new Error(`${file}: expected exactly one \`${PATCH.from}\``);
  }
  const copy = { exports: {} };
  const body = source.replace(PATCH.from, PATCH.to);
  new Function('exports', 'require', 'module', '__filename', '__dirname', body)(
    copy.exports, createRequire(file), copy, file, path.dirname(file));
  return copy.exports;
}

const patched = loadPatched();

function run(f) {
  try {
    const value = f();
    return value === undefined ? { undefined: true } : { ok: value };
  } catch (err) {
    return { error: `${err.constructor.name}: ${err.message}` };
  }
}

const sign = n => (n < 0 ? -1 : n > 0 ? 1 : 0);
const sorted = list => list.slice().sort(scopes.scopeCompare);

const ops = {
  validScope: c => scopes.validScope(c.scope),
  patternMatch: c => scopes.patternMatch(c.pattern, c.scope),
  scopeCompare: c => sign(scopes.scopeCompare(c.a, c.b)),
  sort: c => sorted(c.scopes),
  normalizeScopeSet: c => scopes.normalizeScopeSet(sorted(c.scopes)),
  mergeScopeSets: c => scopes.mergeScopeSets(
    scopes.normalizeScopeSet(sorted(c.a)), scopes.normalizeScopeSet(sorted(c.b))),
  scopeUnion: c => scopes.scopeUnion(c.a.slice(), c.b.slice()),
  scopeIntersection: c => scopes.scopeIntersection(c.a, c.b),
  // Throws (an AssertionError, or a TypeError on some shapes) where the expression is invalid.
  validExpression: c => {
    try {
      return scopes.validExpression(c.expr);
    } catch (err) {
      return false;
    }
  },
  satisfiesExpression: c => scopes.satisfiesExpression(c.scopes, c.expr),
  scopesSatisfying: c => scopes.scopesSatisfying(c.scopes, c.expr),
  removeGivenScopes: c => scopes.removeGivenScopes(c.scopes, c.expr),
  simplifyScopeExpression: c => ({
    published: run(() => scopes.simplifyScopeExpression(c.expr)),
    patched: run(() => patched.simplifyScopeExpression(c.expr)),
  }),
  // What the JavaScript services make of a number in a request (tc_runtime's Params).
  numberString: c => String(c.value),
};

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
lines.on('line', line => {
  if (!line) {
    return;
  }
  const c = JSON.parse(line);
  const op = ops[c.op];
  out.push(JSON.stringify(op ? run(() => op(c)) : { error: `unknown op ${c.op}` }));
  if (out.length >= 1000) {
    process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  }
});
lines.on('close', () => {
  if (out.length) {
    process.stdout.write(out.join('\n') + '\n');
  }
});
