import { AnalysisError, evaluateCondition, kubernetesJsonPath, substituteArgs } from './argo-analysis';
import { parseDockerfile } from './dockerfile';

describe('Argo analysis pieces', () => {
  it('reads the Kubernetes JSONPath subset and refuses the rest', () => {
    const data = { status: 'ok', info: { list: [{ a: 1 }] } };
    expect(kubernetesJsonPath(data, '{$.status}')).toBe('ok');
    expect(kubernetesJsonPath(data, '{.info.list[0].a}')).toBe(1);
    expect(() => kubernetesJsonPath(data, '{.info.missing}')).toThrow(/not found/);
    expect(() => kubernetesJsonPath(data, '{.info.list[*].a}')).toThrow(AnalysisError);
  });

  it('evaluates simple expr-lang comparisons and fails loudly on others', () => {
    expect(evaluateCondition('result == "ok"', 'ok')).toBe(true);
    expect(evaluateCondition('result == "ok"', 'error')).toBe(false);
    expect(evaluateCondition('result >= 0.95 && result <= 1', 0.97)).toBe(true);
    expect(() => evaluateCondition('len(result) > 0', 'x')).toThrow(AnalysisError);
  });

  it('substitutes {{args.x}} and fails on an argument without a value', () => {
    expect(substituteArgs({ url: 'http://{{args.svc}}.{{args.ns}}.svc' }, { svc: 'a', ns: 'b' })).toEqual({ url: 'http://a.b.svc' });
    expect(() => substituteArgs({ url: '{{args.svc}}' }, {})).toThrow(/svc has no value/);
  });
});

describe('parseDockerfile', () => {
  it('reads the final stage: ARG substitution, ENV, WORKDIR, exec-form ENTRYPOINT resetting CMD, COPY --from', () => {
    const image = parseDockerfile(
      [
        'ARG BASE=node:24',
        'FROM ${BASE} AS build',
        'WORKDIR /workspace',
        'RUN build',
        'FROM ${BASE} AS runtime',
        'ARG APP',
        'ENV A=1 \\',
        '    APP=${APP}',
        'WORKDIR /workspace',
        // A RUN line is build-time only: it declares no port.
        'RUN groupadd --system --gid 10001 mch',
        'CMD ["node", "x.js"]',
        'COPY --from=build /workspace/dist/apps/${APP} ./app',
        'EXPOSE 3000',
        'USER 10001:10001',
        'ENTRYPOINT ["node", "/workspace/app/main.js"]',
      ].join('\n'),
      { APP: 'event-store' },
    );
    expect(image).toMatchObject({
      stage: 'runtime',
      workdir: '/workspace',
      env: { A: '1', APP: 'event-store' },
      entrypoint: ['node', '/workspace/app/main.js'],
      cmd: [],
      user: '10001:10001',
      exposed: [3000],
      copies: [{ from: 'build', sources: ['/workspace/dist/apps/event-store'], dest: '/workspace/app' }],
      stageWorkdirs: { build: '/workspace' },
    });
  });

  it('refuses a shell-form entry point', () => {
    expect(() => parseDockerfile('FROM x\nENTRYPOINT node main.js', {})).toThrow(/shell form/);
  });
});
