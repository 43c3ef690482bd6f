import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { registryErrorFromResponse, type ErrorContext } from './errors.ts';

describe('registryErrorFromResponse says what to do', () => {
  const ctx: ErrorContext = { registry: 'registry.example.com', repository: 'team/app', what: 'manifest 1', action: 'push' };
  const body = (code: string, message = '') => JSON.stringify({ errors: [{ code, message, detail: null }] });
  const cases: { name: string; status: number; body: string; ctx?: Partial<ErrorContext>; code: string; message: RegExp }[] = [
    { name: '401 anonymous', status: 401, body: body('UNAUTHORIZED', 'authentication required'), code: 'UNAUTHORIZED', message: /needs you to log in.*strata login registry\.example\.com/ },
    { name: '401 with credentials', status: 401, body: '', ctx: { identity: 'alice (from docker-credential-pass)' }, code: 'UNAUTHORIZED', message: /refused the credentials of alice.*log in again/ },
    { name: '401 insufficient_scope with credentials is DENIED', status: 401, body: '', ctx: { identity: 'alice', insufficientScope: true }, code: 'DENIED', message: /alice has no right to push to this repository/ },
    { name: '403', status: 403, body: '', code: 'DENIED', message: /denied.*ask its owner/ },
    { name: 'DENIED', status: 403, body: body('DENIED', 'requested access to the resource is denied'), code: 'DENIED', message: /registry said: requested access/ },
    { name: 'NAME_UNKNOWN', status: 404, body: body('NAME_UNKNOWN', 'repository name not known to registry'), code: 'NAME_UNKNOWN', message: /does not exist.*check the name/ },
    { name: 'NAME_UNKNOWN on Docker Hub hints at library/', status: 404, body: body('NAME_UNKNOWN'), ctx: { registry: 'docker.io' }, code: 'NAME_UNKNOWN', message: /library\// },
    { name: 'MANIFEST_UNKNOWN', status: 404, body: body('MANIFEST_UNKNOWN', 'manifest unknown'), code: 'MANIFEST_UNKNOWN', message: /check the tag or digest/ },
    { name: 'MANIFEST_INVALID', status: 400, body: body('MANIFEST_INVALID', 'manifest invalid'), code: 'MANIFEST_INVALID', message: /OCI vs Docker media types/ },
    { name: 'TOOMANYREQUESTS with Retry-After', status: 429, body: body('TOOMANYREQUESTS', 'rate limit'), ctx: { retryAfterSeconds: 30 }, code: 'TOOMANYREQUESTS', message: /wait 30 s.*strata login/ },
    { name: 'Docker Hub spelling TOO_MANY_REQUESTS', status: 429, body: body('TOO_MANY_REQUESTS'), code: 'TOOMANYREQUESTS', message: /rate-limiting/ },
    { name: 'a bare 429', status: 429, body: 'slow down', code: 'TOOMANYREQUESTS', message: /wait a while/ },
    { name: '500', status: 500, body: '<html>oops</html>', code: 'REGISTRY_ERROR', message: /HTTP 500.*try again later/ },
    { name: 'a long registry message is cut', status: 400, body: body('MANIFEST_INVALID', 'x'.repeat(1000)), code: 'MANIFEST_INVALID', message: /x{150,}\.\.\./ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const e = registryErrorFromResponse(c.status, c.body, { ...ctx, ...c.ctx });
      assert.equal(e.code, c.code);
      assert.equal(e.status, c.status);
      assert.equal(e.details.status, c.status);
      assert.match(e.message, c.message);
      assert.ok(e.message.length < 700);
    });
  }
});
