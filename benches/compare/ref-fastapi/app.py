"""ref-fastapi: the benchmark subset of examples/secure_api/README.md, written the way
the FastAPI security guide writes it (OAuth2PasswordBearer, PyJWT HS256,
SecurityScopes, a role-check dependency, pydantic models).

Routes: GET /health, POST /token (form), GET /users/me, GET /admin/stats
(role admin), GET /items/{id} (scope items:read), POST /items (role user or
admin + scope items:write + validated body -> 201).

Run (one worker, uvloop + httptools):
    JWT_SECRET=... venv/bin/uvicorn app:app --host 127.0.0.1 --port 8082 \
        --workers 1 --loop uvloop --http httptools --no-access-log

Deliberate benchmark choices (see ../README.md):
  * Passwords are hashed at start with salted SHA-256, a FAST hash, so /token
    is cheap for the harness. The guide uses Argon2 (pwdlib); a product must.
  * Like the guide, get_current_user looks the subject up in the user table
    after the signature check.
  * Failures are rewritten into the contract's {"error","message"[,"fields"]}
    shape by exception handlers; the guide returns FastAPI's {"detail": ...}.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import secrets
import sys
import time
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, Security, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm, SecurityScopes
from jwt.exceptions import InvalidTokenError
from pydantic import BaseModel, EmailStr, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_SECONDS = 3600
BODY_LIMIT = 64 * 1024

SECRET_KEY = os.environ.get("JWT_SECRET")
if not SECRET_KEY:
    print("ref-fastapi: WARNING: JWT_SECRET unset, using a random secret", file=sys.stderr)
    SECRET_KEY = secrets.token_urlsafe(48)
elif len(SECRET_KEY.encode()) < 32:
    sys.exit("ref-fastapi: JWT_SECRET must be at least 32 bytes")


# --------------------------------------------------------------- users

def hash_password(password: str, salt: bytes) -> bytes:
    # FAST salted SHA-256 for the benchmark only (the guide uses Argon2).
    return hashlib.sha256(salt + password.encode()).digest()


def _seed(password: str, roles: list[str], scopes: list[str]) -> dict:
    salt = secrets.token_bytes(16)
    return {"salt": salt, "hashed_password": hash_password(password, salt),
            "roles": roles, "scopes": scopes, "disabled": False}


fake_users_db: dict[str, dict] = {
    "admin": _seed("admin-pass", ["admin"], ["items:read", "items:write", "users:delete"]),
    "alice": _seed("alice-pass", ["user"], ["items:read", "items:write"]),
    "guest": _seed("guest-pass", ["guest"], ["items:read"]),
}
_DUMMY = _seed("dummy-password", [], [])


class User(BaseModel):
    username: str
    roles: list[str] = []
    scopes: list[str] = []


class Token(BaseModel):
    access_token: str
    token_type: str
    expires_in: int


class ItemIn(BaseModel):
    name: str = Field(min_length=3, max_length=50)
    email: EmailStr
    tags: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(default_factory=list, max_length=10)


class Item(ItemIn):
    id: int
    owner: str


items_db: dict[int, Item] = {
    1: Item(id=1, name="Widget", email="owner@example.com", tags=["demo"], owner="admin"),
}
_next_id = itertools.count(2)


# --------------------------------------------------------------- errors

class ApiError(Exception):
    def __init__(self, status_code: int, code: str, message: str, headers: dict | None = None):
        self.status_code, self.code, self.message, self.headers = status_code, code, message, headers


def _error(status_code: int, code: str, message: str, headers=None, fields=None) -> JSONResponse:
    body = {"error": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return JSONResponse(body, status_code=status_code, headers=headers)


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
          422: "validation_failed", 429: "too_many_requests"}

app = FastAPI(title="ref-fastapi", docs_url=None, redoc_url=None, openapi_url=None)


@app.exception_handler(ApiError)
async def api_error_handler(_: Request, exc: ApiError):
    return _error(exc.status_code, exc.code, exc.message, exc.headers)


@app.exception_handler(StarletteHTTPException)
async def http_error_handler(_: Request, exc: StarletteHTTPException):
    code = _CODES.get(exc.status_code, "error")
    message = exc.detail if exc.status_code in (401, 403) and isinstance(exc.detail, str) else code.replace("_", " ")
    return _error(exc.status_code, code, message, getattr(exc, "headers", None))


@app.exception_handler(RequestValidationError)
async def validation_handler(_: Request, exc: RequestValidationError):
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return _error(400, "bad_request", "body is not valid JSON")
    fields: dict[str, str] = {}
    for e in errors:  # one entry per failing field
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "path", "query")]
        field = loc[0] if loc else "body"
        fields.setdefault(field, e.get("msg", "invalid"))
    return _error(422, "validation_failed", "the request failed validation",
                  fields=[{"field": f, "message": m} for f, m in fields.items()])


@app.exception_handler(Exception)
async def internal_error_handler(_: Request, exc: Exception):
    return _error(500, "internal", "internal server error")


# --------------------------------------------------------------- security

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="token",
    scopes={"items:read": "Read items.", "items:write": "Create items.", "users:delete": "Delete users."},
)


def authenticate_user(username: str, password: str) -> dict | None:
    user = fake_users_db.get(username)
    record = user or _DUMMY  # same work whether or not the user exists
    ok = hmac.compare_digest(hash_password(password, record["salt"]), record["hashed_password"])
    return user if (user and ok) else None


def create_access_token(data: dict) -> str:
    now = int(time.time())
    to_encode = {**data, "iat": now, "exp": now + ACCESS_TOKEN_EXPIRE_SECONDS}
    return jwt.encode(to_encode, SECRET_KEY, algorithm=ALGORITHM)


async def get_current_user(security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    authenticate_value = 'Bearer error="invalid_token"'
    credentials_exception = ApiError(401, "invalid_token", "the bearer token is invalid, expired or revoked",
                                     {"WWW-Authenticate": authenticate_value})
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
        username = payload.get("sub")
        if not isinstance(username, str):
            raise credentials_exception
        token_scopes = str(payload.get("scope", "")).split()
        roles = payload.get("roles", [])
    except InvalidTokenError:
        raise credentials_exception
    user = fake_users_db.get(username)
    if user is None or user["disabled"]:
        raise credentials_exception
    for scope in security_scopes.scopes:
        if scope not in token_scopes:
            raise ApiError(403, "forbidden", "missing required scope")
    return User(username=username, roles=roles, scopes=token_scopes)


def require_roles(*allowed: str):
    """Role-check dependency: the user must hold at least one of `allowed`."""

    async def role_checker(user: Annotated[User, Security(get_current_user)]) -> User:
        if not any(r in user.roles for r in allowed):
            raise ApiError(403, "forbidden", "missing required role")
        return user

    return role_checker


async def require_json(request: Request) -> None:
    ctype = request.headers.get("content-type", "")
    if ctype.split(";", 1)[0].strip().lower() != "application/json":
        raise ApiError(415, "unsupported_media_type", "expected Content-Type: application/json")
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > BODY_LIMIT:
        raise ApiError(413, "payload_too_large", "body larger than 64 KiB")


# --------------------------------------------------------------- routes

@app.get("/health")
async def health():
    return {"status": "ok"}


@app.post("/token", response_model=Token)
async def login_for_access_token(form_data: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user = authenticate_user(form_data.username, form_data.password)
    if not user:
        raise ApiError(401, "invalid_credentials", "incorrect username or password", {"WWW-Authenticate": "Bearer"})
    granted = user["scopes"]
    if form_data.scopes:  # `scope` narrows the grant, never widens it
        granted = [s for s in granted if s in form_data.scopes]
    token = create_access_token({"sub": form_data.username, "roles": user["roles"], "scope": " ".join(granted)})
    return Token(access_token=token, token_type="bearer", expires_in=ACCESS_TOKEN_EXPIRE_SECONDS)


@app.get("/users/me", response_model=User)
async def read_users_me(current_user: Annotated[User, Security(get_current_user)]) -> User:
    return current_user


@app.get("/admin/stats")
async def admin_stats(_: Annotated[User, Depends(require_roles("admin"))]):
    return {"users": len(fake_users_db), "items": len(items_db)}


@app.get("/items/{item_id}", response_model=Item)
async def read_item(item_id: int, _: Annotated[User, Security(get_current_user, scopes=["items:read"])]) -> Item:
    item = items_db.get(item_id)
    if item is None:
        raise ApiError(404, "not_found", "no such item")
    return item


@app.post("/items", response_model=Item, status_code=status.HTTP_201_CREATED, max_body_size=BODY_LIMIT)
async def create_item(
    item: ItemIn,
    user: Annotated[User, Security(require_roles("user", "admin"), scopes=["items:write"])],
    _json: Annotated[None, Depends(require_json)],
) -> Item:
    stored = Item(id=next(_next_id), owner=user.username, **item.model_dump())
    items_db[stored.id] = stored
    return stored
