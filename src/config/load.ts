import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { LoadError, type LoadProblem } from '../errors/index.js';
import { ajvErrorsToProblems } from '../lib/ajv-problems.js';
import { applyEnvironmentOverrides } from './env.js';
import { CONFIG_SCHEMA, type Config } from './schema.js';
import { checkStorageSettings, explainInlineKey } from './storage-rules.js';

const KEY_SOURCES = ['jwksUrl', 'jwksFile', 'publicKeyFile', 'secretFile'] as const;

const validateConfig = new Ajv({ allErrors: true, useDefaults: true, strict: true }).compile(CONFIG_SCHEMA);

/**
 * Reads the configuration file (JSON or YAML, optional), applies environment overrides and
 * validates the result.
 *
 * @throws LoadError listing every problem, each with its JSON pointer.
 */
export async function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let document: Record<string, unknown> = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new LoadError('invalid configuration', [{ source: file, pointer: '', message: `cannot read the file: ${(error as Error).message}` }]);
    }
    try {
      const parsed: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be an object');
        document = parsed as Record<string, unknown>;
      }
    } catch (error) {
      throw new LoadError('invalid configuration', [{ source: file, pointer: '', message: `cannot parse: ${(error as Error).message}` }]);
    }
  }
  return validateConfigDocument(document, file ?? 'configuration', env);
}

/**
 * Applies environment overrides to a parsed configuration document and validates it.
 *
 * @throws LoadError listing every problem.
 */
export function validateConfigDocument(document: Record<string, unknown>, source: string, env: NodeJS.ProcessEnv): Config {
  const config = structuredClone(document);
  const fromEnvironment = new Map<string, string>();
  const problems: LoadProblem[] = applyEnvironmentOverrides(config, env, fromEnvironment);

  // A value set by an environment variable is reported under the variable's name.
  const attribute = (found: LoadProblem[]): LoadProblem[] =>
    found.map((problem) => {
      const pointer = [...fromEnvironment.keys()].find((set) => problem.pointer === set || problem.pointer.startsWith(`${set}/`));
      return pointer === undefined ? problem : { ...problem, source: fromEnvironment.get(pointer)! };
    });

  // The s3 section before defaults fill it, to tell a value that was set from a default.
  const explicitS3 = isObject(config.s3) ? structuredClone(config.s3) : undefined;
  if (!validateConfig(config)) problems.push(...attribute(ajvErrorsToProblems(source, validateConfig.errors).map(explainInlineKey)));
  if (problems.length > 0) throw new LoadError('invalid configuration', problems);

  const valid = config as unknown as Config;
  problems.push(...attribute(checkConsistency(valid, source)));
  problems.push(...attribute(checkStorageSettings(valid.s3, explicitS3, source)));
  if (problems.length > 0) throw new LoadError('invalid configuration', problems);
  return valid;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the rules that span several settings, which JSON Schema cannot state clearly. */
function checkConsistency(config: Config, source: string): LoadProblem[] {
  const problems: LoadProblem[] = [];
  const { jwt, signing } = config;

  const keySources = KEY_SOURCES.filter((name) => jwt[name] !== undefined);
  if (keySources.length !== 1) {
    problems.push({
      source,
      pointer: '/jwt',
      message: `set exactly one token key source of ${KEY_SOURCES.join(', ')} (OPENRAZ_JWT_JWKS_URL, OPENRAZ_JWT_JWKS_FILE, OPENRAZ_JWT_PUBLIC_KEY_FILE, OPENRAZ_JWT_SECRET_FILE); found ${keySources.length === 0 ? 'none' : keySources.join(', ')}`,
    });
  }

  // Keeping HMAC and public-key algorithms apart stops a token HMAC-signed with the
  // published public key from verifying (algorithm confusion).
  const hmac = jwt.algorithms.filter((algorithm) => algorithm.startsWith('HS'));
  if (jwt.secretFile !== undefined && hmac.length !== jwt.algorithms.length) {
    problems.push({ source, pointer: '/jwt/algorithms', message: 'a shared secret (secretFile) verifies only HS256, HS384 or HS512; remove the other algorithms' });
  }
  if (jwt.secretFile === undefined && hmac.length > 0) {
    problems.push({ source, pointer: '/jwt/algorithms', message: `${hmac.join(', ')} ${hmac.length === 1 ? 'needs' : 'need'} a shared secret (secretFile), because public keys verify only asymmetric algorithms` });
  }

  config.server.trustedProxies.forEach((entry, index) => {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits))) {
      problems.push({ source, pointer: `/server/trustedProxies/${index}`, message: `"${entry}" is not an IP address or CIDR block` });
    }
  });

  if (signing.defaultExpiresSeconds > signing.maxExpiresSeconds) {
    problems.push({
      source,
      pointer: '/signing/defaultExpiresSeconds',
      message: `defaultExpiresSeconds (${signing.defaultExpiresSeconds}) is above maxExpiresSeconds (${signing.maxExpiresSeconds})`,
    });
  }
  return problems;
}
