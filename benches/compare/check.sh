#!/usr/bin/env bash
# check.sh BASE_URL — contract checks (examples/secure_api/README.md) for the routes
# the benchmark drives, against a server that is already running on loopback.
#
#   BASE_URL    e.g. http://127.0.0.1:8081 (only 127.0.0.1/localhost accepted)
#   JWT_SECRET  optional: the server's secret; enables the expired/nbf/alg
#               checks, and lets the scope-narrowed admin token be made here
#   TOKEN_ADMIN, TOKEN_ALICE, TOKEN_GUEST  optional: tokens already minted by
#               POST /token (compare.sh passes its own), to stay under the
#               contract's 5-a-minute limit on POST /token; a 429 from
#               /token is waited out once (Retry-After, at most 65 s)
#
# Prints one PASS/FAIL/INFO line per check and ends with "N passed, M failed".
# Exit status: 0 when nothing failed. Every request has a 5 s timeout; the
# whole script sends about 40 requests.
set -u
BASE=${1:?usage: check.sh BASE_URL}
case "$BASE" in
  http://127.0.0.1:*|http://localhost:*) ;;
  *) echo "check.sh: only loopback targets (http://127.0.0.1:PORT)" >&2; exit 2 ;;
esac
PY=${PYTHON:-python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0; fail=0

# req NAME METHOD PATH [curl args...] -> $TMP/NAME.{code,hdr,body}
req() {
  local name=$1 method=$2 path=$3; shift 3
  curl -sS -m 5 -o "$TMP/$name.body" -D "$TMP/$name.hdr" -w '%{http_code}' \
       -X "$method" "$BASE$path" "$@" > "$TMP/$name.code" 2>"$TMP/$name.err" || echo 000 > "$TMP/$name.code"
}
code() { cat "$TMP/$1.code"; }
hdr()  { grep -i "^$2:" "$TMP/$1.hdr" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
# jget NAME EXPR -> python expression evaluated on the parsed JSON body `j`
jget() { "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/$1.body" "$2" 2>/dev/null; }
ok()   { if [ "$1" = 0 ]; then echo "PASS  $2"; pass=$((pass+1)); else echo "FAIL  $2   [got: $3]"; fail=$((fail+1)); fi; }
expect_code() { # NAME WANT DESC
  local got; got=$(code "$1"); [ "$got" = "$2" ]; ok $? "$3 -> $2" "$got $(head -c 200 "$TMP/$1.body")"
}
is_error_shape() { # RFC 9457 problem document with a `code` (the contract); the refs' older {error,message} also passes
  [ "$(jget "$1" '(isinstance(j.get("title"),str) and isinstance(j.get("code"),str)) or (isinstance(j.get("error"),str) and isinstance(j.get("message"),str))')" = True ]
  ok $? "  ...and the body is an error document (problem+json with code)" "$(head -c 200 "$TMP/$1.body")"
}
# post_token NAME USER PASS [SCOPE] -> req NAME POST /token ..., waiting out one 429
post_token() {
  local name=$1 extra=(); [ -n "${4:-}" ] && extra=(--data-urlencode "scope=$4")
  req "$name" POST /token --data-urlencode "grant_type=password" --data-urlencode "username=$2" --data-urlencode "password=$3" "${extra[@]}"
  if [ "$(code "$name")" = 429 ]; then
    local ra; ra=$(hdr "$name" Retry-After | tr -dc 0-9); ra=${ra:-60}; [ "$ra" -gt 65 ] && ra=65
    echo "INFO  POST /token answered 429; waiting ${ra}s once"
    sleep "$ra"
    req "$name" POST /token --data-urlencode "grant_type=password" --data-urlencode "username=$2" --data-urlencode "password=$3" "${extra[@]}"
  fi
}
token_for() { # USER PASS [SCOPE]
  post_token "tf_$1" "$1" "$2" "${3:-}" >&2
  jget "tf_$1" 'j["access_token"]'
}
auth() { echo "Authorization: Bearer $1"; }

# ---- health and token
req health GET /health
expect_code health 200 "GET /health"
[ "$(jget health 'j == {"status": "ok"}')" = True ]; ok $? '  ...body is {"status":"ok"}' "$(cat "$TMP/health.body")"

if [ -n "${TOKEN_ALICE:-}" ]; then
  ALICE=$TOKEN_ALICE
  echo "INFO  using the caller's tokens (POST /token format checked by the caller)"
else
  post_token tok alice alice-pass
  expect_code tok 200 "POST /token alice (form)"
  [ "$(jget tok 'j["token_type"]=="bearer" and j["expires_in"]==3600 and j["access_token"].count(".")==2')" = True ]
  ok $? '  ...token_type bearer, expires_in 3600, a JWT' "$(head -c 200 "$TMP/tok.body")"
  ALICE=$(jget tok 'j["access_token"]')
fi
[ "$("$PY" - "$ALICE" <<'EOF'
import base64, json, sys
t = sys.argv[1].split(".")
pad = lambda s: s + "=" * (-len(s) % 4)
h = json.loads(base64.urlsafe_b64decode(pad(t[0]))); c = json.loads(base64.urlsafe_b64decode(pad(t[1])))
print(h.get("alg") == "HS256" and c.get("sub") == "alice" and c.get("roles") == ["user"]
      and sorted(c.get("scope", "").split()) == ["items:read", "items:write"] and c["exp"] - c["iat"] == 3600)
EOF
)" = True ]; ok $? '  ...claims: alg HS256, sub, roles [user], scope "items:read items:write", exp = iat + 3600' "$ALICE"

post_token badpw alice wrong
c=$(code badpw); { [ "$c" = 400 ] && [ "$(jget badpw 'j.get("error")')" = invalid_grant ]; } || [ "$c" = 401 ]
ok $? "POST /token wrong password -> 400 invalid_grant (RFC 6749 5.2) or 401" "$c $(head -c 200 "$TMP/badpw.body")"
ADMIN=${TOKEN_ADMIN:-$(token_for admin admin-pass)}
GUEST=${TOKEN_GUEST:-$(token_for guest guest-pass)}
ALICE_W=$(token_for alice alice-pass items:write)       # narrowed by /token: no items:read
[ "$("$PY" - "$ALICE_W" <<'EOF'
import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["scope"] == "items:write")
EOF
)" = True ]; ok $? 'POST /token alice scope=items:write narrows the scope claim to "items:write"' "$ALICE_W"
if [ -n "${JWT_SECRET:-}" ]; then   # admin narrowed to items:read, made here to spare /token
  ADMIN_R=$("$PY" - <<EOF
import base64, hashlib, hmac, json, os, time
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
now = int(time.time())
h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
c = b(json.dumps({"sub": "admin", "iat": now, "exp": now + 3600, "roles": ["admin"], "scope": "items:read"}).encode())
print(f"{h}.{c}." + b(hmac.new(os.environ["JWT_SECRET"].encode(), f"{h}.{c}".encode(), hashlib.sha256).digest()))
EOF
)
else
  ADMIN_R=$(token_for admin admin-pass items:read)
fi
[ -n "$ADMIN" ] && [ -n "$GUEST" ] && [ -n "$ALICE_W" ] && [ -n "$ADMIN_R" ]
ok $? "tokens for admin, guest and the scope-narrowed cases" "missing token"

# ---- 401s
req noauth GET /users/me
expect_code noauth 401 "GET /users/me without a token"
w=$(hdr noauth WWW-Authenticate); [[ "$w" == Bearer* ]]; ok $? "  ...WWW-Authenticate: Bearer" "$w"
is_error_shape noauth
req garbage GET /users/me -H "$(auth not.a.jwt)"
expect_code garbage 401 "GET /users/me with a malformed token"
w=$(hdr garbage WWW-Authenticate); [[ "$w" == Bearer* && "$w" == *invalid_token* ]]
ok $? '  ...WWW-Authenticate: Bearer error="invalid_token"' "$w"
FORGED=$("$PY" - "$ALICE" <<'EOF'
import base64, hashlib, hmac, json, sys
t = sys.argv[1].split(".")
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
sig = hmac.new(b"a-different-secret-of-at-least-32-bytes!!", f"{t[0]}.{t[1]}".encode(), hashlib.sha256).digest()
print(f"{t[0]}.{t[1]}.{b(sig)}")
EOF
)
req forged GET /users/me -H "$(auth "$FORGED")"
expect_code forged 401 "GET /users/me with a token signed by another key"
NONE=$("$PY" - "$ALICE" <<'EOF'
import base64, json, sys
t = sys.argv[1].split(".")
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
print(b(json.dumps({"alg": "none", "typ": "JWT"}).encode()) + "." + t[1] + ".")
EOF
)
req algnone GET /users/me -H "$(auth "$NONE")"
expect_code algnone 401 "GET /users/me with alg=none"
if [ -n "${JWT_SECRET:-}" ]; then
  mint() { # CLAIMS_JSON -> HS256 token with the server's secret
    "$PY" - "$1" <<'EOF'
import base64, hashlib, hmac, json, os, sys
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()); c = b(sys.argv[1].encode())
sig = hmac.new(os.environ["JWT_SECRET"].encode(), f"{h}.{c}".encode(), hashlib.sha256).digest()
print(f"{h}.{c}.{b(sig)}")
EOF
  }
  now=$(date +%s)
  EXPIRED=$(mint "{\"sub\":\"alice\",\"iat\":$((now-7200)),\"exp\":$((now-3600)),\"roles\":[\"user\"],\"scope\":\"items:read\"}")
  req expired GET /users/me -H "$(auth "$EXPIRED")"
  expect_code expired 401 "GET /users/me with an expired token (correct signature)"
  NBF=$(mint "{\"sub\":\"alice\",\"iat\":$now,\"exp\":$((now+3600)),\"nbf\":$((now+1800)),\"roles\":[\"user\"],\"scope\":\"items:read\"}")
  req nbf GET /users/me -H "$(auth "$NBF")"
  expect_code nbf 401 "GET /users/me with a not-yet-valid token (nbf in 30 min)"
  HS384=$("$PY" - <<EOF
import base64, hashlib, hmac, json, os
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
h = b(json.dumps({"alg": "HS384", "typ": "JWT"}).encode())
c = b(json.dumps({"sub": "alice", "iat": $now, "exp": $((now+3600)), "roles": ["user"], "scope": "items:read"}).encode())
print(f"{h}.{c}." + b(hmac.new(os.environ["JWT_SECRET"].encode(), f"{h}.{c}".encode(), hashlib.sha384).digest()))
EOF
)
  req hs384 GET /users/me -H "$(auth "$HS384")"
  expect_code hs384 401 "GET /users/me with alg HS384 (only HS256 is accepted)"
