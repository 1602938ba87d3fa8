export * from './kube-api.client';
export * from './kube-workloads';
export * from './kubernetes-actions';
export * from './kubernetes.participant';
export * from './operator-commands';
export * from './toolkit-workloads';
export * from './workload-state';
