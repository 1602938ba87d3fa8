import { accessSync, constants } from 'node:fs';
import { z } from 'zod';

/** Empty counts as unset: a ConfigMap key left blank must not read as a path or a choice. */
export const optionalText = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.string().trim().min(1).optional(),
);

export const booleanFlag = z
  .preprocess((v) => (v === '' ? undefined : v), z.enum(['true', 'false']).default('false'))
  .transform((v) => v === 'true');

/** Why a certificate or key file cannot be used, or undefined when the process can read it. */
export function unreadableFile(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    return `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

type Ctx = z.core.$RefinementCtx;

/** Reports a set path the process cannot read, at boot rather than at the first connection. */
export function checkReadable(ctx: Ctx, variable: string, path: string | undefined): void {
  if (path === undefined) return;
  const why = unreadableFile(path);
  if (why) ctx.addIssue({ code: 'custom', path: [variable], message: why });
}

/** A variable that only means something beside another one (say which, so the fix is obvious). */
export function requireWith(ctx: Ctx, variable: string, value: unknown, because: string): void {
  if (value === undefined)
    ctx.addIssue({ code: 'custom', path: [variable], message: `required when ${because}` });
}

export function forbidWith(ctx: Ctx, variable: string, value: unknown, because: string): void {
  if (value !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: [variable],
      message: `has no effect when ${because}; unset it or change that`,
    });
}