else
  echo "INFO  JWT_SECRET not given: expired/nbf/HS384 checks skipped"
fi

# ---- /users/me
req me GET /users/me -H "$(auth "$ALICE")"
expect_code me 200 "GET /users/me alice"
[ "$(jget me 'j["username"]=="alice" and j["roles"]==["user"] and sorted(j["scopes"])==["items:read","items:write"]')" = True ]
ok $? '  ...{"username":"alice","roles":["user"],"scopes":[...]}' "$(cat "$TMP/me.body")"

# ---- /admin/stats (role admin)
req st_alice GET /admin/stats -H "$(auth "$ALICE")"
expect_code st_alice 403 "GET /admin/stats as alice (role user)"
is_error_shape st_alice
req st_admin GET /admin/stats -H "$(auth "$ADMIN")"
expect_code st_admin 200 "GET /admin/stats as admin"
[ "$(jget st_admin 'isinstance(j, dict)')" = True ]; ok $? "  ...a JSON object" "$(cat "$TMP/st_admin.body")"

# ---- /items/{id} (scope items:read); make sure item 1 exists first
req it_seed POST /items -H "$(auth "$ALICE")" -H 'Content-Type: application/json' --data '{"name":"Seed","email":"seed@example.com"}'
req it_guest GET /items/1 -H "$(auth "$GUEST")"
expect_code it_guest 200 "GET /items/1 as guest (scope items:read)"
[ "$(jget it_guest 'j["id"]==1')" = True ]; ok $? '  ...{"id":1,...}' "$(cat "$TMP/it_guest.body")"
req it_noscope GET /items/1 -H "$(auth "$ALICE_W")"
expect_code it_noscope 403 "GET /items/1 with a token narrowed to items:write"
req it_missing GET /items/999999999 -H "$(auth "$ALICE")"
expect_code it_missing 404 "GET /items/999999999 (no such item)"

