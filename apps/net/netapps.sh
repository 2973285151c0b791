# netapps.sh: busybox's network applets in one boot (apps.boot.netapps, apps/net/tests/
# netapps_boot_test.py; in the archive as /netapps.sh, run as init.run=bin/busybox,sh,
# /netapps.sh,NCPORT,HTTPPORT,DNSPORT). The host listens on 10.0.2.2 (QEMU's user network
# forwards to its 127.0.0.1): NCPORT a TCP peer for nc, HTTPPORT an HTTP server for wget,
# DNSPORT a DNS server for nslookup. It reaches the guest through hostfwd: port 80 (httpd) and
# 7777 (nc -l, which ends the script). Each section starts with "== NAME"; the host compares
# them exactly (times masked).
nc_port=$1 http_port=$2 dns_port=$3
n=0
until grep -q "addr=10.0.2.15/24 gw=10.0.2.2 gwmac=5" /proc/net/tessera; do
  n=$((n + 1))
  [ $n -gt 300 ] && { echo "no lease"; break; }
  sleep 0.2
done
echo "== hostname"
hostname
echo "== ifconfig"
ifconfig eth0
ifconfig lo
echo "== route"
route -n
echo "== ip"
ip route
echo "rc=$?"
echo "== ping"
ping -c 2 10.0.2.2
echo "rc=$?"
echo "== nc"
echo "hello from tessera" | nc -w 20 10.0.2.2 "$nc_port"
echo "rc=$?"
echo "== wget"
wget -q -O - "http://10.0.2.2:$http_port/hello.txt"
wget -q -O /tmp/pattern.bin "http://10.0.2.2:$http_port/pattern.bin"
echo "rc=$?"
sha256sum /tmp/pattern.bin
echo "== nslookup"
nslookup tessera.test "10.0.2.2:$dns_port"
echo "rc=$?"
echo "== httpd"
mkdir -p /tmp/www/cgi-bin
i=0
while [ $i -lt 512 ]; do
  echo "line $i of the file busybox's httpd serves to the host"
  i=$((i + 1))
done >/tmp/www/data.txt
# exec runs ELF images only (a #! script is ENOEXEC), so httpd runs its CGI through an
# interpreter of its configuration: *.sh by /bin/sh
printf 'echo "Content-Type: text/plain"\necho\necho "cgi: $QUERY_STRING"\n' \
  >/tmp/www/cgi-bin/hello.sh
chmod 755 /tmp/www/cgi-bin/hello.sh
echo '*.sh:/bin/sh' >/tmp/httpd.conf
sha256sum /tmp/www/data.txt
httpd -p 80 -h /tmp/www -c /tmp/httpd.conf
echo "rc=$?"
echo "== netstat"
netstat -tln
netstat -uln
netstat -xl
echo "== ready"
nc -l -p 7777 </dev/null
echo "rc=$?"
echo "== end"
cat /proc/net/if_inet6 /proc/net/dev /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/unix
