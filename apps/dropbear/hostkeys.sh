# hostkeys.sh: the SSH server's host key, made on the first boot (in the image as
# /usr/lib/dropbear/hostkeys.sh, run by /etc/inittab's sysinit line through busybox's sh: exec
# does not follow #! lines). Every image is built the same bytes, so a key in the image would be
# every machine's key: each machine makes its own here, once; later boots find it and do
# nothing. The public key and its fingerprint go to the console, where whoever first connects
# can compare them (or make a known_hosts line of the key: apps.boot.ssh does).
# (The server's -R would make one at its first connection too; this one is there before.)
k=/etc/dropbear/dropbear_ed25519_host_key
[ -s "$k" ] && exit 0
rm -f "$k" # an empty file left by a boot that ended while writing it
dropbearkey -t ed25519 -f "$k" 2>/dev/null | while read -r word rest; do
  case $word in
  ssh-*) echo "dropbear: host key: $word ${rest%% *}" ;;
  Fingerprint:) echo "dropbear: new host key $k: $rest" ;;
  esac
done
[ -s "$k" ] || echo "dropbear: no host key: dropbearkey -t ed25519 -f $k failed"
