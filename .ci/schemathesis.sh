#!/usr/bin/env bash
# CI: the OpenAPI document tells the truth. Starts `kiln serve` (the debug build the tests already
# made) on a scratch SQLite data dir, gives it a tenant with a dataset, an enablement target and
# tokens for each role, then lets schemathesis call every documented route as an operator, as the
# tenant's admin and as a maker. Any 5xx, undocumented status, wrong Content-Type or body that does
# not match its schema fails the step. Bounded: each pass has a time budget (SCHEMATHESIS_SECONDS
# in total, default 120).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

budget=${SCHEMATHESIS_SECONDS:-120}
venv=$root/target/schemathesis-venv
version=4.32.5   # the CLI's flags changed between 3.x and 4.x: pin what this script speaks

# CPython 3.11 can fail parsing hypothesis' own sources ("AST constructor recursion depth
# mismatch"), which schemathesis reports as an error: prefer 3.12 or later where there is one.
python=
for candidate in python3.13 python3.12 "$(command -v pyenv >/dev/null && ls -d "$(pyenv root)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | tail -n 1)" python3; do
  if [[ -n $candidate ]] && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    python=$candidate
    break
  fi
done
python=${python:-python3}
if [[ ! -x $venv/bin/schemathesis ]] || ! "$venv/bin/schemathesis" --version | grep -q "$version"; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$version"
fi

# The debug binary the README's test command built (the CLI's tests need it); built here only
# when the step runs on its own.
kiln=$root/target/debug/kiln
[[ -x $kiln ]] || cargo build --quiet -p kiln

work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
# KILN_DB would point the server elsewhere; this step always uses its own SQLite file.
env -u KILN_DB RUST_LOG=warn "$kiln" serve --data-dir "$work/data" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -sf "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "kiln serve exited" >&2; exit 1; }
  sleep 0.2
done
curl -sf "$base/readyz" >/dev/null || { cat "$work/serve.log" >&2; echo "kiln serve is not ready" >&2; exit 1; }

json() { python3 -c 'import json, sys; print(eval("j" + sys.argv[1], {"j": json.load(sys.stdin)}))' "$1"; }
call() { # call TOKEN METHOD PATH [curl args...]: the JSON answer, failing on a 4xx or 5xx
  local token=$1 method=$2 path=$3
  shift 3
  curl -sS --fail-with-body -X "$method" -H "Authorization: Bearer $token" "$@" "$base$path"
}

operator=$(env -u KILN_DB "$kiln" admin bootstrap --data-dir "$work/data" --json | json '["token"]')
call "$operator" POST /v1/tenants -H 'Content-Type: application/json' \
  -d '{"id":"t1","name":"Tenant One","district":"yanta","park":"none","industry":"C39","size_class":"small"}' >/dev/null
tenant_admin=$(call "$operator" POST /v1/tokens -H 'Content-Type: application/json' \
  -d '{"principal":"t1-admin","role":"enterprise-admin","tenant":"t1"}' | json '["token"]')
maker=$(call "$operator" POST /v1/tokens -H 'Content-Type: application/json' \
  -d '{"principal":"maker1","role":"maker"}' | json '["token"]')
call "$maker" POST /v1/namespaces -H 'Content-Type: application/json' -d '{"name":"acme"}' >/dev/null
printf 'value\n1.5\n2.5\n' >"$work/readings.csv"
call "$tenant_admin" POST /v1/tenants/t1/datasets/readings -H 'Content-Type: text/csv' \
  --data-binary @"$work/readings.csv" >/dev/null
# A token nobody uses, for the revoke route to find.
ids=("$(call "$operator" POST /v1/tokens -H 'Content-Type: application/json' \
  -d '{"principal":"spare","role":"maker"}' | json '["record"]["id"]')")
names=(readings)
versions=(0.0.0)

# A published, approved and enabled plugin with a queued and a finished run, so the run routes
# answer with real records. The guest is built by the tests (kiln-test-guests) before this step.
guest=$root/target/guests/wasm32-wasip2/release/good.wasm
if [[ -f $guest ]]; then
  KILN_REGISTRY=$base KILN_TOKEN=$maker "$kiln" keygen --out "$work/acme.key" >/dev/null
  KILN_REGISTRY=$base KILN_TOKEN=$maker "$kiln" key add --public "$work/acme.key.pub" >/dev/null
  version=$(KILN_REGISTRY=$base KILN_TOKEN=$maker "$kiln" plugin publish "$guest" --namespace acme \
    --key "$work/acme.key" --json | json '["version"]')
  call "$operator" POST "/v1/plugins/acme/good/versions/$version/approve" >/dev/null
  enablement=$(call "$tenant_admin" POST /v1/tenants/t1/enablements -H 'Content-Type: application/json' \
    -d '{"namespace":"acme","plugin":"good"}' | json '["id"]')
  queued=$(call "$tenant_admin" POST "/v1/tenants/t1/enablements/$enablement/runs" \
    -H 'Content-Type: application/json' -d '{"mode":"queued"}' | json '["id"]')
  synced=$(call "$tenant_admin" POST "/v1/tenants/t1/enablements/$enablement/runs" \
    -H 'Content-Type: application/json' -d '{"mode":"sync"}' | json '["id"]')
  ids+=("$enablement" "$queued" "$synced")
  names+=(good)
  versions=("$version")
else
  echo "note: $guest is not built; the run routes are exercised without a plugin" >&2
fi
quoted() { printf '"%s", ' "$@" | sed 's/, $//'; }

# Known names and ids, offered beside generated ones so handlers get past their lookups.
cat >"$work/schemathesis.toml" <<EOF
[dictionaries.tenants]
values = ["t1"]
[dictionaries.namespaces]
values = ["acme"]
[dictionaries.names]
values = [$(quoted "${names[@]}")]
[dictionaries.versions]
values = [$(quoted "${versions[@]}")]
[dictionaries.ids]
values = [$(quoted "${ids[@]}")]

[parameters]
"path.tenant" = { dictionary = "tenants", probability = 0.8 }
"path.ns" = { dictionary = "namespaces", probability = 0.6 }
"path.name" = { dictionary = "names", probability = 0.6 }
"path.version" = { dictionary = "versions", probability = 0.6 }
"path.id" = { dictionary = "ids", probability = 0.6 }
EOF

run_pass() { # run_pass NAME TOKEN SECONDS [filters...]
  local name=$1 token=$2 seconds=$3
  shift 3
  echo "schemathesis: $name pass, $seconds s"
  # From the scratch dir: schemathesis keeps a cache in its working directory.
  (cd "$work" && "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$base/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-time "$seconds" --max-examples 50 --workers 2 --request-timeout 20 \
    --generation-database none --no-color --seed 1 \
    -H "Authorization: Bearer $token" "$@")
}

started=$SECONDS
status=0
# The operator goes last: its takedowns would leave the others little to run.
run_pass tenant-admin "$tenant_admin" $((budget * 2 / 5)) --include-tag-regex '^(tenants|datasets|enablements|runs)$' || status=1
run_pass maker "$maker" $((budget / 5)) --include-tag-regex '^(keys|namespaces|plugins|tokens)$' || status=1
run_pass operator "$operator" $((budget * 2 / 5)) || status=1
echo "schemathesis: $((SECONDS - started)) s in all"
if [[ $status -ne 0 ]]; then
  echo "--- kiln serve log (last 50 lines)" >&2
  tail -n 50 "$work/serve.log" >&2
fi
exit $status
