# apps/busybox/config.frag: Tessera's changes to busybox's `make defconfig` (build/busybox.sh
# applies them, then `make oldconfig` settles what depends on them). One option a line, each with
# why. Everything not named here stays as defconfig has it.

# A static ELF linked by tessera-cc (musl + the libOS): there is no dynamic loader.
CONFIG_STATIC=y
# No /proc/self/exe: busybox re-executes itself (xargs, find -exec, nohup...) by this path.
CONFIG_BUSYBOX_EXEC_PATH="/bin/busybox"
# Every exec copies the whole image into pm's buffer and starts a new env: under TCG that costs
# milliseconds, so the shell runs applets in itself (after a fork, or without one for NOFORK ones).
CONFIG_FEATURE_PREFER_APPLETS=y
CONFIG_FEATURE_SH_STANDALONE=y
CONFIG_FEATURE_SH_NOFORK=y
