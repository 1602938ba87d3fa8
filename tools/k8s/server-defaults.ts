// Fields the published OpenAPI spec lists as required (no omitempty in the Go type) although the
// API server fills them in before it validates: an object that leaves them out is accepted. Each
// entry is checked against the defaulting code of the pinned k8s.io/kubernetes source, so a
// version in which the default is gone fails the generation instead of weakening the schema.
export interface ServerDefault {
  schema: string;
  field: string;
  defaultsFile: string;
  evidence: RegExp;
}

export const SERVER_DEFAULTED_REQUIRED: ServerDefault[] = [
  {
    // "Defaults to True." (batch/v1 PodFailurePolicyOnPodConditionsPattern.status)
    schema: 'io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern',
    field: 'status',
    defaultsFile: 'pkg/apis/batch/v1/defaults.go',
    evidence:
      /func SetDefaults_PodFailurePolicyOnPodConditionsPattern\([^)]*\) \{\s*if obj\.Status == "" \{\s*obj\.Status = corev1\.ConditionTrue/,
  },
];
