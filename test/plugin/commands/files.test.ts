import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileFailure, unwritableReason } from '../../../plugin/commands/files.js';

describe('files named on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smartscale-files-'));
  mkdirSync(join(dir, 'sub.html'));
  writeFileSync(join(dir, 'plain'), '');

  it.each([
    ['a new file in an existing directory', join(dir, 'r.html'), undefined],
    ['an existing file', join(dir, 'plain'), undefined],
    ['a directory', join(dir, 'sub.html'), 'it is a directory; name a file'],
    ['a missing directory', join(dir, 'nope', 'r.html'), `the directory ${join(dir, 'nope')} does not exist`],
    ['a path through a file', join(dir, 'plain', 'r.html'), `${join(dir, 'plain')} is not a directory`],
  ])('unwritableReason: %s', (_what, path, reason) => {
    expect(unwritableReason(path)).toBe(reason);
  });

  it('fileFailure says the common errno codes in words and passes the rest through', () => {
    expect(fileFailure(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe('no such file');
    expect(fileFailure(Object.assign(new Error('x'), { code: 'EISDIR' }))).toBe('it is a directory; name a file');
    expect(fileFailure(Object.assign(new Error('x'), { code: 'EMFILE' }))).toBe('EMFILE');
  });
});
