import { z } from 'zod';
import { DomainException, ErrorCode } from '@mch/util-errors';
import { isSecretKey, registerSecretValues } from '@mch/util-logger';

export type Env = Record<string, string | undefined>;

const SHELL_DIRECTORIES = new Set(['PWD', 'OLDPWD']);

type Parsed<T extends Record<string, z.ZodType>> = { [K in keyof T]: z.infer<T[K]> };

/**
 * Parses the environment into named sections (one zod object per section, keys are variable
 * names). Every problem in every section is reported at once, each naming its variable, so a pod
 * fails at boot with one readable message instead of failing later on its first query. Values are
 * never echoed: they may be secrets.
 */
export function loadConfigSections<T extends Record<string, z.ZodType>>(sections: T, env: Env = process.env): Parsed<T> {
  // Whatever later logs a driver error or a URL holding one of these values, the line is scrubbed.
  // PWD and OLDPWD are the shell's directories, not passwords: as "secrets" they blanked the
  // workspace path out of every stack trace.
  registerSecretValues(Object.entries(env).filter(([key]) => isSecretKey(key) && !SHELL_DIRECTORIES.has(key)).map(([, value]) => value));
  const out: Partial<Parsed<T>> = {};
  const problems: { variable: string; why: string }[] = [];
  for (const [name, schema] of Object.entries(sections) as [keyof T, z.ZodType][]) {
    const result = schema.safeParse(env);
    if (result.success) {
      out[name] = result.data as Parsed<T>[keyof T];
      continue;
    }
    for (const issue of result.error.issues) {
      const variable = issue.path.join('.') || '(environment)';
      if (problems.some((p) => p.variable === variable)) continue;
      const received = env[String(issue.path[0])];
      const missing = received === undefined || received === '';
      // A variable required only beside another one says which (PGSSLROOTCERT with verify-full).
      const why = missing ? (issue.code === 'custom' ? `is missing: ${issue.message}` : 'is missing') : `is invalid: ${issue.message}`;
      problems.push({ variable, why });
    }
  }
  if (problems.length > 0) {
    const message = `Invalid configuration: ${problems.map((p) => `${p.variable} ${p.why}`).join('; ')}`;
    throw new DomainException(ErrorCode.ConfigInvalid, message, { field: problems[0].variable, problems });
  }
  return out as Parsed<T>;
}

export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.infer<S> {
  return loadConfigSections({ config: schema }, env).config;
}
