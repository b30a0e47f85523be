import { execFileSync } from 'node:child_process';

/**
 * The login name of a uid, for a `sudo -u NAME` hint; undefined when it has none or `getent`
 * is missing (macOS). Only on an error path, so one short child process is cheap enough, and
 * getent also sees users from LDAP and the like, which /etc/passwd does not hold.
 */
export function userName(uid: number): string | undefined {
  try {
    const line = execFileSync('getent', ['passwd', String(uid)], {
      encoding: 'utf8',
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const name = line.split(':')[0]?.trim();
    return name ? name : undefined;
  } catch {
    return undefined;
  }
}

/** What to give `sudo -u`: the name, or sudo's `#uid` form (quoted: `#` starts a comment). */
export function sudoUser(uid: number): string {
  return userName(uid) ?? `'#${uid}'`;
}
