// The final stage of a Dockerfile, as the image's config records it: WORKDIR, ENV, ENTRYPOINT,
// CMD, USER and the COPY --from lines that lay its filesystem out. Only what the harness needs to
// run the image's entry point outside a container runtime; an instruction it cannot read fails.

export class DockerfileError extends Error {}

export interface ImageCopy {
  from: string;
  sources: string[];
  dest: string;
}

export interface ImageConfig {
  stage: string;
  workdir: string;
  env: Record<string, string>;
  /** Exec form only: a shell-form entry point would run under /bin/sh -c, which the harness refuses. */
  entrypoint: string[];
  cmd: string[];
  user?: string;
  copies: ImageCopy[];
  /** Ports the image declares (EXPOSE): a process of the image may listen there. */
  exposed: number[];
  /** WORKDIR of every named stage, to map `COPY --from=<stage> <absolute path>` onto a build tree. */
  stageWorkdirs: Record<string, string>;
}

/** Joins continuation lines and drops comments and the parser directives. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!current && (line.trim().startsWith('#') || !line.trim())) continue;
    if (current && line.trim().startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    out.push((current + line).trim());
    current = '';
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function substitute(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_all, a: string, b: string) => vars[a ?? b] ?? '');
}

function execForm(keyword: string, rest: string): string[] {
  if (!rest.startsWith('[')) throw new DockerfileError(`${keyword} ${rest}: shell form is not supported (the image would run /bin/sh -c)`);
  const parsed: unknown = JSON.parse(rest);
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw new DockerfileError(`${keyword} ${rest}: not a JSON string array`);
  return parsed as string[];
}

/** ENV a=b c="d e" or the legacy ENV a b form. */
function parseEnv(rest: string, vars: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(rest)) {
    const [key, ...value] = rest.split(/\s+/);
    result[key] = substitute(value.join(' '), vars);
    return result;
  }
  for (const m of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) {
    result[m[1]] = substitute(m[3] ?? m[2], { ...vars, ...result });
  }
  return result;
}

/**
 * The final stage's image config. `buildArgs` are the `--build-arg` values (e.g. APP); an ARG's
 * default applies when it has none. ENTRYPOINT and CMD reset as Docker does: a stage starts with
 * its base image's (unknown here, so empty: the base node image's CMD is dropped once ENTRYPOINT is set).
 */
export function parseDockerfile(text: string, buildArgs: Record<string, string>): ImageConfig {
  const globalArgs: Record<string, string> = {};
  let stage: ImageConfig | undefined;
  let vars: Record<string, string> = {};
  const stageWorkdirs: Record<string, string> = {};
  for (const line of instructions(text)) {
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) throw new DockerfileError(`cannot read Dockerfile line: ${line}`);
    const keyword = match[1].toUpperCase();
    const rest = match[2].trim();
    if (keyword === 'FROM') {
      const name = /\sAS\s+(\S+)$/i.exec(rest)?.[1] ?? '';
      if (stage?.stage) stageWorkdirs[stage.stage] = stage.workdir;
      stage = { stage: name, workdir: '/', env: {}, entrypoint: [], cmd: [], copies: [], exposed: [], stageWorkdirs };
      vars = { ...globalArgs };
      continue;
    }
    if (keyword === 'ARG') {
      const [name, value] = rest.split('=', 2);
      const resolved = buildArgs[name] ?? (stage ? (value !== undefined ? substitute(value, vars) : (globalArgs[name] ?? '')) : (value ?? ''));
      if (stage) vars[name] = resolved;
      else globalArgs[name] = resolved;
      continue;
    }
    if (!stage) throw new DockerfileError(`${keyword} before the first FROM`);
    const scope = { ...vars, ...stage.env };
    switch (keyword) {
      case 'WORKDIR': {
        const dir = substitute(rest, scope);
        stage.workdir = dir.startsWith('/') ? dir : `${stage.workdir.replace(/\/$/, '')}/${dir}`;
        break;
      }
      case 'ENV':
        Object.assign(stage.env, parseEnv(rest, scope));
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = execForm(keyword, rest);
        stage.cmd = [];
        break;
      case 'CMD':
        stage.cmd = execForm(keyword, rest);
        break;
      case 'USER':
        stage.user = substitute(rest, scope);
        break;
      case 'COPY': {
        const words = rest.split(/\s+/).map((w) => substitute(w, scope));
        const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
        const paths = words.filter((w) => !w.startsWith('--'));
        if (paths.length < 2) throw new DockerfileError(`COPY ${rest}: needs a source and a destination`);
        const dest = paths[paths.length - 1];
        const absolute = dest.startsWith('/') ? dest : `${stage.workdir.replace(/\/$/, '')}/${dest.replace(/^\.\/?/, '')}`;
        stage.copies.push({ from: from ?? '', sources: paths.slice(0, -1), dest: absolute.replace(/\/$/, '') || '/' });
        break;
      }
      case 'EXPOSE':
        for (const word of substitute(rest, scope).split(/\s+/)) stage.exposed.push(Number(word.split('/')[0]));
        break;
      // Build-time only or not part of how the process starts.
      case 'RUN':
      case 'LABEL':
      case 'HEALTHCHECK':
      case 'ADD':
      case 'SHELL':
      case 'STOPSIGNAL':
      case 'VOLUME':
      case 'ONBUILD':
        break;
      default:
        throw new DockerfileError(`unknown Dockerfile instruction ${keyword}`);
    }
  }
  if (!stage) throw new DockerfileError('Dockerfile has no FROM');
  return stage;
}
