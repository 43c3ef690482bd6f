import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from '../util/conformance.ts';
import { analyzeDockerfile } from './analyze.ts';

const SAMPLES = join(repoRoot, 'assets', 'samples');

describe('the sample contexts shipped in assets/samples', () => {
  test('every sample Dockerfile parses with no problem', () => {
    const names = readdirSync(SAMPLES).sort();
    assert.deepEqual(names, ['multistage', 'offline', 'python']);
    for (const name of names) {
      const a = analyzeDockerfile(readFileSync(join(SAMPLES, name, 'Dockerfile'), 'utf8'));
      assert.equal(a.ok, true, `${name}: ${JSON.stringify(a.problems)}`);
      assert.deepEqual(a.problems, [], name);
    }
  });

  test('the Python sample is the shape of Docker\'s Python guide', () => {
    const a = analyzeDockerfile(readFileSync(join(SAMPLES, 'python', 'Dockerfile'), 'utf8'));
    assert.deepEqual(a.stages.map((s) => s.edges.map((e) => e.ref)), [['python:3.12-slim']]);
    assert.deepEqual(a.args, [{ name: 'PYTHON_VERSION', defaultValue: '3.12' }, { name: 'UID', defaultValue: '10001' }]);
  });
});
