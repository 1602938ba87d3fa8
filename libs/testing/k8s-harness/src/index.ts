export type * from './lib/k8s-types';
export { renderOverlay, overlayOf, overlayFromObjects, podTemplateOf, RenderError, type RenderedOverlay } from './lib/rendered-overlay';
export { parseDockerfile, DockerfileError, type ImageConfig, type ImageCopy } from './lib/dockerfile';
export { imageLayout, appOfImage, ImageError, type ImageLayout } from './lib/image-layout';
export { containerEnv, expandVars, fieldRefValue, quantity, serviceLinkEnv, CreateContainerConfigError, type PodIdentity, type EnvSources } from './lib/pod-env';
export { localStack, readStackEnv, pointAtStack, STORE_ENDPOINT_KEYS, type LocalStack, type StoreEndpointKey, type StackInstance } from './lib/local-stack';
export { volumeFiles, materializeVolumes, remapMountedPaths, type VolumeFile, type VolumeSources, type MaterializedMount } from './lib/pod-volumes';
export { planPod, containerArgv, podNameFor, type HarnessContext, type PodPlan, type PlanOptions } from './lib/pod-plan';
export { startProcess, exitCodeOf, type PodProcess, type PodExit } from './lib/pod-process';
export { runJob, type JobResult, type JobPodResult, type RunJobOptions } from './lib/job-runner';
export { startLongRunningPod, hostPortOf, type LongRunningPod, type ProbeEvent, type ProbeKind } from './lib/long-running-pod';
export {
  analysisMetrics,
  substituteArgs,
  kubernetesJsonPath,
  evaluateCondition,
  measureWeb,
  runWebMetric,
  jobOfMetric,
  AnalysisError,
  type AnalysisMetric,
  type Measurement,
} from './lib/argo-analysis';
export { startTcpProxy, type TcpProxy } from './lib/tcp-proxy';
