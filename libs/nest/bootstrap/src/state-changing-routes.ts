import {
  RequestMethod,
  type DynamicModule,
  type ForwardReference,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ALLOW_WITHOUT_API_TOKEN } from './allow-without-api-token.decorator';

/** Methods that must not change state (RFC 9110 safe methods); every other one needs the token. */
export const SAFE_HTTP_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const SAFE_REQUEST_METHODS: ReadonlySet<RequestMethod> = new Set([
  RequestMethod.GET,
  RequestMethod.HEAD,
  RequestMethod.OPTIONS,
]);

type Import = NonNullable<ModuleMetadata['imports']>[number];

const paths = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : [String(value ?? '')];
const join = (...parts: string[]) =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`;

/**
 * The state-changing HTTP routes (e.g. `POST /consistency/runs`) the given modules declare,
 * without an AllowWithoutApiToken opt-out. Read from the decorators' metadata before anything is
 * instantiated, so that config validation can require API_TOKEN in the same pass as every other
 * variable. A module Nest would only resolve at runtime (an import given as a Promise) cannot be
 * read here; the guard still refuses such routes when no token is configured (fail closed).
 */
export function stateChangingRoutes(imports: readonly Import[]): string[] {
  const routes = new Set<string>();
  const seen = new Set<unknown>();
  const visit = (entry: Import | undefined): void => {
    if (!entry || seen.has(entry) || entry instanceof Promise) return;
    seen.add(entry);
    if (typeof (entry as ForwardReference).forwardRef === 'function')
      return visit((entry as ForwardReference).forwardRef() as Import);
    const dynamic = typeof entry === 'object' ? (entry as DynamicModule) : undefined;
    const moduleClass = (dynamic ? dynamic.module : entry) as Type;
    const metadata = (key: string): unknown[] => [
      ...((Reflect.getMetadata(key, moduleClass) as unknown[] | undefined) ?? []),
      ...(((dynamic as Record<string, unknown> | undefined)?.[key] as unknown[] | undefined) ?? []),
    ];
    for (const controller of metadata(MODULE_METADATA.CONTROLLERS) as Type[]) collect(controller, routes);
    for (const imported of metadata(MODULE_METADATA.IMPORTS) as Import[]) visit(imported);
  };
  imports.forEach(visit);
  return [...routes].sort();
}

function collect(controller: Type, routes: Set<string>): void {
  if (Reflect.getMetadata(ALLOW_WITHOUT_API_TOKEN, controller) !== undefined) return;
  const prefixes = paths(Reflect.getMetadata(PATH_METADATA, controller));
  for (
    let proto = controller.prototype;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
      if (method === undefined || path === undefined || SAFE_REQUEST_METHODS.has(method)) continue;
      if (Reflect.getMetadata(ALLOW_WITHOUT_API_TOKEN, handler) !== undefined) continue;
      for (const prefix of prefixes)
        for (const p of paths(path)) routes.add(`${RequestMethod[method]} ${join(prefix, p)}`);
    }
  }
}
