import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import S3rver from '@20minutes/s3rver';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { validateConfigDocument, type Config } from '../config/index.js';
import { createService, type OpenRazService } from '../server.js';
import { UrlSigner, describeOperation, parseStorageTarget, type StorageCredentials } from '../s3/index.js';

/** The fixed key pair that s3rver accepts. */
export const S3RVER_CREDENTIALS: StorageCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export const DEMO_BUCKET = 'reports';
const ISSUER = 'openraz-demo';
const AUDIENCE = 'openraz';
const TOKEN_LIFETIME = '5m';
// Two levels up from both src/demo/ and dist/demo/ is the repository root.
const POLICIES_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));

/** A demo user and the groups its token carries. */
export interface DemoUser {
  name: string;
  groups: string[];
}

/** Everything the demo started, with the addresses and tokens the steps use. */
export interface DemoEnvironment {
  tempDir: string;
  policiesDir: string;
  s3Url: string;
  openrazUrl: string;
  auditFile: string;
  service: OpenRazService;
  /** Bearer tokens by user name. They are never printed. */
  tokens: Map<string, string>;
  /** Writes an object with the storage credentials, as an administrator would, outside openraz. */
  seedObject(key: string, body: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts s3rver and openraz on 127.0.0.1 with free ports, in a fresh temporary directory,
 * and mints a token for each user. On failure it stops what it already started.
 */
export async function startEnvironment(users: readonly DemoUser[]): Promise<DemoEnvironment> {
  const tempDir = await mkdtemp(path.join(tmpdir(), 'openraz-demo-'));
  const stops: (() => Promise<void>)[] = [() => rm(tempDir, { recursive: true, force: true })];
  const close = () => stopAll(stops);

  try {
    const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(tempDir, 's3'), configureBuckets: [{ name: DEMO_BUCKET }] });
    const { port: s3Port } = await s3.run();
    stops.unshift(() => s3.close());
    const s3Url = `http://127.0.0.1:${s3Port}`;

    // jose generates a non-extractable private key, so it cannot leave this process.
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const kid = randomUUID();
    const jwksFile = path.join(tempDir, 'jwks.json');
    await writePublicJwks(jwksFile, publicKey, kid);

    const auditFile = path.join(tempDir, 'audit.log');
    const config = buildConfig(s3Url, jwksFile, auditFile);
    const service = await createService(config, { credentials: S3RVER_CREDENTIALS });
    stops.unshift(() => service.close());
    const openrazUrl = await service.app.listen({ host: config.server.host, port: config.server.port });

    const tokens = new Map<string, string>();
    for (const user of users) tokens.set(user.name, await mintToken(user, privateKey, kid));

    const seedObject = createSeeder(new UrlSigner(parseStorageTarget(s3Url, config.s3.region, true), S3RVER_CREDENTIALS));
    return { tempDir, policiesDir: POLICIES_DIR, s3Url, openrazUrl, auditFile, service, tokens, seedObject, close };
  } catch (error) {
    // The setup error is the one to report; a cleanup error after it would hide it.
    await close().catch(() => undefined);
    throw error;
  }
}

/** Builds the openraz configuration; an empty environment keeps OPENRAZ_* variables out of the demo. */
function buildConfig(s3Url: string, jwksFile: string, auditFile: string): Config {
  const document = {
    server: { host: '127.0.0.1', port: 0 },
    policies: { dir: POLICIES_DIR },
    jwt: { issuer: ISSUER, audience: [AUDIENCE], algorithms: ['ES256'], jwksFile },
    s3: { endpoint: s3Url, forcePathStyle: true },
    audit: { destination: auditFile },
    log: { level: 'warn' },
  };
  return validateConfigDocument(document, 'demo', {});
}

function createSeeder(signer: UrlSigner): DemoEnvironment['seedObject'] {
  return async (key, body) => {
    const operation = describeOperation({ operation: 'PutObject', bucket: DEMO_BUCKET, key });
    const { url } = await signer.presign(operation, { expiresInSeconds: 60, signingDate: new Date() });
    const response = await fetch(url, { method: 'PUT', body });
    if (response.status !== 200) throw new Error(`seeding s3://${DEMO_BUCKET}/${key} failed with HTTP ${response.status}`);
  };
}

async function writePublicJwks(file: string, publicKey: CryptoKey, kid: string): Promise<void> {
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  await writeFile(file, JSON.stringify({ keys: [jwk] }));
}

function mintToken(user: DemoUser, privateKey: CryptoKey, kid: string): Promise<string> {
  return new SignJWT({ groups: user.groups })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(user.name)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(TOKEN_LIFETIME)
    .sign(privateKey);
}

/** Runs every stop function in order, even when one fails, and rethrows the first error. */
async function stopAll(stops: readonly (() => Promise<void>)[]): Promise<void> {
  let firstError: unknown;
  for (const stop of stops) {
    try {
      await stop();
    } catch (error) {
      firstError ??= error;
    }
  }
  if (firstError !== undefined) throw firstError;
}

/** Flushes the audit stream and returns its records. */
export async function readAudit(environment: DemoEnvironment): Promise<Record<string, unknown>[]> {
  await environment.service.audit.flush();
  const text = await readFile(environment.auditFile, 'utf8').catch(emptyIfMissing);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Returns no text for a missing audit file, which appears only with the first write. */
function emptyIfMissing(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return '';
  throw error;
}
