# bbsuite.sh: busybox's own testsuite (testsuite/ of the very source busybox was built from), run
# by busybox's ash in a guest: Tessera (the suite on a second ext2 disk, mounted on /mnt:
# init.run=bin/busybox,sh,/mnt/bbsuite.sh) or Linux (the same files in its initramfs). Beside
# this script: bb/busybox (the binary under test), bb/.config (its configuration: runtest and
# the tests read it), bb/testsuite/ (runtest, *.tests, the per-applet dirs) and skip.txt (applets
# not run, one "NAME reason" a line). runtest prints "@@ applet NAME" before each applet's tests
# (apps/busybox/tests/bbsuite.py adds that line to its copy), then PASS:/FAIL:/SKIPPED:/UNTESTED:
# lines; -v adds a failure's diff. The host reads those lines off the serial console.
export PATH=/bin:/usr/bin:/sbin:/usr/sbin TZ=UTC LC_ALL=C HOME=/
here=${0%/*}
cd "$here/bb/testsuite" || { echo "@@ bbsuite: no testsuite in $here/bb"; exit 1; }
skip=" $(sed -n 's/^\([A-Za-z0-9_.-]*\) .*/\1/p' "$here/skip.txt" | xargs) "
list=
for a in busybox $(../busybox --list); do
	case "$skip" in
	*" $a "*) echo "@@ skip $a" ;;
	*) list="$list $a" ;;
	esac
done
echo "@@ bbsuite start $(date +%s)"
./runtest -v $list
echo "@@ bbsuite done rc=$? $(date +%s)"
