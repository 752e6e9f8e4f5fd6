#!/bin/busybox sh
# shellcheck shell=dash disable=SC2016
# /init of the kernel bench's initramfs (tests/kernels/run.sh builds it; busybox only):
# mounts the host's root read-only over 9p under a tmpfs overlay, runs the bench's guest
# script chrooted into that, then powers off whatever happened.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
# The host waits for this line to know the guest boots (KVM, when it hangs, never prints it).
echo "xsc-kernels: init on $(uname -r)"
mount -t proc proc /proc
mount -t sysfs sysfs /sys

off()
{
	echo "xsc-kernels: $*"
	sync
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 10
}

while read -r m; do
	insmod "/modules/$m" || echo "xsc-kernels: insmod $m failed"
done </modules/load

# cache=loose: the lower layer is read-only and nothing in it that the suites read changes
# while they run. 256 KiB messages make reads over 9p cost fewer round trips.
opts=trans=virtio,version=9p2000.L,ro,cache=loose
mount -t 9p -o "$opts,msize=262144" xsc-root /lower || mount -t 9p -o "$opts" xsc-root /lower ||
	off "mounting the host's root over 9p failed"
mount -t tmpfs -o mode=0755 tmpfs /upper
mkdir -p /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot ||
	off "mounting the overlay failed"
mkdir -p /newroot/xsc-out
# Results go straight to the host: no cache.
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=262144 xsc-out /newroot/xsc-out ||
	off "mounting the results directory failed"

# The kernel runs /sbin/modprobe from this root to load modules on demand (a veth link, a
# qdisc, a diag family): hand those requests to the host's kmod in the overlay, which sees
# the guest kernel's modules (tests/kernels/guest.sh binds them).
mkdir -p /sbin
printf '#!/bin/sh\nexec /bin/chroot /newroot /sbin/modprobe "$@"\n' >/sbin/modprobe
chmod 0755 /sbin/modprobe

echo "xsc-kernels: root mounted; running the suites"
chroot /newroot /bin/bash -c '. /xsc-out/plan && exec "$XSC_ROOT/tests/kernels/guest.sh"'
echo "xsc-kernels: guest script exited with status $?"
off "powering off"
