import { containerFromCgroup } from './cgroup';

const ID = 'a'.repeat(12) + '0123456789abcdef'.repeat(3) + 'b'.repeat(4);

describe('containerFromCgroup', () => {
  it('reads docker ids from cgroup v1 and from systemd scopes', () => {
    expect(containerFromCgroup(`12:memory:/docker/${ID}\n0::/\n`)).toEqual({
      id: ID,
      runtime: 'docker',
    });
    expect(containerFromCgroup(`0::/system.slice/docker-${ID}.scope\n`)).toEqual({
      id: ID,
      runtime: 'docker',
    });
  });

  it('reads containerd, CRI-O and podman scopes with the pod uid under kubepods', () => {
    const pod =
      '0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_1111_2222_3333_444455556666.slice';
    expect(containerFromCgroup(`${pod}/cri-containerd-${ID}.scope`)).toEqual({
      id: ID,
      runtime: 'containerd',
      podUid: '1b2c3d4e-1111-2222-3333-444455556666',
    });
    expect(containerFromCgroup(`${pod}/crio-${ID}.scope`)).toMatchObject({
      id: ID,
      runtime: 'cri-o',
    });
    expect(
      containerFromCgroup(
        `0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`,
      ),
    ).toEqual({ id: ID, runtime: 'podman' });
  });

  it('reads cgroupfs-driver kubepods paths', () => {
    expect(
      containerFromCgroup(
        `4:cpu:/kubepods/besteffort/pod0a1b2c3d-0000-1111-2222-333344445555/${ID}`,
      ),
    ).toEqual({
      id: ID,
      runtime: 'kubernetes',
      podUid: '0a1b2c3d-0000-1111-2222-333344445555',
    });
  });

  it('says nothing for host processes, including hex that is not a 64-digit container id', () => {
    expect(containerFromCgroup('0::/\n')).toBeUndefined();
    expect(
      containerFromCgroup(
        '4:memory:/process_api/9b143364d213f72ab2033129c7254fc8\n0::/user.slice/session-3.scope\n',
      ),
    ).toBeUndefined();
  });
});
