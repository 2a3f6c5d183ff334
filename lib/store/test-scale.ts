/**
 * For tests of the scaled store: the PostgreSQL and S3 store that scripts/services/start.sh
 * started (its settings in the environment: `. DIR/env`), with a fresh database and bucket for
 * each caller so that tests running side by side never see each other's rows or objects.
 * null when no services are configured; the caller then skips with one line.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { scaleSettings, type ScaleSettings } from './config';

export const SCALE_SKIP_NOTE =
  'PostgreSQL + S3 tests skipped: no services (scripts/services/start.sh DIR, then . DIR/env)';

export async function freshScale(): Promise<ScaleSettings | null> {
  const base = scaleSettings();
  if (!base) return null;
  const name = `tl_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base.databaseUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    s3: { ...base.s3, bucket: `${base.s3.bucket}-${name.slice(3)}` },
  };
}