# ---- POST /items (role user|admin, scope items:write, validated body)
VALID='{"name":"Gadget","email":"alice@example.com","tags":["blue","new"]}'
J=(-H 'Content-Type: application/json')
req cr_ok POST /items -H "$(auth "$ALICE")" "${J[@]}" --data "$VALID"
expect_code cr_ok 201 "POST /items valid body as alice"
[ "$(jget cr_ok 'j["name"]=="Gadget" and j["email"]=="alice@example.com" and j["tags"]==["blue","new"] and isinstance(j["id"],int)')" = True ]
ok $? "  ...returns the stored item with an id" "$(cat "$TMP/cr_ok.body")"
NEWID=$(jget cr_ok 'j["id"]')
req cr_back GET "/items/$NEWID" -H "$(auth "$ALICE")"
expect_code cr_back 200 "GET /items/$NEWID (the item just stored)"
req cr_admin POST /items -H "$(auth "$ADMIN")" "${J[@]}" --data "$VALID"
expect_code cr_admin 201 "POST /items valid body as admin"
req cr_noauth POST /items "${J[@]}" --data "$VALID"
expect_code cr_noauth 401 "POST /items without a token"
req cr_guest POST /items -H "$(auth "$GUEST")" "${J[@]}" --data "$VALID"
expect_code cr_guest 403 "POST /items as guest (no role user/admin, no items:write)"
req cr_noscope POST /items -H "$(auth "$ADMIN_R")" "${J[@]}" --data "$VALID"
expect_code cr_noscope 403 "POST /items as admin with a token narrowed to items:read"
req cr_bad POST /items -H "$(auth "$ALICE")" "${J[@]}" \
  --data '{"name":"ab","email":"not-an-email","tags":["a","b","c","d","e","f","g","h","i","j","k"]}'
