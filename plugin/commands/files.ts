/**
 * Files named on the command line (traces, reports): why one cannot be read, in words, and whether
 * an output file can be written before minutes of work go into it. Light: simulate.ts, which is on
 * the start path, uses it.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory; name a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
};

/** Why a file operation failed, in words (the errno code for the rare ones). */
export function fileFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code && FAILURES[code]) ?? code ?? String(error);
}

/** Why `path` could not be created or overwritten now, or undefined when it can. */
export function unwritableReason(path: string): string | undefined {
  const target = resolve(path);
  const dir = dirname(target);
  try {
    const parent = statSync(dir, { throwIfNoEntry: false });
    if (!parent) return `the directory ${dir} does not exist`;
    if (!parent.isDirectory()) return `${dir} is not a directory`;
    const existing = statSync(target, { throwIfNoEntry: false });
    if (existing?.isDirectory()) return 'it is a directory; name a file';
    accessSync(existing ? target : dir, constants.W_OK);
  } catch (error) {
    // ENOTDIR: a file further up the path; EACCES: a directory that cannot be searched.
    return (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? `a part of ${dir} is not a directory` : fileFailure(error);
  }
  return undefined;
}
