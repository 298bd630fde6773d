"""A minimal, real OpenID Connect provider for the tests: a WSGI app served over HTTP on a
free localhost port from a thread.

It serves discovery, /authorize (auto-approves the configured subject and redirects back
with a code and the state), /token (client secret, one-time code, redirect URI and PKCE
checked; an RS256-signed ID token carrying the nonce), /jwks and /userinfo. `id_token_fault`
makes it issue a bad token on purpose: "signature", "expired", "audience", "issuer", "nonce",
"no-kid".
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, make_server

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class OpenIDProvider:
    def __init__(self, client_id: str, client_secret: str):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = _key()
        self.kid = secrets.token_hex(4)
        # The person who "logs in" at the provider: the claims it will assert.
        self.subject: dict = {}
        self.id_token_fault: str | None = None
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.token_requests = 0
        self._server = make_server("127.0.0.1", 0, self, handler_class=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> "OpenIDProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    # --- WSGI ---------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        routes = {
            "/.well-known/openid-configuration": self.discovery,
            "/authorize": self.authorize,
            "/token": self.token,
            "/jwks": self.jwks,
            "/userinfo": self.userinfo,
        }
        handler = routes.get(path)
        if handler is None:
            status, headers, body = "404 Not Found", [], b"not found"
        else:
            status, headers, body = handler(environ)
        start_response(status, [("Content-Length", str(len(body))), *headers])
        return [body]

    @staticmethod
    def _json(data, status="200 OK"):
        return status, [("Content-Type", "application/json")], json.dumps(data).encode()

    def _error(self, error: str, status="400 Bad Request"):
        return self._json({"error": error}, status)

    def discovery(self, environ):
        return self._json(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    def authorize(self, environ):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if query.get("client_id") != self.client_id:
            return self._error("unauthorized_client")
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return self._error("invalid_request")
        redirect_uri = query["redirect_uri"]
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": redirect_uri,
            "nonce": query.get("nonce"),
            "code_challenge": query.get("code_challenge"),
            "claims": dict(self.subject),
        }
        location = f"{redirect_uri}?{urlencode({'code': code, 'state': query['state']})}"
        return "302 Found", [("Location", location)], b""

    def _client_authenticated(self, environ, form) -> bool:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        return client_id == self.client_id and secret == self.client_secret

    def token(self, environ):
        self.token_requests += 1
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        if not self._client_authenticated(environ, form):
            return self._error("invalid_client", "401 Unauthorized")
        grant = self.codes.pop(form.get("code", ""), None)  # one use only
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return self._error("invalid_grant")
        if grant["code_challenge"]:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["code_challenge"]:
                return self._error("invalid_grant")
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = grant["claims"]
        return self._json(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant["claims"], grant["nonce"]),
            }
        )

    def id_token(self, claims: dict, nonce: str | None) -> str:
        now = int(time.time())
        payload = {
            "iss": self.url,
            "sub": claims["sub"],
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **{k: v for k, v in claims.items() if k != "sub"},
        }
        fault = self.id_token_fault
        key = self.key
        if fault == "expired":
            payload["iat"], payload["exp"] = now - 3600, now - 1800
        elif fault == "audience":
            payload["aud"] = "another-client"
        elif fault == "issuer":
            payload["iss"] = "https://evil.example"
        elif fault == "nonce":
            payload["nonce"] = "not-the-login-nonce"
        elif fault == "signature":
            key = _key()  # a key the JWKS does not publish, under the published kid
        headers = {} if fault == "no-kid" else {"kid": self.kid}
        return jwt.encode(payload, key, algorithm="RS256", headers=headers)

    def jwks(self, environ):
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return self._json({"keys": [jwk]})

    def userinfo(self, environ):
        header = environ.get("HTTP_AUTHORIZATION", "")
        claims = self.access_tokens.get(header.removeprefix("Bearer "))
        if not header.startswith("Bearer ") or claims is None:
            return self._error("invalid_token", "401 Unauthorized")
        return self._json(claims)
