import type { ContainerRef } from './types';

const ID = '([0-9a-f]{64})';
const POD = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/;

const PATTERNS: Array<{ re: RegExp; runtime: ContainerRef['runtime'] }> = [
  { re: new RegExp(`cri-containerd-${ID}\\.scope`), runtime: 'containerd' },
  { re: new RegExp(`crio-(?:conmon-)?${ID}\\.scope`), runtime: 'cri-o' },
  { re: new RegExp(`libpod-(?:conmon-)?${ID}(?:\\.scope)?`), runtime: 'podman' },
  { re: new RegExp(`docker-${ID}\\.scope`), runtime: 'docker' },
  { re: new RegExp(`/docker/${ID}(?:/|$)`), runtime: 'docker' },
  // cgroupfs driver under kubelet: /kubepods/<qos>/pod<uid>/<id>
  { re: new RegExp(`/kubepods[^\\n]*/${ID}(?:/|$)`), runtime: 'kubernetes' },
  { re: new RegExp(`/containerd/${ID}(?:/|$)`), runtime: 'containerd' },
];

/**
 * The container a process runs in, from /proc/PID/cgroup (v1 "N:ctrl:/path" or v2 "0::/path").
 * Recognises docker, containerd (incl. CRI), CRI-O, podman and kubepods layouts.
 */
export function containerFromCgroup(text: string): ContainerRef | undefined {
  for (const line of text.split('\n')) {
    const cgPath = line.split(':').slice(2).join(':');
    if (cgPath === '' || cgPath === '/') continue;
    for (const { re, runtime } of PATTERNS) {
      const m = re.exec(cgPath);
      if (!m) continue;
      const pod = POD.exec(cgPath);
      const podUid = pod ? pod[1].replace(/_/g, '-') : undefined;
      const ref: ContainerRef = { id: m[1], runtime };
      if (podUid) ref.podUid = podUid;
      return ref;
    }
  }
  return undefined;
}
