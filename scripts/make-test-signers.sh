#!/usr/bin/env bash
# Makes the signing certificates the tests use, in DIR (made if missing), with openssl:
#   ca.crt/.key            a root CA (365 days)           int.crt/.key   an intermediate it issued
#   rsa.crt/.key           an RSA-2048 profile signer (90 days)   ec.crt/.key    a P-256 profile signer (both by int)
#   rsa2.crt/.key          a second RSA signer (rotation)
#   expired.crt/.key       an RSA signer that expired in 2020
#   soon.crt/.key          an RSA signer that expires in 10 days
#   chain-wrong-order.pem  root then intermediate (should be intermediate then root)
set -euo pipefail
dir="$1"
mkdir -p "$dir"
cd "$dir"
quiet() { "$@" 2>/dev/null >/dev/null; }
quiet openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 365 -subj '/CN=Autodiscover Test Root' \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,cRLSign
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n' > ca.ext
printf 'keyUsage=digitalSignature\nextendedKeyUsage=emailProtection,codeSigning\n' > leaf.ext
quiet openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj '/CN=Autodiscover Test Intermediate'
quiet openssl x509 -req -in int.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out int.crt -days 365 -extfile ca.ext
leaf() {  # name, key options…, days
  local name="$1" days="$2"; shift 2
  quiet openssl req -new "$@" -keyout "$name.key" -nodes -out "$name.csr" -subj "/CN=Autodiscover Test Signer $name"
  quiet openssl x509 -req -in "$name.csr" -CA int.crt -CAkey int.key -CAcreateserial -out "$name.crt" -days "$days" -extfile leaf.ext
}
leaf rsa 90 -newkey rsa:2048
leaf rsa2 90 -newkey rsa:2048
leaf ec 90 -newkey ec -pkeyopt ec_paramgen_curve:P-256
leaf soon 10 -newkey rsa:2048
# Expired: issued with fixed dates through `openssl ca`.
mkdir -p ca-db/new
: > ca-db/index.txt
echo 1000 > ca-db/serial
cat > ca.cnf <<'CNF'
[ca]
default_ca = test
[test]
dir = ./ca-db
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
default_md = sha256
policy = anything
copy_extensions = none
[anything]
commonName = supplied
CNF
quiet openssl req -new -newkey rsa:2048 -nodes -keyout expired.key -out expired.csr -subj '/CN=Autodiscover Test Signer expired'
quiet openssl ca -batch -config ca.cnf -cert int.crt -keyfile int.key -in expired.csr -out expired.crt \
  -startdate 20200101000000Z -enddate 20200102000000Z -notext -extfile leaf.ext
cat ca.crt int.crt > chain-wrong-order.pem
