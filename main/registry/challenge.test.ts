import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergeScopes, parseScope, parseWwwAuthenticate, scopeCovers, type Challenge } from './challenge.ts';

describe('parseWwwAuthenticate', () => {
  const cases: { name: string; header: string | string[]; want: Challenge[] }[] = [
    {
      name: 'Docker Hub bearer',
      header: 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      want: [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } }],
    },
    { name: 'basic', header: 'Basic realm="Registry Realm"', want: [{ scheme: 'basic', params: { realm: 'Registry Realm' } }] },
    {
      name: 'insufficient scope with a comma inside quotes',
      header: 'Bearer realm="https://a.example/t",service="reg",scope="repository:a:pull,push",error="insufficient_scope"',
      want: [{ scheme: 'bearer', params: { realm: 'https://a.example/t', service: 'reg', scope: 'repository:a:pull,push', error: 'insufficient_scope' } }],
    },
    {
      name: 'two challenges in one header',
      header: 'Basic realm="x", Bearer realm="https://t.example/token",service="z"',
      want: [
        { scheme: 'basic', params: { realm: 'x' } },
        { scheme: 'bearer', params: { realm: 'https://t.example/token', service: 'z' } },
      ],
    },
    {
      name: 'two headers',
      header: ['Basic realm="x"', 'Bearer realm="y"'],
      want: [
        { scheme: 'basic', params: { realm: 'x' } },
        { scheme: 'bearer', params: { realm: 'y' } },
      ],
    },
    { name: 'scheme and names are case-insensitive', header: 'BEARER Realm="R",SERVICE=svc', want: [{ scheme: 'bearer', params: { realm: 'R', service: 'svc' } }] },
    { name: 'escaped quote in a value', header: 'Basic realm="say \\"hi\\""', want: [{ scheme: 'basic', params: { realm: 'say "hi"' } }] },
    { name: 'token68', header: 'Negotiate abc123==', want: [{ scheme: 'negotiate', params: { token68: 'abc123==' } }] },
    { name: 'spaces around = and commas', header: 'Bearer realm = "r" ,  service = "s"', want: [{ scheme: 'bearer', params: { realm: 'r', service: 's' } }] },
    { name: 'empty', header: '', want: [] },
    { name: 'garbage before a challenge is skipped', header: '=oops, Basic realm="x"', want: [{ scheme: 'basic', params: { realm: 'x' } }] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(parseWwwAuthenticate(c.header), c.want));
  }
});

describe('scopes', () => {
  const cases: { name: string; input: string[]; want: string[] }[] = [
    { name: 'pull and push widen to pull,push', input: ['repository:a:push', 'repository:a:pull'], want: ['repository:a:pull,push'] },
    { name: 'two repositories stay apart, sorted', input: ['repository:b:pull,push', 'repository:a:pull'], want: ['repository:a:pull', 'repository:b:pull,push'] },
    { name: 'space-separated input', input: ['repository:a:pull repository:a:push'], want: ['repository:a:pull,push'] },
    { name: 'a name with a port', input: ['repository:localhost:5000/x:pull'], want: ['repository:localhost:5000/x:pull'] },
    { name: 'duplicates collapse', input: ['repository:a:pull', 'repository:a:pull'], want: ['repository:a:pull'] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(mergeScopes(c.input), c.want));

  test('parseScope splits type, name and actions', () => {
    assert.deepEqual(parseScope('repository:host:5000/a/b:pull,push'), { type: 'repository', name: 'host:5000/a/b', actions: ['pull', 'push'] });
    assert.equal(parseScope('nonsense'), null);
  });

  test('scopeCovers', () => {
    assert.equal(scopeCovers(['repository:a:pull,push'], ['repository:a:pull']), true);
    assert.equal(scopeCovers(['repository:a:pull'], ['repository:a:push']), false);
    assert.equal(scopeCovers(['repository:a:*'], ['repository:a:push']), true);
  });
});