expect_code cr_bad 422 "POST /items with name/email/tags all invalid"
[ "$(jget cr_bad 'sorted(f["field"] for f in j["fields"])==["email","name","tags"] if "fields" in j else sorted(e["pointer"].lstrip("#/") for e in j["errors"])==["email","name","tags"]')" = True ]
ok $? "  ...one fields[] entry per failing field (name, email, tags)" "$(cat "$TMP/cr_bad.body")"
req cr_long POST /items -H "$(auth "$ALICE")" "${J[@]}" --data "{\"name\":\"$(printf 'x%.0s' {1..51})\",\"email\":\"a@example.com\"}"
expect_code cr_long 422 "POST /items with a 51-character name"
req cr_tag POST /items -H "$(auth "$ALICE")" "${J[@]}" --data "{\"name\":\"abc\",\"email\":\"a@example.com\",\"tags\":[\"\"]}"
expect_code cr_tag 422 "POST /items with an empty tag"
req cr_min POST /items -H "$(auth "$ALICE")" "${J[@]}" --data '{"name":"abc","email":"a@example.com"}'
expect_code cr_min 201 "POST /items without tags (optional)"
req cr_syntax POST /items -H "$(auth "$ALICE")" "${J[@]}" --data '{"name": "abc",'
expect_code cr_syntax 400 "POST /items with malformed JSON"
req cr_ctype POST /items -H "$(auth "$ALICE")" -H 'Content-Type: text/plain' --data "$VALID"
c=$(code cr_ctype); [ "$c" = 415 ] || [ "$c" = 400 ]; ok $? "POST /items with Content-Type text/plain -> 415 (or 400)" "$c"
head -c 70000 /dev/zero | tr '\0' 'a' | sed 's/^/{"name":"/; s/$/","email":"a@example.com"}/' > "$TMP/big.json"
req cr_big POST /items -H "$(auth "$ALICE")" "${J[@]}" --data-binary "@$TMP/big.json"
expect_code cr_big 413 "POST /items with a body over 64 KiB"

# ---- unknown route
req nf GET /no-such-route
expect_code nf 404 "GET /no-such-route"
is_error_shape nf

# ---- INFO only: the contract's "on every response" headers (the minimal
# references do not send them; the toolkit's example must)
missing=""
for h in Strict-Transport-Security X-Frame-Options X-Content-Type-Options Content-Security-Policy Referrer-Policy X-Request-Id; do
  [ -n "$(hdr me "$h")" ] || missing="$missing $h"
done
if [ -z "$missing" ]; then echo "INFO  security headers + X-Request-Id present"; else echo "INFO  missing headers:$missing"; fi

echo "check: $pass passed, $fail failed"
[ "$fail" = 0 ]
